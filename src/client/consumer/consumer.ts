// The consumer: subscribe (group-managed) or assign (manual), then iterate messages — or batches —
// with `for await`. Positions are committed for messages the application has finished with: a
// message counts as processed once the iterator is asked for the next one. Heartbeats run on a
// timer; only exceeding max.poll.interval.ms while holding a message makes the member leave.
import { Cluster } from '../cluster.ts'
import { ClientConfigError } from '../errors.ts'
import { nonNegative, resolveClientOptions } from '../options.ts'
import type { ClientOptions } from '../options.ts'
import { EARLIEST, LATEST, commitOffsets, fetchCommitted, listOffsets, tpKey } from '../offsets.ts'
import type { TopicPartition, TopicPartitionOffset } from '../offsets.ts'
import { ASSIGNORS } from './assignors.ts'
import type { Assignor } from './assignors.ts'
import { Fetcher } from './fetcher.ts'
import type { PartitionState } from './fetcher.ts'
import { GroupMembership } from './group.ts'
import { ConsumerProtocolMembership } from './consumer-group-membership.ts'
import type { Message } from './message.ts'

export type Deserializer<T> = (data: Buffer | null, topic: string) => T
export type OffsetResetPolicy = 'earliest' | 'latest' | 'none'
const RESET_POLICIES: readonly unknown[] = ['earliest', 'latest', 'none']

export interface RebalanceListener {
  /** Before partitions are taken away (offsets of processed messages are committed first). */
  revoked?(partitions: TopicPartition[]): void | Promise<void>
  assigned?(partitions: TopicPartition[]): void | Promise<void>
}

