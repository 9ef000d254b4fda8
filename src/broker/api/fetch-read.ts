// One pass of a Fetch: resolve each requested partition, read whole batches up to the high
// watermark (read_uncommitted) or last stable offset (read_committed) within the per-partition
// and response byte limits, and build the response body. A follower's fetch (replica id set) is
// served by the leader only, reads up to the log end offset, and reports the follower's position
// to the partition (ISR, high watermark). A consumer's fetch v11+ (client metadata, KIP-392) may be
// served by a follower up to its HW (learned from the leader); older ones by the leader only. With
// replica.selector.class the leader may answer PreferredReadReplica (no records) instead.
// A fetch naming its LastFetchedEpoch (v12+) whose log diverges from this one gets DivergingEpoch
// and no records (replica/diverging-epoch.ts), and a diverged follower's position is not taken. Record bytes are the storage buffers
// themselves (never copied) except for Fetch v0-3, which gets magic 0/1 message sets.
import { ErrorCode } from '../../protocol/errors.ts'
import { COMPRESSION_MASK, ATTRIBUTES, RECORD_BATCH_OVERHEAD, batchSize, lastOffset } from '../../protocol/records/batch-header.ts'
import { batchesToLegacy } from '../../protocol/records/legacy/convert.ts'
import type {
  FetchRequest,
  FetchResponse,
  FetchResponseAbortedTransaction,
  FetchResponseFetchableTopicResponse,
  FetchResponsePartitionData,
} from '../../protocol/generated/messages/fetch.ts'
import type { Partition } from '../replica/partition.ts'
import type { ReplicaManager } from '../replica/replica-manager.ts'
import type { MetadataView } from '../cluster/metadata-image.ts'
import type { Logger } from 'pino'
import { partitionFailure } from './partition-error.ts'
import { recordsLength } from '../../protocol/primitives/index.ts'
import type { Records } from '../../protocol/primitives/index.ts'
import { LeaderEndpoints, NO_LEADER, currentLeader, wantsLeaderHint } from './leader-hint.ts'
import type { ReadBufferLease } from '../net/read-buffers.ts'
import { isSafeInt64 } from './int64.ts'
import type { EpochEnd } from '../replica/diverging-epoch.ts'
import type { BufferHold, HoldCollector } from '../../storage/index.ts'

const EMPTY = Buffer.alloc(0)
const NO_DIVERGENCE = Object.freeze({ epoch: -1, endOffset: -1n })
const NO_SNAPSHOT = Object.freeze({ endOffset: -1n, epoch: -1 })
const NO_ABORTED: never[] = []
const ZSTD = 4
/** Fetch versions below this cannot receive zstd batches (KIP-110). */
const ZSTD_MIN_FETCH = 10
const READ_COMMITTED = 1

/** A requested partition, resolved once per request. */
interface Target {
  readonly index: number
  readonly partition: Partition | undefined
  /** Error that does not depend on the data (unknown topic, epoch checks). */
  readonly error: number
  readonly fetchOffset: number
  readonly maxBytes: number
  /** A follower's fetch: the high watermark it already knows (-1 unknown). */
  readonly knownHw: number
  /** The fetcher's log diverges from this one (LastFetchedEpoch): answered with no records. */
  readonly diverging?: EpochEnd
  /** KIP-392: the consumer should read from this replica instead (-1: none); no records then. */
  readonly preferredReadReplica: number
}

interface TopicTarget {
  readonly name: string
  readonly topicId: string
  readonly targets: Target[]
}

export interface FetchPass {
  readonly response: FetchResponse
  /** Record bytes in the response. */
  readonly bytes: number
  /** A partition answered with an error (Kafka answers at once then). */
  readonly hasError: boolean
}

export class FetchPlan {
  readonly topics: TopicTarget[] = []
  /** Partitions a delayed fetch waits on. */
  watched: Partition[] = []
  readonly version: number
  readonly readCommitted: boolean
  /** The fetching follower's broker id; -1 for consumers. */
  readonly replicaId: number
  /** A follower's known HW is behind the leader's: answer without waiting (KIP-1166). */
  answerNow = false
  private readonly maxBytes: number
  private readonly leaders: LeaderEndpoints
  private readonly holder: HoldCollector | undefined

