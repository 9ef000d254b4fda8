// Transactional offset commits, in the group shard as Kafka keeps them: TxnOffsetCommit appends
// the offset records to the group's __consumer_offsets partition as a transactional batch of the
// producer (producer id/epoch, so the partition's LSO and the producer's epoch fencing apply), and
// they stay pending — per partition and producer — until that producer's commit/abort marker
// lands in the same partition: a commit replays them as ordinary offset commits (at the marker's
// place in the log), an abort drops them. The loader hands every transactional and control batch
// here while it replays the partition, so a restart rebuilds exactly the live state: no side file.
import { ErrorCode } from '../../../protocol/errors.ts'
import { ZERO_UUID } from '../../../protocol/primitives/index.ts'
import type { RecordBatch } from '../../../protocol/records/batch-decoder.ts'
import { ControlRecordType, decodeEndTxnMarker } from '../../../protocol/records/control-record.ts'
import { isStorageError } from '../../../storage/errors.ts'
import type { GroupShardState } from './group-shard-state.ts'
import { decodeGroupRecord } from './records.ts'
import type { GroupRecord } from './records.ts'

type OffsetRecord = Extract<GroupRecord, { type: 'offset' }>

const tpKey = (group: string, topic: string, partition: number) => `${group}\u0000${topic}\u0000${partition}`

/** A TxnOffsetCommit, decoded; the transaction coordinator has checked the producer already. */
export interface TxnCommitRequest {
  readonly groupId: string
  readonly producerId: number
  readonly producerEpoch: number
  readonly offsets: readonly {
    readonly topic: string, readonly partition: number, readonly offset: bigint, readonly leaderEpoch: number, readonly metadata: string | null
  }[]
}

/** Appends a transactional batch of the producer to a __consumer_offsets partition. */
export type AppendTransactional = (partition: number, producerId: number, producerEpoch: number, records: readonly GroupRecord[]) => Promise<void>

class PendingTxnOffsets {
  /** __consumer_offsets partition -> producer id -> (group, topic, partition) -> latest record. */
  private readonly byPartition = new Map<number, Map<number, Map<string, OffsetRecord>>>()

  /** A transactional offset batch of `producerId` was appended to (or replayed from) `partition`. */
  add(partition: number, producerId: number, records: readonly GroupRecord[]): void {
    let byProducer = this.byPartition.get(partition)
    if (!byProducer) this.byPartition.set(partition, (byProducer = new Map()))
    let m = byProducer.get(producerId)
    if (!m) byProducer.set(producerId, (m = new Map()))
    for (const r of records) if (r.type === 'offset') m.set(tpKey(r.group, r.topic, r.partition), r)
  }

  /** The producer's marker is in `partition`: the records to replay (commit) — none on abort. */
  complete(partition: number, producerId: number, commit: boolean): OffsetRecord[] {
    const byProducer = this.byPartition.get(partition)
    const m = byProducer?.get(producerId)
    if (!m) return []
    byProducer!.delete(producerId)
    if (byProducer!.size === 0) this.byPartition.delete(partition)
    return commit ? [...m.values()] : []
  }

  /** Whether an open transaction holds an offset for the group's partition (OffsetFetch requireStable). */
  isPending(group: string, topic: string, partition: number): boolean {
    const k = tpKey(group, topic, partition)
    for (const byProducer of this.byPartition.values()) {
      for (const m of byProducer.values()) if (m.has(k)) return true
    }
    return false
  }

  /** Resigned: the partition's pending offsets are forgotten (a new election replays them). */
  unloadPartition(partition: number): void {
    this.byPartition.delete(partition)
  }

  /** Producers with pending offsets in `partition` (tests, diagnostics). */
  producers(partition: number): number[] {
    return [...(this.byPartition.get(partition)?.keys() ?? [])]
  }

  /**
   * Load: a transactional or control batch read from `partition`, in log order. Committed records
   * go to `replay`; returns how many records were replayed or became pending.
   */
  replayBatch(partition: number, batch: RecordBatch, replay: (rec: GroupRecord) => void, onBad?: (err: unknown) => void): number {
    if (batch.control) {
      const rec = batch.records[0]
      if (!rec) return 0
      let type: ControlRecordType
      try {
        type = decodeEndTxnMarker(rec).type
      } catch (err) {
        onBad?.(err)
        return 0
      }
      if (type !== ControlRecordType.Commit && type !== ControlRecordType.Abort) return 0
      const done = this.complete(partition, batch.producerId, type === ControlRecordType.Commit)
      for (const r of done) replay(r)
      return done.length
    }
    const records: GroupRecord[] = []
    for (const r of batch.records) {
      try {
        const rec = decodeGroupRecord(r.key, r.value)
        if (rec) records.push(rec)
      } catch (err) {
        onBad?.(err)
      }
    }
    this.add(partition, batch.producerId, records)
    return records.length
  }
}

