// Fetching for the consumer: one Fetch request in flight per broker (a partition's leader, or the
// replica the leader named for this client's rack, KIP-392), covering every
// assigned, unpaused partition it leads. Fetched bytes queue as chunks and are decoded only when
// the application asks for messages; no new fetch is sent while the queued bytes or records
// exceed the prefetch bounds, so memory stays flat under a fast producer.
// A partition that becomes fetchable while its broker's fetch is parked (seek, resume, a new
// assignment or reset) does not wait for that long poll (up to fetch.max.wait.ms): it is fetched
// at once on a second connection to the broker (its answers would queue behind the parked one
// on the first). A partition is in at most one fetch; a fetch's answer for a partition moved
// since (seek) is dropped.
import { ZERO_UUID, recordsBuffer } from '../../protocol/primitives/index.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { fetchChannel } from '../diagnostics.ts'
import type { FetchMessage } from '../diagnostics.ts'
import type { FetchRequest, FetchRequestFetchPartition, FetchRequestFetchTopic, FetchResponse } from '../../protocol/generated/messages/fetch.ts'
import type { Cluster } from '../cluster.ts'
import { KafkaError } from '../errors.ts'
import { tpKey } from '../offsets.ts'
import type { TopicPartition } from '../offsets.ts'
import { completeBatches, decodeBatchInto } from './message.ts'
import type { AbortedTxn, Message } from './message.ts'

export interface FetcherOptions {
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  maxPartitionBytes: number
  isolationLevel: 0 | 1
  maxPrefetchBytes: number
  retryBackoffMs: number
  /** client.rack: sent with every fetch; the leader may then name a closer replica to read from (KIP-392). */
  rackId: string
  /** How long a preferred read replica is used before asking the leader again (metadata.max.age.ms). */
  preferredReplicaMaxAgeMs: number
}