  constructor(request: FetchRequest, version: number, private readonly replicas: ReplicaManager, private readonly metadata: MetadataView,
    /**
     * Its `log` is created on first use (a child logger per fetch would cost every request);
     * `readBuffers` lends the buffers file reads go into until the response is written; `keep`
     * holds tail-cache bytes lent by produce requests until then (without it they are read from the file).
     */
    private readonly logs: { readonly log: Logger; readonly readBuffers?: ReadBufferLease; keep?(hold: BufferHold): void },
    /** ACLs: may the fetcher read this topic (absent: everything may be read). */
    authorize?: (topic: string) => boolean) {
    this.version = version
    this.readCommitted = version >= 4 && request.isolationLevel === READ_COMMITTED
    this.maxBytes = version >= 3 ? Math.max(0, request.maxBytes) : Infinity
    this.replicaId = version >= 15 ? request.replicaState.replicaId : request.replicaId
    this.leaders = new LeaderEndpoints(metadata.image)
    this.holder = logs.keep !== undefined ? (logs as HoldCollector) : undefined
    const replica = this.replicaId >= 0
    // Consumers on v11+ (client metadata, KIP-392) may read from a follower; else only the leader serves.
    const fetchOnlyLeader = replica || version < 11
    const clientRack = version >= 11 && !replica ? request.rackId : undefined
    for (const t of request.topics) {
      const meta = version >= 13 ? metadata.topicById(t.topicId) : metadata.topic(t.topic)
      const name = meta?.name ?? t.topic
      const targets: Target[] = []
      for (const p of t.partitions) {
        const partition = meta ? replicas.partition(meta.name, p.partition) : undefined
        let error: number = ErrorCode.NONE
        // READ before existence, as Kafka (by name: an absent topic is refused alike, telling nothing).
        if (authorize && (meta || version < 13) && !authorize(name)) error = ErrorCode.TOPIC_AUTHORIZATION_FAILED
        else if (!meta) error = version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        else if (!partition) error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        else if (version >= 9 && p.currentLeaderEpoch >= 0) {
          if (p.currentLeaderEpoch > partition.leaderEpoch) error = ErrorCode.UNKNOWN_LEADER_EPOCH
          else if (p.currentLeaderEpoch < partition.leaderEpoch) error = ErrorCode.FENCED_LEADER_EPOCH
        }
        if (partition && error === ErrorCode.NONE && !partition.isLeader && fetchOnlyLeader) error = ErrorCode.NOT_LEADER_OR_FOLLOWER
        // Past every log end (or before every start); a follower's position must be exact (ADR 0001).
        if (error === ErrorCode.NONE && !isSafeInt64(p.fetchOffset)) error = ErrorCode.OFFSET_OUT_OF_RANGE
        let knownHw = -1
        // Only an assigned replica may fetch as a follower; with a leader epoch in the request the
        // pair (replica, epoch) is just not known yet (a reassignment in flight), so it retries.
        if (partition && error === ErrorCode.NONE && replica && !partition.hasFollower(this.replicaId)) {
          error = p.currentLeaderEpoch >= 0 ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.NOT_LEADER_OR_FOLLOWER
        }
        const preferredReadReplica = partition && error === ErrorCode.NONE && clientRack !== undefined
          ? this.preferredReadReplica(partition, clientRack, Number(p.fetchOffset)) : -1
        if (preferredReadReplica >= 0) this.answerNow = true
        let diverging: EpochEnd | undefined
        if (partition && error === ErrorCode.NONE && preferredReadReplica < 0 && version >= 12 && p.lastFetchedEpoch >= 0) {
          const d = partition.divergence(p.lastFetchedEpoch, Number(p.fetchOffset))
          if (d.kind === 'out-of-range') error = ErrorCode.OFFSET_OUT_OF_RANGE
          else if (d.kind === 'diverging') {
            diverging = d.at
            this.answerNow = true
          }
        }
        if (partition && error === ErrorCode.NONE && replica && !diverging) {
          // A diverged follower's position teaches nothing (its tail is not this log's).
          partition.updateFollowerFetchState(this.replicaId, Number(p.fetchOffset), Number(p.logStartOffset))
          knownHw = version >= 18 ? Number(p.highWatermark) : -1
          if (knownHw >= 0 && knownHw < partition.highWatermark) this.answerNow = true
        }
        if (partition && error === ErrorCode.NONE && !diverging && preferredReadReplica < 0) {
          this.watched.push(partition)
        }
        targets.push({ index: p.partition, partition, error, fetchOffset: Number(p.fetchOffset), maxBytes: Math.max(0, p.partitionMaxBytes), knownHw, diverging,
          preferredReadReplica })
      }
      this.topics.push({ name, topicId: t.topicId, targets })
    }
    // A partition named twice is watched once (no Set for the usual one-partition consumer fetch).
    if (this.watched.length > 1) this.watched = [...new Set(this.watched)]
    let count = 0
    let sum = 0
    let positive = true
    for (const t of this.topics) {
      for (const target of t.targets) {
        count++
        sum += target.maxBytes
        if (target.maxBytes <= 0) positive = false
      }
    }
    this.concurrent = count > 1 && positive && sum <= this.maxBytes
  }