export interface ConsumerOptions<K = Buffer | null, V = Buffer | null> extends ClientOptions {
  /** Needed for subscribe() and for commits. */
  groupId?: string
  /** Static membership (KIP-345): a restart within the session timeout causes no rebalance. */
  groupInstanceId?: string
  /**
   * Where to start without a committed offset: 'earliest', 'latest' (default) or 'none' (error);
   * or a function choosing per partition (KafkaJS's per-subscription `fromBeginning`).
   */
  autoOffsetReset?: OffsetResetPolicy | ((tp: TopicPartition) => OffsetResetPolicy)
  /** Default true: processed positions are committed every autoCommitIntervalMs and on rebalance/close. */
  autoCommit?: boolean
  autoCommitIntervalMs?: number
  sessionTimeoutMs?: number
  heartbeatIntervalMs?: number
  /** Longest time the application may hold one message (or batch) before the member leaves. Default 300 000. */
  maxPollIntervalMs?: number
  /**
   * In preference order: names of the built-in ones (also as Kafka's class names) or your own
   * Assignor. Default ['range', 'roundrobin']. Classic protocol only. With only cooperative ones
   * ('cooperative-sticky'), rebalances are incremental (KIP-429): partitions that stay are kept
   * (positions, buffered messages), and the listener sees only the revoked and the added ones.
   */
  assignors?: ('range' | 'roundrobin' | 'cooperative-sticky' | 'org.apache.kafka.clients.consumer.RangeAssignor' | 'org.apache.kafka.clients.consumer.RoundRobinAssignor' | 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor' | Assignor)[]
  /** 'classic' (default: JoinGroup/SyncGroup) or 'consumer' (KIP-848: ConsumerGroupHeartbeat, assignment by the broker). */
  groupProtocol?: 'classic' | 'consumer'
  /** With groupProtocol 'consumer': the broker-side assignor to ask for ('uniform', 'range'); default: the broker's. */
  groupRemoteAssignor?: string
  /**
   * client.rack: fetches name it, so a broker with replica.selector.class set may have this
   * consumer read from an in-sync replica in its rack (KIP-392); on the consumer protocol it is
   * the member's rack for rack-aware assignment.
   */
  clientRack?: string
  isolationLevel?: 'read_uncommitted' | 'read_committed'
  fetchMaxWaitMs?: number
  fetchMinBytes?: number
  fetchMaxBytes?: number
  maxPartitionFetchBytes?: number
  /** Fetched bytes queued ahead of the application before fetching pauses. Default 16 MiB. */
  maxPrefetchBytes?: number
  /** Largest batch handed out by batches(). Default 500 (max.poll.records). */
  maxBatchRecords?: number
  rebalanceListener?: RebalanceListener
  keyDeserializer?: Deserializer<K>
  valueDeserializer?: Deserializer<V>
  /** Stops iteration (the iterator returns) when aborted. */
  signal?: AbortSignal
}

export type { Message } from './message.ts'

export interface ConsumerMetrics {
  recordsConsumed: number
  recordsPerSec: number
  /** Fetched bytes queued ahead of the application (bounded by maxPrefetchBytes plus one fetch response). */
  prefetchedBytes: number
  /** Per assigned partition: the next offset to hand out, the last high watermark seen, their difference (-1 unknown). */
  partitions: { topic: string; partition: number; position: number; highWatermark: number; lag: number }[]
}

export class Consumer<K = Buffer | null, V = Buffer | null> implements AsyncIterable<Message<K, V>> {
  readonly cluster: Cluster
  private readonly fetcher: Fetcher
  private readonly group: GroupMembership | ConsumerProtocolMembership | null
  private readonly o: Required<Pick<ConsumerOptions, 'autoOffsetReset' | 'autoCommit' | 'maxPollIntervalMs' | 'maxBatchRecords'>>
  private readonly listener: RebalanceListener
  private readonly keyDe: Deserializer<K> | null
  private readonly valueDe: Deserializer<V> | null
  private subscription: string[] | null = null
  private manual = false
  private assignment: TopicPartition[] = []
  /** Messages decoded and not yet handed out. */
  private buffer: Message[] = []
  private bufferHead = 0
  /** Processed positions (offset after the last message finished) not yet committed. */
  private readonly processed = new Map<string, TopicPartitionOffset>()
  private lastProcessed: TopicPartitionOffset | null = null
  /** The message (or batch) the application holds: committed as processed on the next call. */
  private holding: Message[] | Message | null = null
  private consumed = 0
  private lastMetrics = { at: Date.now(), consumed: 0 }
  /** Counts hand-outs; the poll-interval timer notices when it stops moving (no Date.now() per message). */
  private handOuts = 0
  private seenHandOuts = -1
  private holdingSince = 0
  private closed = false
  /** Every assignor is cooperative (KIP-429): rebalances revoke only the partitions that move. */
  private cooperative = false
  private readonly timers: NodeJS.Timeout[] = []
  private readonly signal: AbortSignal | undefined