export class PartitionState {
  /** Next offset to hand to the application; -1 until known (committed offset or reset). */
  position = -1
  /** Next offset to fetch (ahead of position by what is queued). */
  fetchOffset = -1
  /** Bumped on seek/reset so chunks and responses for the old position are dropped. */
  epoch = 0
  paused = false
  /** The fetch this partition is in (0: none). */
  inFlight = 0
  highWatermark = -1
  /** A replica the leader said to read from (KIP-392), until `preferredUntil`; -1: the leader. */
  preferredReplica = -1
  preferredUntil = 0
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

interface Chunk {
  state: PartitionState
  epoch: number
  buf: Buffer
  pos: number
  end: number
  /** Offset after the chunk's last batch. */
  nextOffset: number
  aborted: { list: AbortedTxn[]; active: Set<number> } | null
}

function sameStates(a: readonly PartitionState[], b: readonly PartitionState[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Fetch errors that mean the metadata (leader) is stale. */
const METADATA_ERRORS = new Set([3, 5, 6, 74, 75, 100, 103])
const OFFSET_OUT_OF_RANGE = 1

export class Fetcher {
  readonly partitions = new Map<string, PartitionState>()
  private readonly chunks: Chunk[] = []
  private chunkHead = 0
  private queuedBytes = 0
  /** Fetches in flight per broker: lane 0 on the data connection, lane 1 on the 'fetch' one. */
  private readonly busyLanes = new Map<number, number>()
  private fetchSeq = 0
  private waiter: (() => void) | null = null
  /** The last Fetch request per broker lane (node * 2 + lane), reused while the partitions stay the same. */
  private readonly requests = new Map<number, { states: PartitionState[]; entries: FetchRequestFetchPartition[]; body: FetchRequest }>()
  private retryTimer: NodeJS.Timeout | null = null
  private stopped = false
  /** Partitions whose position must be reset (auto.offset.reset); the consumer resolves them. */
  readonly needReset = new Set<PartitionState>()
  error: Error | null = null

  constructor(
    private readonly cluster: Cluster,
    private readonly o: FetcherOptions,
    private readonly onNeedReset: () => void,
  ) {}

  state(tp: TopicPartition): PartitionState | undefined {
    return this.partitions.get(tpKey(tp.topic, tp.partition))
  }

  assign(tps: readonly TopicPartition[]): PartitionState[] {
    return tps.map((tp) => {
      const key = tpKey(tp.topic, tp.partition)
      let s = this.partitions.get(key)
      if (s === undefined) this.partitions.set(key, (s = new PartitionState(tp.topic, tp.partition)))
      return s
    })
  }

  /** Drops these partitions (and their queued data); the others keep their positions. */
  unassign(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const key = tpKey(tp.topic, tp.partition)
      const s = this.partitions.get(key)
      if (s === undefined) continue
      s.epoch++
      this.partitions.delete(key)
      this.needReset.delete(s)
    }
    this.requests.clear()
  }

  /** Drops every partition (and its queued data). */
  clear(): void {
    for (const s of this.partitions.values()) s.epoch++
    this.partitions.clear()
    this.requests.clear()
    this.needReset.clear()
    this.chunks.length = 0
    this.chunkHead = 0
    this.queuedBytes = 0
  }

  /** Moves a partition to `offset`, discarding what was fetched for the old position. */
  seek(s: PartitionState, offset: number): void {
    s.epoch++
    s.position = offset
    s.fetchOffset = offset
    // A fetch in flight answers for the old position (dropped): fetch the new one now.
    s.inFlight = 0
    this.needReset.delete(s)
    this.wake()
  }

  private laneDone(node: number, bit: number): void {
    const busy = (this.busyLanes.get(node) ?? 0) & ~bit
    if (busy === 0) this.busyLanes.delete(node)
    else this.busyLanes.set(node, busy)
  }

  /** Sends a fetch to every leader that has none in flight, within the prefetch bound. */
  wake(): void {
    if (this.stopped || this.queuedBytes >= this.o.maxPrefetchBytes) return
    // Called on every take() and response: the common answers (nothing to fetch, or one broker)
    // allocate no Map.
    let firstNode = -1
    let first: PartitionState[] | null = null
    let others: Map<number, PartitionState[]> | null = null
    let stale: Set<string> | null = null
    for (const s of this.partitions.values()) {
      if (s.paused || s.inFlight !== 0 || s.fetchOffset < 0) continue
      const leader = this.cluster.cachedTopic(s.topic)?.partitions[s.partition]?.leader ?? -1
      if (leader < 0) {
        ;(stale ??= new Set()).add(s.topic)
        continue
      }
      const node = this.readFrom(s, leader)
      if ((this.busyLanes.get(node) ?? 0) === 3) continue
      if (first === null || node === firstNode) {
        firstNode = node
        ;(first ??= []).push(s)
        continue
      }
      others ??= new Map()
      let l = others.get(node)
      if (l === undefined) others.set(node, (l = []))
      l.push(s)
    }
    if (stale !== null) this.retrySoon([...stale])
    if (first !== null) this.startFetch(firstNode, first)
    if (others !== null) for (const [node, states] of others) this.startFetch(node, states)
  }

  private startFetch(node: number, states: PartitionState[]): void {
    void this.fetch(node, (this.busyLanes.get(node) ?? 0) & 1 ? 1 : 0, states)
  }

  /** The preferred read replica while it is fresh and known, else the leader. */
  private readFrom(s: PartitionState, leader: number): number {
    if (s.preferredReplica < 0) return leader
    if (Date.now() < s.preferredUntil && this.cluster.brokers.has(s.preferredReplica)) return s.preferredReplica
    s.preferredReplica = -1
    return leader
  }

  /** Refreshes metadata (of `topics` too) after the retry backoff, then fetches again. */
  private retrySoon(topics: string[] = []): void {
    if (this.retryTimer !== null || this.stopped) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      const next = () => this.wake()
      this.cluster.refreshMetadata(topics).then(next, next)
    }, topics.some((t) => this.cluster.cachedTopic(t) === undefined) ? 0 : this.o.retryBackoffMs)
  }

