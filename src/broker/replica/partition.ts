// One topic-partition this broker hosts: the replica state the protocol exposes — role, leader
// epoch, in-sync replicas, follower ends, high watermark, last stable offset — over a private Log.
// Everything that reads or changes the log goes through a method here that applies the right bound
// (fetches and replay below the HW or LSO, DeleteRecords at most to the HW), and the delayed
// operations waiting on this state (fetches, acks=all produces) are woken from here.
// Replication (Kafka's Partition): as leader it tracks each follower's log end offset and last
// caught-up time; the high watermark is the smallest log end offset over the (maximal) ISR and only
// the leader advances it; the ISR shrinks when a follower lags past replica.lag.time.max.ms and
// grows when it catches up, each change proposed through the IsrChangeSink (a compare-and-swap on
// the partition's metadata key, AlterPartition) and taken on only when the image brings it back.
// As follower it appends the leader's batches as they are and learns the HW from the leader.
import { ByteLedger } from './byte-ledger.ts'
import { FollowerState } from './follower-state.ts'
import { StorageError } from '../../storage/errors.ts'
import type { LeaderEpochCache } from '../../storage/leader-epoch-cache.ts'
import type { LogConfig } from '../../storage/index.ts'
import type { ProducerEntry } from '../../storage/producer/producer-entry.ts'
import type { AbortedTxn, AppendResult, BufferHold, HoldCollector, Log, ReadResult } from '../../storage/index.ts'
import type { SchemaValidation } from '../api/schema-ids.ts'
import { checkDivergence, epochEndOffset } from './diverging-epoch.ts'
import type { Divergence, EpochEnd } from './diverging-epoch.ts'

/**
 * What a replica uses of its log: storage's Log satisfies it as it is; the deterministic
 * simulation (tools/sim/) gives partitions an in-memory log through it, so the replication code
 * under test is this very file, never a copy.
 */
export type ReplicaLog = Pick<Log, 'append' | 'read' | 'readNow' | 'logStartOffset' | 'logEndOffset' | 'epochs' | 'startLeaderEpoch' | 'truncateTo' | 'truncateFullyAndStartAt'
  | 'deleteRecordsBefore' | 'maxTimestamp' | 'offsetForTimestamp' | 'producerState' | 'lastStableOffset' | 'config' | 'size'>

/** Broker-level topic settings a partition needs beyond its LogConfig. */
export interface PartitionSettings {
  minInsyncReplicas: number
  /** message.downconversion.enable: Fetch v0-3 may get batches converted to magic 0/1. */
  downConversion: boolean
  /** cleanup.policy includes compact: every produced record needs a key. */
  compacted: boolean
  /** confluent.key/value.schema.validation: produced records must carry registered schema ids. */
  schemaValidation: SchemaValidation | null
}

/** Told when a partition's readable end moves (new data below the high watermark) or its log grows. */
export interface PartitionEvents {
  /** The high watermark moved up (`newBytes` became readable). */
  onHighWatermark(partition: Partition, newBytes: number): void
  /** The log end moved (replica fetches read up to it). */
  onLogAppend(partition: Partition, newBytes: number): void
}

/** Where a leader proposes ISR changes (AlterPartition); absent on a single node. */
export interface IsrChangeSink {
  /** May `replicaId` join the ISR (registered, not shutting down)? */
  isEligible(replicaId: number): boolean
  /** Writes the new ISR guarded by the leader and partition epochs; resolves false when fenced. */
  submit(partition: Partition, isr: readonly number[]): Promise<boolean>
  /** replica.lag.time.max.ms */
  readonly lagTimeMaxMs: number
  now(): number
}

/** The replica state the metadata image gives a partition. */
export interface ReplicaAssignment {
  readonly leader: number
  readonly leaderEpoch: number
  readonly partitionEpoch: number
  readonly replicas: readonly number[]
  readonly isr: readonly number[]
}

