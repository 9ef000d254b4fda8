// Transactional group offsets, kept the way Kafka keeps them: TxnOffsetCommit appends the offset
// records to the group's __consumer_offsets partition as a transactional batch of the producer
// (producer id/epoch, so the partition's LSO and the producer's epoch fencing apply), and they stay
// pending — per partition and producer — until that producer's commit/abort marker arrives in the
// same partition: a commit replays them into the group coordinator as ordinary offset commits
// (at the marker's place in the log), an abort drops them. The group coordinator's loader feeds
// every transactional and control batch here while it replays the partition, so a restart rebuilds
// exactly the live state from the log: no side file.
import type { RecordBatch } from '../../../protocol/records/batch-decoder.ts'
import { ControlRecordType, decodeEndTxnMarker } from '../../../protocol/records/control-record.ts'
import type { BrokerContext } from '../../context.ts'
import { decodeGroupRecord } from '../group/records.ts'
import type { GroupRecord } from '../group/records.ts'

type OffsetRecord = Extract<GroupRecord, { type: 'offset' }>

const tpKey = (group: string, topic: string, partition: number) => `${group}\u0000${topic}\u0000${partition}`

export class PendingTxnOffsets {
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

const trackers = new WeakMap<BrokerContext, PendingTxnOffsets>()

/** The broker's pending transactional offsets (shared by the group loader and the transaction APIs). */
export function pendingTxnOffsetsOf(ctx: BrokerContext): PendingTxnOffsets {
  let t = trackers.get(ctx)
  if (!t) trackers.set(ctx, (t = new PendingTxnOffsets()))
  return t
}