  private async fetch(node: number, lane: 0 | 1, states: PartitionState[]): Promise<void> {
    const bit = 1 << lane
    this.busyLanes.set(node, (this.busyLanes.get(node) ?? 0) | bit)
    const id = ++this.fetchSeq
    const epochs = states.map((s) => s.epoch)
    for (const s of states) s.inFlight = id
    let res: FetchResponse
    const startedAt = Date.now()
    try {
      const purpose = lane === 0 ? 'data' : 'fetch'
      const conn = this.cluster.openNodeConnection(node, purpose) ?? await this.cluster.nodeConnection(node, purpose)
      res = await conn.request<FetchResponse>(ApiKey.Fetch, this.request(node, lane, states), { extraTimeoutMs: this.o.maxWaitMs })
    } catch {
      for (const s of states) {
        if (s.inFlight === id) s.inFlight = 0
        s.preferredReplica = -1 // a follower that cannot be reached: back to the leader
      }
      this.laneDone(node, bit)
      for (const s of states) this.cluster.invalidate(s.topic)
      this.retrySoon()
      return
    }
    for (const s of states) if (s.inFlight === id) s.inFlight = 0
    this.laneDone(node, bit)
    if (res.errorCode !== 0) {
      this.retrySoon()
      return
    }
    let refresh = false
    let fetched = 0
    for (const t of res.responses) {
      for (const p of t.partitions) {
        const s = this.partitions.get(tpKey(t.topic, p.partitionIndex))
        if (s === undefined) continue
        const i = states.indexOf(s)
        if (i < 0 || epochs[i] !== s.epoch) continue
        const fromFollower = s.preferredReplica === node
        if (p.errorCode !== 0 && fromFollower) {
          // A follower that cannot serve this fetch (not caught up, no longer a replica, ...):
          // ask the leader again rather than resetting the position (as Kafka's consumer does).
          s.preferredReplica = -1
          refresh = refresh || METADATA_ERRORS.has(p.errorCode)
          continue
        }
        if (p.preferredReadReplica >= 0 && p.preferredReadReplica !== node) {
          // The leader names a closer replica (KIP-392) and sends no records: read from it now.
          s.preferredReplica = p.preferredReadReplica
          s.preferredUntil = Date.now() + this.o.preferredReplicaMaxAgeMs
          continue
        }
        if (p.errorCode !== 0) {
          if (p.errorCode === OFFSET_OUT_OF_RANGE) {
            this.needReset.add(s)
            s.fetchOffset = -1
            this.onNeedReset()
          } else if (METADATA_ERRORS.has(p.errorCode)) {
            this.cluster.invalidate(s.topic)
            refresh = true
          } else {
            this.error = new KafkaError(p.errorCode, { topic: s.topic, partition: s.partition, api: 'Fetch' })
          }
          continue
        }
        s.highWatermark = Number(p.highWatermark)
        const records = p.records === null ? null : recordsBuffer(p.records)
        if (records === null || records.length === 0) continue
        const { end, nextOffset } = completeBatches(records)
        if (end === 0 || nextOffset <= s.fetchOffset) continue
        s.fetchOffset = nextOffset
        const aborted = this.o.isolationLevel === 1 && p.abortedTransactions !== null && p.abortedTransactions.length > 0
          ? { list: p.abortedTransactions.map((a) => ({ producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) })).sort((a, b) => a.firstOffset - b.firstOffset), active: new Set<number>() }
          : this.o.isolationLevel === 1 ? { list: [], active: new Set<number>() } : null
        this.chunks.push({ state: s, epoch: s.epoch, buf: records, pos: 0, end, nextOffset, aborted })
        this.queuedBytes += end
        fetched += end
      }
    }
    if (refresh) this.retrySoon()
    if (fetchChannel.hasSubscribers) {
      const o = this.cluster.options
      const m: FetchMessage = { client: o.diagnosticsId, clientId: o.clientId, nodeId: node, partitions: states.length, bytes: fetched, durationMs: Date.now() - startedAt }
      fetchChannel.publish(m)
    }
    this.notify()
    this.wake()
  }

  /**
   * The Fetch request for `states`. A lane fetching the same partitions as its previous fetch
   * (the steady state) reuses that request with new offsets: a lane's request is encoded before
   * the lane's next fetch can start, so it is free to change.
   */
  private request(node: number, lane: 0 | 1, states: PartitionState[]): FetchRequest {
    const key = node * 2 + lane
    let cached = this.requests.get(key)
    if (cached === undefined || !sameStates(cached.states, states)) {
      const topics: FetchRequestFetchTopic[] = []
      const entries: FetchRequestFetchPartition[] = []
      for (const s of states) {
        let t = topics.find((x) => x.topic === s.topic)
        if (t === undefined) topics.push((t = { topic: s.topic, topicId: ZERO_UUID, partitions: [] }))
        const e: FetchRequestFetchPartition = {
          partition: s.partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1,
          logStartOffset: -1n, partitionMaxBytes: this.o.maxPartitionBytes, replicaDirectoryId: ZERO_UUID, highWatermark: -1n,
        }
        t.partitions.push(e)
        entries.push(e)
      }
      const body: FetchRequest = {
        clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: this.o.maxWaitMs, minBytes: this.o.minBytes, maxBytes: this.o.maxBytes, isolationLevel: this.o.isolationLevel,
        sessionId: 0, sessionEpoch: -1, topics, forgottenTopicsData: [], rackId: this.o.rackId,
      }
      this.requests.set(key, (cached = { states, entries, body }))
    }
    // Entries follow `states` in order (topics group them, each keeps its own order).
    for (let i = 0; i < states.length; i++) cached.entries[i]!.fetchOffset = BigInt(states[i]!.fetchOffset)
    return cached.body
  }

  /** Decodes queued data into `out` until it holds at least `max` messages or nothing is queued. */
  take(out: Message[], max: number): void {
    while (out.length < max && this.chunkHead < this.chunks.length) {
      const c = this.chunks[this.chunkHead]!
      const s = c.state
      if (c.epoch !== s.epoch || s.paused) {
        if (c.epoch !== s.epoch) this.dropChunk(c)
        else if (!this.skipPaused()) break
        continue
      }
      const before = out.length
      c.pos = decodeBatchInto(s.topic, s.partition, c.buf, c.pos, s.position, c.aborted, out)
      if (out.length > before) s.position = out[out.length - 1]!.offset + 1
      if (c.pos >= c.end) {
        // Past trailing control or aborted batches too.
        if (c.nextOffset > s.position) s.position = c.nextOffset
        this.dropChunk(c)
      }
    }
    if (this.queuedBytes < this.o.maxPrefetchBytes) this.wake()
  }

  /** Moves the first chunk of a paused partition behind the others; false when all are paused. */
  private skipPaused(): boolean {
    for (let i = this.chunkHead + 1; i < this.chunks.length; i++) {
      if (!this.chunks[i]!.state.paused) {
        const [c] = this.chunks.splice(i, 1)
        this.chunks.splice(this.chunkHead, 0, c!)
        return true
      }
    }
    return false
  }

  private dropChunk(c: Chunk): void {
    this.queuedBytes -= c.end
    if (this.chunks[this.chunkHead] === c) {
      this.chunks[this.chunkHead++] = undefined as unknown as Chunk
      if (this.chunkHead === this.chunks.length || this.chunkHead > 1024) {
        this.chunks.splice(0, this.chunkHead)
        this.chunkHead = 0
      }
    }
  }

  /** Fetched bytes not yet handed to the application. */
  get prefetchedBytes(): number {
    return this.queuedBytes
  }

  get hasData(): boolean {
    for (let i = this.chunkHead; i < this.chunks.length; i++) if (!this.chunks[i]!.state.paused || this.chunks[i]!.epoch !== this.chunks[i]!.state.epoch) return true
    return false
  }

  /**
   * Resolves when data arrives, on notify() or once stopped. A consumer closed while its poll loop
   * was inside a rejoin reaches this after stop(): waiting then would never end.
   */
  waitForData(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  notify(): void {
    const w = this.waiter
    this.waiter = null
    w?.()
  }

  stop(): void {
    this.stopped = true
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    this.notify()
  }
}