export class Partition {
  readonly topic: string
  readonly index: number
  topicId: string
  private readonly log: ReplicaLog
  private readonly nodeId: number
  /** Set by makeLeader / makeFollower from the metadata image (ReplicaManager.applyDelta). */
  private epoch = 0
  private pEpoch = 0
  private role: 'leader' | 'follower' = 'leader'
  private leader: number
  private replicaIds: readonly number[]
  /** The committed ISR (as in the metadata image). */
  isr: readonly number[]
  /** An ISR change written but not yet seen in the image (Kafka's PendingExpand/ShrinkIsr). */
  private pendingIsr: readonly number[] | undefined
  /** The pending proposal's write failed without an answer: it may have committed. */
  private pendingUncertain = false
  /** ReplicaManager bookkeeping: its first role has been reported to leadership listeners. */
  announced = false
  settings: PartitionSettings
  private hw: number
  /** Offset at which this broker's current leader epoch began (followers join the ISR past it). */
  private leaderEpochStartOffset = 0
  /** As leader: every other replica's fetch state. */
  private readonly followers = new Map<number, FollowerState>()
  private readonly events: PartitionEvents
  private readonly isrSink: IsrChangeSink | undefined
  /** Bytes per acknowledged append, so waiting fetches count only what their bound passed. */
  private readonly appended = new ByteLedger()
  private coordinatorAppendCount = 0

  /** The HW checkpointed before this start-up (hw-checkpoint.ts), if any. */
  private readonly recordedHw: number | undefined

  constructor(topic: string, index: number, topicId: string, log: ReplicaLog, nodeId: number, settings: PartitionSettings,
    events: PartitionEvents, isrSink?: IsrChangeSink, recordedHw?: number) {
    this.recordedHw = recordedHw
    this.topic = topic
    this.index = index
    this.topicId = topicId
    this.log = log
    this.nodeId = nodeId
    this.leader = nodeId
    this.replicaIds = [nodeId]
    this.isr = [nodeId]
    this.settings = settings
    this.events = events
    this.isrSink = isrSink
    // Single node: everything recovered is committed (no other replica can disagree). With
    // replicas the first role sets it from the HW checkpoint (or the log start) and it is re-learned
    // forward from there.
    this.hw = log.logEndOffset
  }

  get leaderEpoch(): number {
    return this.epoch
  }

  get partitionEpoch(): number {
    return this.pEpoch
  }

  get replicas(): readonly number[] {
    return this.replicaIds
  }

  get isLeader(): boolean {
    return this.role === 'leader'
  }

  /** The leader's node id as this broker last heard it (-1: none). */
  get leaderId(): number {
    return this.leader
  }

  /** The ISR the high watermark waits for: the committed one plus any member being added. */
  get maximalIsr(): readonly number[] {
    const p = this.pendingIsr
    return p ? [...new Set([...this.isr, ...p])] : this.isr
  }

  private firstRole(state: ReplicaAssignment): void {
    if (this.announced || state.replicas.length <= 1) return
    const start = this.log.logStartOffset
    this.hw = Math.max(start, Math.min(this.recordedHw ?? start, this.log.logEndOffset))
  }

  /**
   * This broker leads the partition at `state.leaderEpoch` (from the metadata image). A new epoch
   * resets every follower's fetch state (their ends are unknown until they fetch; in-sync ones
   * count as caught up now) and starts the epoch in the leader-epoch cache at the log end.
   */
  async makeLeader(state: ReplicaAssignment): Promise<void> {
    this.firstRole(state)
    const now = this.isrSink?.now() ?? 0
    const newEpoch = this.role !== 'leader' || state.leaderEpoch !== this.epoch || !this.announced
    this.role = 'leader'
    this.leader = this.nodeId
    this.epoch = state.leaderEpoch
    this.pEpoch = state.partitionEpoch
    this.replicaIds = state.replicas
    this.isr = state.isr
    this.pendingIsr = undefined
    this.pendingUncertain = false
    if (newEpoch) {
      this.followers.clear()
      this.leaderEpochStartOffset = this.log.logEndOffset
      // In the log's append queue: a follower append that passed its role check before this call
      // is still queued, and the epoch must start after it (else the epoch cache claims a batch
      // of the old epoch for the new one, and a follower holding that batch is told it diverged,
      // truncates, fetches it again, and never catches up — seen as a 60 s acks=all stall after a
      // controlled shutdown).
      const start = await this.log.startLeaderEpoch(state.leaderEpoch)
      if (this.role === 'leader' && this.epoch === state.leaderEpoch) this.leaderEpochStartOffset = start
    }
    for (const id of state.replicas) {
      if (id !== this.nodeId && !this.followers.has(id)) this.followers.set(id, new FollowerState(state.isr.includes(id) ? now : 0))
    }
    for (const id of this.followers.keys()) if (!state.replicas.includes(id)) this.followers.delete(id)
    // A shrunk ISR may let the HW move.
    this.maybeAdvanceHighWatermark(this.log.logEndOffset, 0)
  }