  /**
   * KIP-392 on the leader: the replica the selector prefers for a consumer in `clientRack` at
   * `fetchOffset`, when it is not this leader (-1 otherwise, or without a selector).
   */
  private preferredReadReplica(p: Partition, clientRack: string, fetchOffset: number): number {
    const select = this.replicas.replicaSelector
    if (!select || !p.isLeader) return -1
    const brokers = this.image.brokers
    const rackOf = (id: number) => brokers.get(id)?.rack ?? null
    const leader = { id: p.leaderId, rack: rackOf(p.leaderId), logEndOffset: p.logEndOffset, timeSinceLastCaughtUpMs: 0 }
    const candidates = p.readReplicaCandidates(fetchOffset).filter((c) => brokers.has(c.id)).map((c) => ({ ...c, rack: rackOf(c.id) }))
    const chosen = select(clientRack, leader, candidates)
    return chosen && chosen !== leader ? chosen.id : -1
  }

  private get image() {
    return this.metadata.image
  }

  /** How far this fetch reads in `p`: the log end (followers), else the HW or LSO. */
  bound(p: Partition): number {
    return this.replicaId >= 0 ? p.logEndOffset : p.fetchBound(this.readCommitted)
  }

  /** A waiting follower fetch answers when the leader's HW passes what the follower knows. */
  hwPassedFollower(p: Partition): boolean {
    if (this.replicaId < 0) return false
    for (const t of this.topics) for (const x of t.targets) if (x.partition === p && x.knownHw >= 0 && p.highWatermark > x.knownHw) return true
    return false
  }

  /** The partitions' limits together fit in the response limit: reads need not wait for each other. */
  private readonly concurrent: boolean

  /**
   * Each watched partition's bound when the last pass began reading: a delayed fetch counts new
   * data from there, so data that arrives while a pass reads is never missed.
   */
  readonly readBounds = new Map<Partition, number>()

  /** Reads every partition once and builds the response. */
  async read(): Promise<FetchPass> {
    for (const p of this.watched) this.readBounds.set(p, this.bound(p))
    return (this.concurrent && (await this.readConcurrently())) || this.readInOrder()
  }