  constructor(options: ConsumerOptions<K, V>) {
    this.cluster = new Cluster(resolveClientOptions(options))
    const maxPollIntervalMs = nonNegative('maxPollIntervalMs', options.maxPollIntervalMs, 300_000)
    this.o = {
      autoOffsetReset: options.autoOffsetReset ?? 'latest',
      autoCommit: options.autoCommit ?? options.groupId !== undefined,
      maxPollIntervalMs,
      maxBatchRecords: Math.max(1, nonNegative('maxBatchRecords', options.maxBatchRecords, 500)),
    }
    if (typeof this.o.autoOffsetReset !== 'function' && !RESET_POLICIES.includes(this.o.autoOffsetReset)) {
      throw new ClientConfigError(`autoOffsetReset must be earliest, latest, none or a function`)
    }
    this.listener = options.rebalanceListener ?? {}
    this.keyDe = options.keyDeserializer ?? null
    this.valueDe = options.valueDeserializer ?? null
    this.signal = options.signal
    const base = this.cluster.options
    this.fetcher = new Fetcher(this.cluster, {
      maxWaitMs: nonNegative('fetchMaxWaitMs', options.fetchMaxWaitMs, 500),
      minBytes: nonNegative('fetchMinBytes', options.fetchMinBytes, 1),
      maxBytes: nonNegative('fetchMaxBytes', options.fetchMaxBytes, 50 * 1024 * 1024),
      maxPartitionBytes: nonNegative('maxPartitionFetchBytes', options.maxPartitionFetchBytes, 8 * 1024 * 1024),
      isolationLevel: options.isolationLevel === 'read_committed' ? 1 : 0,
      maxPrefetchBytes: nonNegative('maxPrefetchBytes', options.maxPrefetchBytes, 16 * 1024 * 1024),
      retryBackoffMs: base.retryBackoffMs,
      rackId: options.clientRack ?? '',
      preferredReplicaMaxAgeMs: base.metadataMaxAgeMs,
    }, () => this.fetcher.notify())
    if (options.groupId !== undefined) {
      const names = options.assignors ?? ['range', 'roundrobin']
      const assignors = names.map((n) => {
        if (typeof n !== 'string') return n
        const a = ASSIGNORS[n]
        if (a === undefined) throw new ClientConfigError(`unknown assignor '${n}' (${Object.keys(ASSIGNORS).join(', ')})`)
        return a
      })
      this.cooperative = assignors.length > 0 && assignors.every((a) => a.rebalanceProtocol === 'cooperative')
      const protocol = options.groupProtocol ?? 'classic'
      if (protocol !== 'classic' && protocol !== 'consumer') throw new ClientConfigError(`groupProtocol must be classic or consumer`)
      this.group = protocol === 'consumer' ? new ConsumerProtocolMembership(this.cluster, {
        groupId: options.groupId, groupInstanceId: options.groupInstanceId ?? null,
        rebalanceTimeoutMs: maxPollIntervalMs, serverAssignor: options.groupRemoteAssignor ?? null, rackId: options.clientRack ?? null,
      }, () => this.fetcher.notify()) : new GroupMembership(this.cluster, {
        groupId: options.groupId, groupInstanceId: options.groupInstanceId ?? null,
        sessionTimeoutMs: nonNegative('sessionTimeoutMs', options.sessionTimeoutMs, 45_000),
        rebalanceTimeoutMs: maxPollIntervalMs,
        heartbeatIntervalMs: Math.max(1, nonNegative('heartbeatIntervalMs', options.heartbeatIntervalMs, 3_000)),
        assignors,
      }, () => this.fetcher.notify())
    } else {
      this.group = null
    }
    if (this.o.autoCommit) {
      if (this.group === null) throw new ClientConfigError('autoCommit needs a groupId')
      const t = setInterval(() => void this.commit().catch(() => {}), nonNegative('autoCommitIntervalMs', options.autoCommitIntervalMs, 5_000))
      t.unref()
      this.timers.push(t)
    }
    const poll = setInterval(() => this.checkPollInterval(), Math.min(1000, Math.max(10, maxPollIntervalMs / 10)))
    poll.unref()
    this.timers.push(poll)
    this.signal?.addEventListener('abort', () => this.fetcher.notify(), { once: true })
  }

  /** Group-managed consumption of `topics` (needs groupId). */
  subscribe(topics: string | string[]): void {
    if (this.group === null) throw new ClientConfigError('subscribe() needs a groupId (or use assign())')
    if (this.manual) throw new ClientConfigError('this consumer uses assign(); it cannot also subscribe()')
    this.subscription = typeof topics === 'string' ? [topics] : [...topics]
    this.group.requestRejoin()
  }

  /** Manual assignment: exactly these partitions, no group membership. */
  assign(partitions: readonly TopicPartition[]): void {
    if (this.subscription !== null) throw new ClientConfigError('this consumer uses subscribe(); it cannot also assign()')
    this.manual = true
    this.fetcher.clear()
    this.dropBuffered(() => true)
    this.assignment = partitions.map((p) => ({ topic: p.topic, partition: p.partition }))
    for (const s of this.fetcher.assign(this.assignment)) this.fetcher.needReset.add(s)
  }

  assignments(): TopicPartition[] {
    return this.assignment.map((p) => ({ ...p }))
  }

  private stateOf(tp: TopicPartition): PartitionState {
    const s = this.fetcher.state(tp)
    if (s === undefined) throw new ClientConfigError(`${tp.topic}-${tp.partition} is not assigned to this consumer`)
    return s
  }

