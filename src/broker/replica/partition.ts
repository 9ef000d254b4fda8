// One topic-partition this broker hosts: the replica state the protocol exposes — role, leader
// epoch, in-sync replicas, follower ends, high watermark, last stable offset — over a private Log.
// Everything that reads or changes the log goes through a method here that applies the right bound
// (fetches and replay below the HW or LSO, DeleteRecords at most to the HW), and the delayed
// operations waiting on this state (fetches, acks=all produces) are woken from here. Single node:
// this broker is the only replica, so the ISR is {self} and the high watermark follows the log end
// offset as appends complete; the HW is written as "minimum log end offset over the ISR" so
// follower fetch positions can feed it once replication exists.
import { ByteLedger } from './byte-ledger.ts'
import { StorageError } from '../../storage/errors.ts'
import type { LeaderEpochCache } from '../../storage/leader-epoch-cache.ts'
import type { LogConfig } from '../../storage/index.ts'
import type { ProducerEntry } from '../../storage/producer/producer-entry.ts'
import type { AbortedTxn, AppendResult, Log, ReadResult } from '../../storage/index.ts'

/** Broker-level topic settings a partition needs beyond its LogConfig. */
export interface PartitionSettings {
  minInsyncReplicas: number
  /** message.downconversion.enable: Fetch v0-3 may get batches converted to magic 0/1. */
  downConversion: boolean
  /** cleanup.policy includes compact: every produced record needs a key. */
  compacted: boolean
}

/** Told when a partition's readable end moves (new data below the high watermark). */
export type DataListener = (partition: Partition, newBytes: number) => void

export class Partition {
  readonly topic: string
  readonly index: number
  topicId: string
  private readonly log: Log
  /** Set by makeLeader / makeFollower from the metadata image (ReplicaManager.applyDelta). */
  private epoch = 0
  private role: 'leader' | 'follower' = 'leader'
  private replicaIds: readonly number[]
  isr: readonly number[]
  /** ReplicaManager bookkeeping: its first role has been reported to leadership listeners. */
  announced = false
  settings: PartitionSettings
  private hw: number
  /** Last known log end offset of each follower in the ISR (none on a single node). */
  private readonly followerEnds = new Map<number, number>()
  private readonly onData: DataListener
  /** Bytes per acknowledged append, so waiting fetches count only what their bound passed. */
  private readonly appended = new ByteLedger()

  constructor(topic: string, index: number, topicId: string, log: Log, nodeId: number, settings: PartitionSettings, onData: DataListener) {
    this.topic = topic
    this.index = index
    this.topicId = topicId
    this.log = log
    this.replicaIds = [nodeId]
    this.isr = [nodeId]
    this.settings = settings
    this.onData = onData
    // Everything recovered from disk was acknowledged or is at least durable now: with no other
    // replica to disagree, the whole log is committed.
    this.hw = log.logEndOffset
  }

  get leaderEpoch(): number {
    return this.epoch
  }

  get replicas(): readonly number[] {
    return this.replicaIds
  }

  get isLeader(): boolean {
    return this.role === 'leader'
  }

  /** This broker leads the partition at `state.leaderEpoch` (from the metadata image). */
  makeLeader(state: { readonly leaderEpoch: number, readonly replicas: readonly number[], readonly isr: readonly number[] }): void {
    this.role = 'leader'
    this.epoch = state.leaderEpoch
    this.replicaIds = state.replicas
    this.isr = state.isr
    for (const id of this.followerEnds.keys()) if (!state.isr.includes(id)) this.followerEnds.delete(id)
  }

  /** Another broker leads (replication fetches and truncation come with the cluster). */
  makeFollower(state: { readonly leaderEpoch: number, readonly replicas: readonly number[], readonly isr: readonly number[] }): void {
    this.role = 'follower'
    this.epoch = state.leaderEpoch
    this.replicaIds = state.replicas
    this.isr = state.isr
    this.followerEnds.clear()
  }

  get highWatermark(): number {
    return this.hw
  }

  /** The HW, or the first offset of the oldest open transaction below it (src/storage/producer). */
  get lastStableOffset(): number {
    return this.log.lastStableOffset(this.hw)
  }

  /** Aborted transactions overlapping [fetchOffset, upperBound) for a read_committed fetch. */
  abortedTransactions(fetchOffset: number, upperBound: number): AbortedTxn[] {
    return this.log.producerState.abortedTransactions(fetchOffset, upperBound)
  }

  /** The log's effective topic config (storage's view). */
  get config(): LogConfig {
    return this.log.config
  }

  /** Bytes of the log's segments (metrics). */
  get sizeInBytes(): number {
    return this.log.size
  }

  get logStartOffset(): number {
    return this.log.logStartOffset
  }

  get logEndOffset(): number {
    return this.log.logEndOffset
  }