  /**
   * All partitions at once (storage reads overlap), valid when the response limit cannot bind.
   * Only the first partition may return an oversized first batch here; in order, that right goes
   * to the first partition with data (KIP-74). So when no data came before a partition that has
   * data below its bound yet came back empty, returns null and the caller reads in order.
   */
  private async readConcurrently(): Promise<FetchPass | null> {
    const reads: Promise<FetchResponsePartitionData>[] = []
    for (const t of this.topics) for (const target of t.targets) reads.push(this.readTarget(target, reads.length === 0 ? 0 : 1))
    const all = await Promise.all(reads)
    let total = 0
    let hasError = false
    let i = 0
    const responses: FetchResponseFetchableTopicResponse[] = []
    for (const t of this.topics) {
      const partitions: FetchResponsePartitionData[] = []
      for (const target of t.targets) {
        const data = all[i++]!
        const bytes = data.records === null ? 0 : recordsLength(data.records)
        if (data.errorCode !== ErrorCode.NONE) hasError = true
        else if (total === 0 && bytes === 0 && i > 1 && this.hasDataAt(target)) return null
        total += bytes
        partitions.push(data)
      }
      responses.push({ topic: t.name, topicId: t.topicId, partitions })
    }
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: this.version >= 16 ? this.leaders.list() : [] }, bytes: total, hasError }
  }

  private hasDataAt(target: Target): boolean {
    const p = target.partition
    return p !== undefined && !target.diverging && target.preferredReadReplica < 0 && target.fetchOffset < this.bound(p)
  }

  private async readInOrder(): Promise<FetchPass> {
    let total = 0
    let hasError = false
    const responses: FetchResponseFetchableTopicResponse[] = []
    for (const t of this.topics) {
      const partitions: FetchResponsePartitionData[] = []
      for (const target of t.targets) {
        const data = await this.readTarget(target, total)
        if (data.errorCode !== ErrorCode.NONE) hasError = true
        total += data.records === null ? 0 : recordsLength(data.records)
        partitions.push(data)
      }
      responses.push({ topic: t.name, topicId: t.topicId, partitions })
    }
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: this.version >= 16 ? this.leaders.list() : [] }, bytes: total, hasError }
  }

  /**
   * The pass when no partition needs file I/O — nothing new, or new batches still in the tail
   * cache, a long poll's usual case both when it parks and when an append wakes it — else
   * undefined (then `read`). Synchronous: no promise per partition and layer.
   */
  readNow(): FetchPass | undefined {
    for (const p of this.watched) this.readBounds.set(p, this.bound(p))
    let total = 0
    let hasError = false
    const responses: FetchResponseFetchableTopicResponse[] = []
    for (const t of this.topics) {
      const partitions: FetchResponsePartitionData[] = []
      for (const target of t.targets) {
        const data = this.targetNow(target, total)
        if (data === undefined) return undefined
        if (data.errorCode !== ErrorCode.NONE) hasError = true
        total += data.records === null ? 0 : recordsLength(data.records)
        partitions.push(data)
      }
      responses.push({ topic: t.name, topicId: t.topicId, partitions })
    }
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: this.version >= 16 ? this.leaders.list() : [] }, bytes: total, hasError }
  }

  private async readTarget(target: Target, soFar: number): Promise<FetchResponsePartitionData> {
    const now = this.targetNow(target, soFar)
    if (now !== undefined) return now
    const p = target.partition!
    const limit = Math.max(Math.min(target.maxBytes, this.maxBytes - soFar), 1)
    try {
      // Only the first partition with data may exceed the response limit (KIP-74).
      const r = this.replicaId >= 0
        ? await p.readForReplica(target.fetchOffset, limit, this.logs.readBuffers?.allocate, this.holder)
        : await p.read(target.fetchOffset, limit, this.readCommitted, soFar === 0, this.logs.readBuffers?.allocate, this.holder)
      return this.fromRead(target, p, r.batches)
    } catch (err) {
      return this.readFailed(target, p, err)
    }
  }

  /** A partition's answer when it needs no file I/O (errors, nothing new, the tail cache), else undefined. */
  private targetNow(target: Target, soFar: number): FetchResponsePartitionData | undefined {
    const p = target.partition
    if (!p || target.error !== ErrorCode.NONE) return this.partitionData(target.index, target.error, p)
    if (target.diverging) return this.partitionData(target.index, ErrorCode.NONE, p, EMPTY, undefined, target.diverging)
    if (target.preferredReadReplica >= 0) return this.partitionData(target.index, ErrorCode.NONE, p, EMPTY, undefined, undefined, target.preferredReadReplica)
    // A delayed fetch may outlive its partition (topic deleted while it waited).
    if (this.replicas.partition(p.topic, p.index) !== p) return this.partitionData(target.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined)
    const limit = Math.min(target.maxBytes, this.maxBytes - soFar)
    if (limit <= 0 && soFar > 0) return this.partitionData(target.index, ErrorCode.NONE, p)
    try {
      // Only the first partition with data may exceed the response limit (KIP-74).
      const r = this.replicaId >= 0
        ? p.readForReplicaNow(target.fetchOffset, Math.max(limit, 1), this.holder)
        : p.readNow(target.fetchOffset, Math.max(limit, 1), this.readCommitted, soFar === 0, this.holder)
      return r === undefined ? undefined : this.fromRead(target, p, r.batches)
    } catch (err) {
      return this.readFailed(target, p, err)
    }
  }

  private fromRead(target: Target, p: Partition, parts: Buffer[]): FetchResponsePartitionData {
    let records: Records = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : parts
    if (parts.length > 0 && this.version < ZSTD_MIN_FETCH && hasZstd(parts)) {
      return this.partitionData(target.index, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, p)
    }
    if (parts.length > 0 && this.version <= 3) {
      if (!p.settings.downConversion) return this.partitionData(target.index, ErrorCode.UNSUPPORTED_VERSION, p)
      records = batchesToLegacy(parts.length === 1 ? parts[0]! : Buffer.concat(parts), { magic: this.version >= 2 ? 1 : 0 }).messageSet
    }
    const aborted = this.readCommitted && parts.length > 0 ? abortedIn(p, target.fetchOffset, parts) : undefined
    return this.partitionData(target.index, ErrorCode.NONE, p, records, aborted)
  }

  private readFailed(target: Target, p: Partition, err: unknown): FetchResponsePartitionData {
    const f = partitionFailure(err)
    if (f.unexpected) this.logs.log.error({ err, topic: p.topic, partition: p.index }, 'fetch read failed')
    return this.partitionData(target.index, f.code, p)
  }

  private partitionData(index: number, errorCode: number, p: Partition | undefined, records: Records = EMPTY,
    aborted?: FetchResponseAbortedTransaction[], diverging?: EpochEnd, preferredReadReplica = -1): FetchResponsePartitionData {
    const known = p !== undefined && errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && errorCode !== ErrorCode.UNKNOWN_TOPIC_ID
    let leader = NO_LEADER
    if (p && this.version >= 12 && wantsLeaderHint(errorCode)) {
      leader = currentLeader(this.image, p.topic, p.index)
      this.leaders.add(leader)
    }
    return {
      partitionIndex: index,
      errorCode,
      highWatermark: known ? BigInt(p.highWatermark) : -1n,
      lastStableOffset: known ? BigInt(p.lastStableOffset) : -1n,
      logStartOffset: known ? BigInt(p.logStartOffset) : -1n,
      divergingEpoch: diverging ? { epoch: diverging.epoch, endOffset: BigInt(diverging.endOffset) } : NO_DIVERGENCE,
      currentLeader: leader,
      snapshotId: NO_SNAPSHOT,
      abortedTransactions: this.readCommitted ? aborted ?? NO_ABORTED : null,
      preferredReadReplica,
      records,
    }
  }
}

/** read_committed: the aborted transactions overlapping the fetched batches (transaction index). */
function abortedIn(p: Partition, fetchOffset: number, parts: readonly Buffer[]): FetchResponseAbortedTransaction[] | undefined {
  const lastBuf = parts[parts.length - 1]!
  let pos = 0
  let end = fetchOffset
  while (pos + RECORD_BATCH_OVERHEAD <= lastBuf.length) {
    end = lastOffset(lastBuf, pos) + 1
    pos += batchSize(lastBuf, pos)
  }
  const list = p.abortedTransactions(fetchOffset, end)
  if (list.length === 0) return undefined
  return list.map((t) => ({ producerId: BigInt(t.producerId), firstOffset: BigInt(t.firstOffset) }))
}

function hasZstd(parts: readonly Buffer[]): boolean {
  for (const buf of parts) {
    for (let pos = 0; pos + RECORD_BATCH_OVERHEAD <= buf.length; pos += batchSize(buf, pos)) {
      if ((buf.readInt16BE(pos + ATTRIBUTES) & COMPRESSION_MASK) === ZSTD) return true
    }
  }
  return false
}