  /** The next message of the partition will be `offset`. */
  seek(tp: TopicPartition & { offset: number }): void {
    const s = this.stateOf(tp)
    this.dropBuffered((m) => m.topic === tp.topic && m.partition === tp.partition)
    this.fetcher.seek(s, tp.offset)
  }

  async seekToBeginning(tps: readonly TopicPartition[] = this.assignment): Promise<void> {
    await this.seekTo(tps, EARLIEST)
  }

  async seekToEnd(tps: readonly TopicPartition[] = this.assignment): Promise<void> {
    await this.seekTo(tps, LATEST)
  }

  /** Seeks each partition to the first offset with a timestamp >= `timestamp` (its end if none). */
  async seekToTimestamp(timestamp: number, tps: readonly TopicPartition[] = this.assignment): Promise<void> {
    await this.seekTo(tps, timestamp)
  }

  private async seekTo(tps: readonly TopicPartition[], timestamp: number): Promise<void> {
    const offsets = await listOffsets(this.cluster, tps.map((tp) => ({ ...tp, timestamp })))
    const ends = timestamp >= 0 ? await listOffsets(this.cluster, tps.map((tp) => ({ ...tp, timestamp: LATEST }))) : []
    for (const o of offsets) {
      const offset = o.offset >= 0 ? o.offset : ends.find((e) => e.topic === o.topic && e.partition === o.partition)!.offset
      this.seek({ topic: o.topic, partition: o.partition, offset })
    }
  }

  /** Current position (next offset to hand out) of an assigned partition. */
  position(tp: TopicPartition): number {
    return this.stateOf(tp).position
  }

  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.stateOf(tp).paused = true
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.stateOf(tp).paused = false
    this.fetcher.wake()
    this.fetcher.notify()
  }

  /** A snapshot: records handed out (total, per second since the previous call) and lag per partition. */
  /** This client's number on the diagnostics channels (samsa:client:*). */
  get diagnosticsId(): number {
    return this.cluster.options.diagnosticsId
  }

  metrics(): ConsumerMetrics {
    const now = Date.now()
    const secs = Math.max(0.001, (now - this.lastMetrics.at) / 1000)
    const m: ConsumerMetrics = {
      recordsConsumed: this.consumed,
      recordsPerSec: (this.consumed - this.lastMetrics.consumed) / secs,
      prefetchedBytes: this.fetcher.prefetchedBytes,
      partitions: [...this.fetcher.partitions.values()].map((s) => ({
        topic: s.topic, partition: s.partition, position: s.position, highWatermark: s.highWatermark,
        lag: s.highWatermark < 0 || s.position < 0 ? -1 : Math.max(0, s.highWatermark - s.position),
      })),
    }
    this.lastMetrics = { at: now, consumed: this.consumed }
    return m
  }

  /** The member's group identity now (generation and member id), for offsets committed in a transaction (sendOffsetsToTransaction). */
  groupMetadata(): { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null } {
    if (this.group === null) throw new ClientConfigError('groupMetadata() needs a groupId')
    return { ...this.group.identity }
  }