  /**
   * Appends client batches (magic 2, validated and stamped by storage) as leader. Resolves once the
   * storage layer acknowledges (durable per flush.messages); the high watermark then covers them.
   */
  async appendAsLeader(batches: Buffer): Promise<AppendResult> {
    const result = await this.log.append(batches, { leaderEpoch: this.leaderEpoch, origin: 'client' })
    this.appended.record(result.lastOffset + 1, batches.length)
    this.maybeAdvanceHighWatermark(result.lastOffset + 1, batches.length)
    return result
  }

  /** Appends coordinator-written batches (control records allowed). */
  async appendAsCoordinator(batches: Buffer): Promise<AppendResult> {
    const result = await this.log.append(batches, { leaderEpoch: this.leaderEpoch, origin: 'coordinator' })
    this.appended.record(result.lastOffset + 1, batches.length)
    this.maybeAdvanceHighWatermark(result.lastOffset + 1, batches.length)
    return result
  }

  /** Records a follower's fetch position (replication, later). */
  updateFollowerEnd(replicaId: number, logEndOffset: number): void {
    if (!this.isr.includes(replicaId)) return
    this.followerEnds.set(replicaId, logEndOffset)
    this.maybeAdvanceHighWatermark(this.log.logEndOffset, 0)
  }

  /**
   * The HW is the smallest log end offset among ISR members; `localEnd` is the leader's end as of
   * a completed (acknowledged) append — never beyond it, so readers never see unacknowledged data.
   */
  private maybeAdvanceHighWatermark(localEnd: number, newBytes: number): void {
    let candidate = localEnd
    for (const id of this.isr) {
      const end = this.followerEnds.get(id)
      if (end !== undefined && end < candidate) candidate = end
    }
    if (candidate > this.hw) {
      this.hw = candidate
      this.onData(this, newBytes)
    }
  }

  /** The HW moved back (truncation, deleteRecords beyond it cannot happen): keep it within the log. */
  clampToLog(): void {
    if (this.hw > this.log.logEndOffset) this.hw = this.log.logEndOffset
    if (this.hw < this.log.logStartOffset) this.hw = this.log.logStartOffset
  }

  /**
   * DeleteRecords: moves the log start to `offset`, which may not pass the high watermark.
   * Resolves with the new log start offset.
   */
  deleteRecordsBefore(offset: number): Promise<number> {
    if (offset < 0 || offset > this.hw) {
      return Promise.reject(new StorageError('OFFSET_OUT_OF_RANGE', `offset ${offset} is beyond the high watermark ${this.hw}`))
    }
    return this.log.deleteRecordsBefore(offset)
  }

  /** ListOffsets MAX_TIMESTAMP: the record with the largest timestamp below the HW. */
  async maxTimestamp(): Promise<{ offset: number, timestamp: number } | undefined> {
    const r = await this.log.maxTimestamp()
    return r && r.offset < this.hw ? r : undefined
  }

  /** ListOffsets by time: the first batch with a timestamp >= `timestamp` below `upper` (<= HW). */
  async offsetForTimestamp(timestamp: number, upper: number): Promise<{ offset: number, timestamp: number } | undefined> {
    const r = await this.log.offsetForTimestamp(timestamp)
    return r && r.offset < Math.min(upper, this.hw) ? r : undefined
  }

  /** The batch holding `offset` (and whatever follows within `maxBytes`), below `upper` (<= HW). */
  readBatchAt(offset: number, maxBytes: number, upper: number): Promise<ReadResult> {
    return this.log.read(offset, maxBytes, { maxOffset: Math.min(upper, this.hw) })
  }

  /** OffsetForLeaderEpoch: the largest epoch <= `epoch` this log knows and where it ends. */
  endOffsetForEpoch(epoch: number): ReturnType<LeaderEpochCache['endOffsetFor']> {
    return this.log.epochs.endOffsetFor(epoch, this.log.logEndOffset)
  }

  /** DescribeProducers: the producers with state in this partition. */
  activeProducers(): Iterable<Readonly<ProducerEntry>> {
    return this.log.producerState.entries()
  }

  /**
   * Coordinator replay: whole batches from `offset`, only below the high watermark (a coordinator
   * must never act on records a new leader could truncate).
   */
  readForReplay(offset: number, maxBytes: number): Promise<ReadResult> {
    return this.log.read(offset, maxBytes, { maxOffset: this.hw })
  }

  /** The bound a fetch reads up to: the LSO (read_committed) or the HW. */
  fetchBound(readCommitted: boolean): number {
    return readCommitted ? this.lastStableOffset : this.hw
  }

  /** Bytes appended in [from, to) (recent appends; see ByteLedger). */
  bytesBetween(from: number, to: number): number {
    return this.appended.bytesBetween(from, to)
  }

  /**
   * Whole batches from `offset`, bounded by the HW (read_uncommitted) or the LSO (read_committed).
   * `minOneBatch` (KIP-74): the first batch comes back even when larger than `maxBytes`.
   */
  read(offset: number, maxBytes: number, readCommitted: boolean, minOneBatch = true,
    allocate?: (size: number) => Buffer): Promise<ReadResult> {
    return this.log.read(offset, maxBytes, { maxOffset: readCommitted ? this.lastStableOffset : this.hw, minOneBatch, allocate })
  }
}