  /** Another broker leads: this one fetches from it (ReplicaFetcherManager) and keeps no follower state. */
  makeFollower(state: ReplicaAssignment): void {
    this.firstRole(state)
    this.role = 'follower'
    this.leader = state.leader
    this.epoch = state.leaderEpoch
    this.pEpoch = state.partitionEpoch
    this.replicaIds = state.replicas
    this.isr = state.isr
    this.pendingIsr = undefined
    this.pendingUncertain = false
    this.followers.clear()
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

  /** The newest leader epoch in this log's epoch cache (-1: none). */
  get latestEpoch(): number {
    return this.log.epochs.latestEpoch
  }

  private notLeader(): StorageError {
    return new StorageError('NOT_LEADER_OR_FOLLOWER', `This broker does not lead ${this.topic}-${this.index}`)
  }

  /**
   * Appends client batches (magic 2, validated and stamped by storage) as leader. Resolves once the
   * storage layer acknowledges (durable per flush.messages); the high watermark then covers them
   * once every in-sync replica has them. `hold`: `batches` is lent (a pooled request frame), so the
   * log's tail cache may keep it for the followers' fetches instead of their reading the file.
   */
  appendAsLeader(batches: Buffer, hold?: BufferHold): Promise<AppendResult> {
    return this.leaderAppend(batches, 'client', hold)
  }

  /** Appends coordinator-written batches (control records allowed). */
  appendAsCoordinator(batches: Buffer): Promise<AppendResult> {
    return this.leaderAppend(batches, 'coordinator')
  }

  private async leaderAppend(batches: Buffer, origin: 'client' | 'coordinator', hold?: BufferHold): Promise<AppendResult> {
    if (this.role !== 'leader') throw this.notLeader()
    if (origin === 'coordinator') this.coordinatorAppendCount++
    const epoch = this.epoch
    // With followers the tail cache keeps lent batches: their fetches at the log end, answered when
    // the append wakes them, then need no thread-pool read (alone, only copies of small appends).
    // The write itself is on the event loop as for a single replica (parts up to 1 MiB, see
    // Log.writeGroup): through the thread pool (sessions 9-11) it put two thread wake-ups and the
    // pool's queue into every acks=all round trip (session 12 A/B, docs/benchmarks/replication-history-11-13.md).
    const replicated = this.followers.size > 0
    const result = await this.log.append(batches, { leaderEpoch: epoch, origin, hold: replicated ? hold : undefined })
    this.appended.record(result.lastOffset + 1, batches.length)
    this.events.onLogAppend(this, batches.length)
    this.maybeAdvanceHighWatermark(result.lastOffset + 1, batches.length)
    // The role or epoch changed while the append was queued (Kafka holds a lock across both; here
    // the image may apply meanwhile): as a follower the batch may be truncated by the new leader, so
    // it is never acknowledged (the producer retries). Found by the deterministic simulation.
    if (this.role !== 'leader' || this.epoch !== epoch) throw this.notLeader()
    return result
  }

  /**
   * Follower: appends the leader's batches as they are (offsets and leader epochs kept), when the
   * partition still follows in `leaderEpoch` and the batches start at the log end.
   */
  async appendAsFollower(batches: Buffer, leaderEpoch: number): Promise<AppendResult | undefined> {
    if (this.role !== 'follower' || this.epoch !== leaderEpoch) return undefined
    const result = await this.log.append(batches, { origin: 'replication' })
    this.appended.record(result.lastOffset + 1, batches.length)
    return result
  }

  /** Follower: the leader's high watermark, capped by what this replica has. */
  updateFollowerHighWatermark(leaderHighWatermark: number): void {
    if (this.role !== 'follower') return
    const hw = Math.min(leaderHighWatermark, this.log.logEndOffset)
    if (hw > this.hw) {
      this.hw = hw
      this.events.onHighWatermark(this, 0)
    }
  }

  /**
   * Follower: the leader's log start moved (retention, DeleteRecords): records below it go here
   * too, within this log's range. The log start moves now; the segments below it are deleted in
   * the background (under the log's maintenance mutex, which close waits for), as Kafka's follower
   * only increments its log start offset and leaves the files to the retention task. The fetch
   * loop must not wait for file deletion: the leader's HW, and so every acks=all produce, waits
   * for this follower's next fetch (20-150 ms per deleted segment in the cluster bench, behind the
   * thread pool's fsyncs; docs/benchmarks/replication.md, session 14).
   */
  followLogStartOffset(leaderLogStart: number, onError: (err: unknown) => void): void {
    if (this.role !== 'follower' || leaderLogStart <= this.log.logStartOffset) return
    // A failure is the caller's to log (a Partition has no logger): usually the deletion's, after
    // the start offset moved (the next retention pass retries), or a refusal that left it in place.
    this.log.deleteRecordsBefore(Math.min(leaderLogStart, this.log.logEndOffset)).catch(onError)
  }

  /** Follower: this log ends below the leader's log start: it restarts empty there. */
  async restartAt(offset: number): Promise<void> {
    await this.log.truncateFullyAndStartAt(offset)
    this.hw = offset
  }

  /** Follower: removes everything from `offset` on (diverged from the leader); the HW follows. */
  async truncateTo(offset: number): Promise<void> {
    await this.log.truncateTo(offset)
    this.clampToLog()
  }

  /**
   * Leader: a follower fetched from `fetchOffset` (its log end offset). Updates its state, may
   * add it to the ISR (caught up to the HW within this leader epoch) and may move the HW.
   * Returns false when `replicaId` is not a replica of this partition (or this broker does not lead).
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: number, followerLogStart = -1): boolean {
    const f = this.followers.get(replicaId)
    if (!f || this.role !== 'leader') return false
    // Beyond the log end (a diverged follower that has not truncated yet): its fetch fails
    // OFFSET_OUT_OF_RANGE and teaches nothing; it must never count towards the HW or the ISR.
    if (fetchOffset > this.log.logEndOffset) return true
    f.onFetch(fetchOffset, this.log.logEndOffset, this.isrSink?.now() ?? 0, followerLogStart)
    this.maybeExpandIsr(replicaId, f)
    this.maybeAdvanceHighWatermark(this.log.logEndOffset, 0)
    return true
  }

  /** Whether `replicaId` is a follower this leader tracks (an assigned replica other than itself). */
  hasFollower(replicaId: number): boolean {
    return this.role === 'leader' && this.followers.has(replicaId)
  }

  /**
   * Leader, KIP-392: the in-sync followers a consumer at `fetchOffset` could read from (they hold
   * that offset), with their log end offset and time since last caught up.
   */
  readReplicaCandidates(fetchOffset: number): { id: number, logEndOffset: number, timeSinceLastCaughtUpMs: number }[] {
    if (this.role !== 'leader') return []
    const now = this.isrSink?.now() ?? 0
    const out: { id: number, logEndOffset: number, timeSinceLastCaughtUpMs: number }[] = []
    for (const [id, f] of this.followers) {
      if (!this.isr.includes(id) || f.logEndOffset < fetchOffset || f.logStartOffset > fetchOffset) continue
      out.push({ id, logEndOffset: f.logEndOffset, timeSinceLastCaughtUpMs: now - f.lastCaughtUpTimeMs })
    }
    return out
  }

  /** Fetch with LastFetchedEpoch: does the fetcher's log diverge from this one at `fetchOffset`? */
  divergence(lastFetchedEpoch: number, fetchOffset: number): Divergence {
    return checkDivergence(this.log.epochs.all, lastFetchedEpoch, fetchOffset, this.log.logStartOffset, this.log.logEndOffset)
  }

  /** Kept for tests written before replication: a follower's end as its fetch reports it. */
  updateFollowerEnd(replicaId: number, logEndOffset: number): void {
    if (!this.followers.has(replicaId) && this.isr.includes(replicaId)) this.followers.set(replicaId, new FollowerState(0))
    this.updateFollowerFetchState(replicaId, logEndOffset)
  }

  private maybeExpandIsr(replicaId: number, f: FollowerState): void {
    const sink = this.isrSink
    if (!sink || this.pendingIsr || this.isr.includes(replicaId)) return
    if (f.logEndOffset < this.hw || f.logEndOffset < this.leaderEpochStartOffset || !sink.isEligible(replicaId)) return
    this.proposeIsr([...this.isr, replicaId])
  }

  /** Leader: drops followers not caught up within replica.lag.time.max.ms from the ISR. */
  maybeShrinkIsr(): void {
    const sink = this.isrSink
    if (!sink || this.role !== 'leader') return
    if (this.pendingIsr) {
      // A proposal whose write failed without an answer may have committed: it stays in the
      // maximal ISR (the HW waits for it) and is written again until the store or the image says.
      if (this.pendingUncertain) this.proposeIsr(this.pendingIsr)
      return
    }
    const now = sink.now()
    const lagging = this.isr.filter((id) => id !== this.nodeId && (this.followers.get(id)?.isLagging(now, sink.lagTimeMaxMs) ?? true))
    if (lagging.length === 0) return
    this.proposeIsr(this.isr.filter((id) => !lagging.includes(id)))
  }

  private proposeIsr(isr: readonly number[]): void {
    const sink = this.isrSink!
    this.pendingIsr = isr
    const retry = this.pendingUncertain
    this.pendingUncertain = false
    const epoch = this.epoch
    const pEpoch = this.pEpoch
    const current = (): boolean => this.epoch === epoch && this.pEpoch === pEpoch && this.pendingIsr === isr
    sink.submit(this, isr).then((ok) => {
      // Fenced: forget the proposal unless the image already moved on; the next fetch or
      // expiration check proposes again from the current state. After a write with no answer,
      // "fenced" may be our own write: keep it until the image brings the new state.
      if (!ok && !retry && current()) this.pendingIsr = undefined
    }, () => {
      // No answer (timeout, store unreachable): the write may have committed (the simulation's
      // seed 30004 lost committed records when the HW moved on without the joining follower).
      if (current()) this.pendingUncertain = true
    })
  }

  /**
   * Leader: the HW is the smallest log end offset over the maximal ISR (a follower that has not
   * fetched in this epoch holds it back); `localEnd` is the leader's end as of a completed append,
   * never beyond it, so readers never see unacknowledged data. Never moves back.
   */
  private maybeAdvanceHighWatermark(localEnd: number, newBytes: number): void {
    if (this.role !== 'leader') return
    let candidate = localEnd
    for (const id of this.maximalIsr) {
      if (id === this.nodeId) continue
      const end = this.followers.get(id)?.logEndOffset ?? -1
      if (end < candidate) candidate = end
    }
    if (candidate > this.hw) {
      this.hw = candidate
      this.events.onHighWatermark(this, newBytes)
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

  /** Where `epoch` ends in this log, as Kafka's leader-epoch cache answers (undefined: unknown). */
  epochEnd(epoch: number): EpochEnd | undefined {
    return epochEndOffset(this.log.epochs.all, epoch, this.log.logEndOffset)
  }

  /** OffsetForLeaderEpoch: the largest epoch <= `epoch` this log knows and where it ends. */
  endOffsetForEpoch(epoch: number): ReturnType<LeaderEpochCache['endOffsetFor']> {
    return this.log.epochs.endOffsetFor(epoch, this.log.logEndOffset)
  }

  /**
   * Coordinator appends (transaction markers) queued so far. A produce verified with a remote
   * transaction coordinator compares it before and after the round trip: a marker queued meanwhile
   * may have ended the very transaction the verification vouched for (Kafka's verification guard).
   */
  get coordinatorAppends(): number {
    return this.coordinatorAppendCount
  }

  /** Whether the producer has a transaction open here in `epoch` (its later batches need no verification). */
  hasOngoingTransaction(producerId: number, epoch: number): boolean {
    const e = this.log.producerState.entry(producerId)
    return e !== undefined && e.epoch === epoch && e.currentTxnFirstOffset >= 0
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

  /** A follower's fetch: whole batches from `offset` up to the log end (not the HW). */
  readForReplica(offset: number, maxBytes: number, allocate?: (size: number) => Buffer, holder?: HoldCollector): Promise<ReadResult> {
    return this.log.read(offset, maxBytes, { maxOffset: this.log.logEndOffset, minOneBatch: true, allocate, holder })
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
    allocate?: (size: number) => Buffer, holder?: HoldCollector): Promise<ReadResult> {
    return this.log.read(offset, maxBytes, { maxOffset: readCommitted ? this.lastStableOffset : this.hw, minOneBatch, allocate, holder })
  }

  /** `read` when it needs no file I/O (nothing new, or the tail cache has it), else undefined (Log.readNow). */
  readNow(offset: number, maxBytes: number, readCommitted: boolean, minOneBatch = true, holder?: HoldCollector): ReadResult | undefined {
    return this.log.readNow(offset, maxBytes, { maxOffset: readCommitted ? this.lastStableOffset : this.hw, minOneBatch, holder })
  }

  /** `readForReplica` when it needs no file I/O, else undefined. */
  readForReplicaNow(offset: number, maxBytes: number, holder?: HoldCollector): ReadResult | undefined {
    return this.log.readNow(offset, maxBytes, { maxOffset: this.log.logEndOffset, minOneBatch: true, holder })
  }
}