  /** Commits processed positions (or the given offsets). Resolves once the coordinator has them. */
  async commit(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.group === null) throw new ClientConfigError('commit() needs a groupId')
    const list = offsets ?? [...this.processed.values()]
    if (offsets === undefined) this.clearProcessed()
    if (list.length === 0) return
    try {
      await commitOffsets(this.cluster, this.group.identity, list)
    } catch (err) {
      if (offsets === undefined) for (const o of list) if (!this.processed.has(tpKey(o.topic, o.partition))) this.processed.set(tpKey(o.topic, o.partition), o)
      throw err
    }
  }

  /** Committed offsets of the assigned partitions (-1 where none). */
  async committed(tps: readonly TopicPartition[] = this.assignment): Promise<TopicPartitionOffset[]> {
    if (this.group === null) throw new ClientConfigError('committed() needs a groupId')
    return fetchCommitted(this.cluster, this.group.identity.groupId, tps)
  }

  [Symbol.asyncIterator](): AsyncIterator<Message<K, V>> {
    return {
      next: () => this.nextMessage(),
      return: async () => {
        this.release()
        return { value: undefined, done: true }
      },
    }
  }

  /** Iterates batches of up to maxBatchRecords messages (all from whatever was fetched). */
  batches(): AsyncIterable<Message<K, V>[]> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => this.nextBatch(),
        return: async () => {
          this.release()
          return { value: undefined, done: true }
        },
      }),
    }
  }

  private nextMessage(): Promise<IteratorResult<Message<K, V>>> {
    this.release()
    if (this.bufferHead < this.buffer.length && this.ready()) {
      const m = this.buffer[this.bufferHead]!
      this.buffer[this.bufferHead++] = undefined as unknown as Message
      return Promise.resolve({ value: this.hold(m), done: false })
    }
    return this.slowNext().then((ok) => {
      if (!ok) return { value: undefined, done: true }
      const m = this.buffer[this.bufferHead]!
      this.buffer[this.bufferHead++] = undefined as unknown as Message
      return { value: this.hold(m), done: false }
    })
  }

  private async nextBatch(): Promise<IteratorResult<Message<K, V>[]>> {
    this.release()
    if (!(this.bufferHead < this.buffer.length && this.ready()) && !(await this.slowNext())) return { value: undefined, done: true }
    const end = Math.min(this.buffer.length, this.bufferHead + this.o.maxBatchRecords)
    const batch = this.buffer.slice(this.bufferHead, end).map((m) => this.convert(m))
    this.bufferHead = end
    this.holding = batch as unknown as Message[]
    this.handOuts++
    this.consumed += batch.length
    return { value: batch, done: false }
  }

  private hold(m: Message): Message<K, V> {
    const out = this.convert(m)
    this.holding = out as Message
    this.handOuts++
    this.consumed++
    return out
  }

  private convert(m: Message): Message<K, V> {
    if (this.keyDe !== null) m.key = this.keyDe(m.key as Buffer | null, m.topic) as unknown as Buffer
    if (this.valueDe !== null) m.value = this.valueDe(m.value as Buffer | null, m.topic) as unknown as Buffer
    return m as unknown as Message<K, V>
  }

  /** The held message(s) are processed: their positions become committable. */
  private release(): void {
    const h = this.holding
    if (h === null) return
    this.holding = null
    if (Array.isArray(h)) for (const m of h) this.markProcessed(m)
    else this.markProcessed(h)
  }

  private markProcessed(m: Message): void {
    // Consecutive messages mostly share a partition: skip the key string and map lookups then.
    const last = this.lastProcessed
    if (last !== null && last.partition === m.partition && last.topic === m.topic) {
      last.offset = m.offset + 1
      return
    }
    if (this.group === null || this.fetcher.state(m) === undefined) return
    const key = tpKey(m.topic, m.partition)
    let p = this.processed.get(key)
    if (p === undefined) this.processed.set(key, (p = { topic: m.topic, partition: m.partition, offset: m.offset + 1 }))
    else p.offset = m.offset + 1
    this.lastProcessed = p
  }

  private clearProcessed(): void {
    this.processed.clear()
    this.lastProcessed = null
  }

  private ready(): boolean {
    return this.group === null || !this.group.rejoinNeeded
  }

  /** Waits until a message is buffered; false when the consumer is closed or aborted. */
  private async slowNext(): Promise<boolean> {
    while (true) {
      if (this.closed || this.signal?.aborted) return false
      if (this.group?.fatal) throw this.group.fatal
      if (this.fetcher.error) {
        const e = this.fetcher.error
        this.fetcher.error = null
        throw e
      }
      try {
        if (this.group !== null && this.group.rejoinNeeded && this.subscription !== null) await this.rejoin()
        if (this.fetcher.needReset.size > 0) await this.resetPositions()
      } catch (err) {
        if (this.closed || this.signal?.aborted) return false // close() during a rebalance or an offset lookup ends the iteration
        throw err
      }
      if (this.bufferHead < this.buffer.length) return true
      this.buffer = []
      this.bufferHead = 0
      this.fetcher.take(this.buffer, this.o.maxBatchRecords)
      if (this.buffer.length > 0) return true
      this.fetcher.wake()
      await this.fetcher.waitForData()
    }
  }

  private async rejoin(): Promise<void> {
    const group = this.group!
    if (this.cooperative && group instanceof GroupMembership && group.memberId !== '') return this.rejoinCooperative(group)
    if (group instanceof ConsumerProtocolMembership && group.canReconcile(this.subscription!)) return this.reconcileConsumerProtocol(group)
    if (this.assignment.length > 0) {
      if (this.o.autoCommit) await this.commit().catch(() => {})
      await this.listener.revoked?.(this.assignment)
    }
    this.fetcher.clear()
    this.dropBuffered(() => true)
    this.clearProcessed()
    this.assignment = []
    let assigned: TopicPartition[]
    try {
      assigned = await group.join(this.subscription!, [])
    } catch (err) {
      if (this.closed) return // close() during the join ends the iteration; it is not an error
      throw err
    }
    if (this.closed) return
    const states = this.fetcher.assign(assigned)
    const committed = assigned.length > 0 ? await fetchCommitted(this.cluster, group.identity.groupId, assigned) : []
    for (const s of states) {
      const c = committed.find((o) => o.topic === s.topic && o.partition === s.partition)
      if (c !== undefined && c.offset >= 0) this.fetcher.seek(s, c.offset)
      else this.fetcher.needReset.add(s)
    }
    // Published in the same turn as the listener call: assignments() never shows a partition the listener was not told of.
    this.assignment = assigned
    if (!this.cooperative || assigned.length > 0) await this.listener.assigned?.(assigned)
  }

  /**
   * KIP-429: join while keeping the owned partitions (sent as owned), then revoke only what the
   * assignment took away and add only what is new. A revocation means another member waits for
   * those partitions: rejoin at once, and the follow-up rebalance hands them over.
   */
  private async rejoinCooperative(group: GroupMembership): Promise<void> {
    const owned = this.assignment
    let assigned: TopicPartition[]
    try {
      assigned = await group.join(this.subscription!, owned)
    } catch (err) {
      if (this.closed) return
      throw err
    }
    if (this.closed) return
    const revoked = await this.applyIncrementally(owned, assigned, group.identity.groupId)
    if (revoked.length > 0) group.requestRejoin()
  }

  /**
   * KIP-848: the broker's target assignment is applied incrementally (only partitions that move
   * are revoked, committed first), then the membership reports what is owned now at once.
   */
  private async reconcileConsumerProtocol(group: ConsumerProtocolMembership): Promise<void> {
    const owned = this.assignment
    const target = await group.targetAssignment()
    if (this.closed) return
    await this.applyIncrementally(owned, target, group.identity.groupId)
    await group.reconciled()
  }

  /** Revokes owned partitions missing from `assigned`, adds the new ones; returns the revoked. */
  private async applyIncrementally(owned: TopicPartition[], assigned: TopicPartition[], groupId: string): Promise<TopicPartition[]> {
    const has = (list: readonly TopicPartition[]) => {
      const keys = new Set(list.map((tp) => tpKey(tp.topic, tp.partition)))
      return (tp: TopicPartition) => keys.has(tpKey(tp.topic, tp.partition))
    }
    const inNew = has(assigned)
    const inOld = has(owned)
    const revoked = owned.filter((tp) => !inNew(tp))
    const added = assigned.filter((tp) => !inOld(tp))
    if (revoked.length > 0) {
      const gone = has(revoked)
      if (this.o.autoCommit) {
        const mine = revoked.map((tp) => this.processed.get(tpKey(tp.topic, tp.partition))).filter((o) => o !== undefined)
        if (mine.length > 0) await this.commit(mine).catch(() => {})
      }
      await this.listener.revoked?.(revoked)
      this.fetcher.unassign(revoked)
      this.dropBuffered((m) => gone(m))
      for (const tp of revoked) this.processed.delete(tpKey(tp.topic, tp.partition))
      this.lastProcessed = null
    }
    this.assignment = owned.filter(inNew)
    if (added.length > 0) {
      const states = this.fetcher.assign(added)
      const committed = await fetchCommitted(this.cluster, groupId, added)
      for (const s of states) {
        const c = committed.find((o) => o.topic === s.topic && o.partition === s.partition)
        if (c !== undefined && c.offset >= 0) this.fetcher.seek(s, c.offset)
        else this.fetcher.needReset.add(s)
      }
    }
    // The added partitions appear in assignments() in the same turn as the listener call (as in
    // Kafka's consumer, where no caller sees one without the other).
    this.assignment = assigned
    if (added.length > 0) await this.listener.assigned?.(added)
    return revoked
  }

  private async resetPositions(): Promise<void> {
    const states = [...this.fetcher.needReset]
    if (states.length === 0) return
    if (this.manual && this.group !== null) {
      // Manual assignment with a group id: start from committed offsets where there are any.
      const committed = await fetchCommitted(this.cluster, this.group.identity.groupId, states)
      for (const c of committed) if (c.offset >= 0) this.fetcher.seek(this.stateOf(c), c.offset)
    }
    const left = [...this.fetcher.needReset]
    if (left.length === 0) return
    const reset = this.o.autoOffsetReset
    const policy = (s: PartitionState): OffsetResetPolicy => typeof reset === 'function' ? reset({ topic: s.topic, partition: s.partition }) : reset
    const none = left.filter((s) => policy(s) === 'none')
    if (none.length > 0) throw new ClientConfigError(`no committed offset for ${none.map((s) => `${s.topic}-${s.partition}`).join(', ')} and autoOffsetReset is 'none'`)
    const offsets = await listOffsets(this.cluster, left.map((s) => ({ topic: s.topic, partition: s.partition, timestamp: policy(s) === 'earliest' ? EARLIEST : LATEST })))
    for (const o of offsets) {
      const s = this.fetcher.state(o)
      if (s !== undefined && this.fetcher.needReset.has(s)) this.fetcher.seek(s, o.offset)
    }
  }

  private dropBuffered(which: (m: Message) => boolean): void {
    const kept: Message[] = []
    for (let i = this.bufferHead; i < this.buffer.length; i++) if (!which(this.buffer[i]!)) kept.push(this.buffer[i]!)
    this.buffer = kept
    this.bufferHead = 0
  }

  private checkPollInterval(): void {
    if (this.holding === null || this.group === null || this.group.rejoinNeeded) return
    if (this.handOuts !== this.seenHandOuts) {
      // Something was handed out since the last tick: the current hold started about now.
      this.seenHandOuts = this.handOuts
      this.holdingSince = Date.now()
      return
    }
    if (Date.now() - this.holdingSince <= this.o.maxPollIntervalMs) return
    // Java's rule: a member that does not poll within max.poll.interval.ms leaves the group, so
    // its partitions go to a live member; it rejoins on its next poll. What it finished before
    // the message it is stuck on is committed first (the generation is still valid).
    this.holding = null
    const group = this.group
    group.requestRejoin()
    const commit = this.o.autoCommit ? this.commit().catch(() => {}) : Promise.resolve()
    this.fetcher.clear()
    this.dropBuffered(() => true)
    this.assignment = []
    void commit.then(() => {
      this.clearProcessed()
      return group.leave('consumer poll timeout has expired (max.poll.interval.ms)')
    })
  }

  /** Commits processed positions (autoCommit), leaves the group and closes connections. */
  async close(): Promise<void> {
    if (this.closed) return
    this.release()
    if (this.o.autoCommit && this.group !== null && !this.group.rejoinNeeded) await this.commit().catch(() => {})
    this.closed = true
    for (const t of this.timers) clearInterval(t)
    this.fetcher.stop()
    if (this.group !== null) await this.group.leave('the consumer is closing')
    await this.cluster.close()
  }
}