export class TxnOffsetManager {
  private readonly pending = new PendingTxnOffsets()

  constructor(private readonly s: GroupShardState, private readonly appendTxn: AppendTransactional) {}

  /**
   * TxnOffsetCommit v3+ (KIP-447): the consumer's generation and member id, checked like an
   * OffsetCommit's, except that a memberless commit to an unknown or empty group passes. In a
   * consumer group the generation is the member epoch.
   */
  validateMember(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    const cg = this.s.consumerGroups.get(groupId)
    if (cg) {
      // Kafka's ConsumerGroup.validateOffsetCommit, transactional: without member fields it passes;
      // otherwise the member must exist and name its epoch (a classic member: its generation).
      if (generationId < 0 && memberId === '' && groupInstanceId === null) return ErrorCode.NONE
      if (generationId < 0 && cg.members.size === 0) return ErrorCode.NONE
      const m = cg.members.get(memberId)
      if (!m) return ErrorCode.UNKNOWN_MEMBER_ID
      if (generationId !== m.memberEpoch) return m.classic !== null ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.STALE_MEMBER_EPOCH
      return ErrorCode.NONE
    }
    const group = this.s.groups.get(groupId)
    if (!group) return generationId >= 0 ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE
    if (generationId < 0 && group.members.size === 0) return ErrorCode.NONE
    if (group.isStaticMemberFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
    if (memberId !== '' && !group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID
    if (generationId >= 0 && generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    return ErrorCode.NONE
  }

  /**
   * Appends the valid offsets as the producer's transactional batch; they are pending from the
   * moment the append resolved (log order) until the producer's marker. Per-partition codes in
   * request order.
   */
  async commit(req: TxnCommitRequest): Promise<number[]> {
    const partition = this.s.partitionFor(req.groupId)
    if (this.s.resigned.has(partition)) return req.offsets.map(() => ErrorCode.NOT_COORDINATOR)
    const now = BigInt(this.s.now())
    const codes: number[] = []
    const records: GroupRecord[] = []
    for (const o of req.offsets) {
      const metadata = o.metadata ?? ''
      let code: number = ErrorCode.NONE
      if (!this.s.partitionExists(o.topic, o.partition)) code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
      else if (Buffer.byteLength(metadata) > this.s.config.offsetMetadataMaxBytes) code = ErrorCode.OFFSET_METADATA_TOO_LARGE
      else {
        records.push({
          type: 'offset', group: req.groupId, topic: o.topic, partition: o.partition,
          value: { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata, commitTimestamp: now, expireTimestamp: -1n, topicId: ZERO_UUID },
        })
      }
      codes.push(code)
    }
    if (records.length === 0) return codes
    try {
      await this.appendTxn(partition, req.producerId, req.producerEpoch, records)
    } catch (err) {
      // A newer epoch of this producer already wrote there: this instance is a zombie.
      const code = isStorageError(err) && err.code === 'INVALID_PRODUCER_EPOCH' ? ErrorCode.INVALID_PRODUCER_EPOCH : ErrorCode.COORDINATOR_NOT_AVAILABLE
      if (code !== ErrorCode.INVALID_PRODUCER_EPOCH) this.s.onError(err, 'appending transactional offsets')
      return codes.map(() => code)
    }
    this.pending.add(partition, req.producerId, records)
    return codes
  }

  /** The producer's marker landed in `partition`: a commit replays its pending offsets, an abort drops them. */
  replayEndTxnMarker(partition: number, producerId: number, commit: boolean): void {
    for (const r of this.pending.complete(partition, producerId, commit)) this.s.replay(r)
  }

  /** Load: a transactional or control batch of `partition`, in log order; returns records applied or made pending. */
  replayBatch(partition: number, batch: RecordBatch, onBad?: (err: unknown) => void): number {
    return this.pending.replayBatch(partition, batch, (r) => this.s.replay(r), onBad)
  }

  /** Whether an open transaction holds an offset for the group's partition (OffsetFetch requireStable). */
  isPending(group: string, topic: string, partition: number): boolean {
    return this.pending.isPending(group, topic, partition)
  }

  /** Producers with pending offsets in `partition` (tests, diagnostics). */
  producers(partition: number): number[] {
    return this.pending.producers(partition)
  }

  unloadPartition(partition: number): void {
    this.pending.unloadPartition(partition)
  }
}
