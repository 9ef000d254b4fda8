// `kafka.consumer({ groupId })`: KafkaJS's consumer on samsa/client's Consumer. subscribe() collects
// topics (regular expressions are matched against the cluster's topics), run() starts a loop that
// takes fetched batches from the samsa consumer, splits them per partition and hands them to
// eachMessage or eachBatch (up to partitionsConsumedConcurrently partitions at once). Offsets are
// KafkaJS's: resolved per message (or by resolveOffset), committed after each batch with
// autoCommit (or per autoCommitInterval/Threshold), on rebalance and on stop. A failing handler
// makes the partition start again at the failed message, with the retry backoff; after the last
// retry the consumer crashes (the CRASH event) and stops.
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin } from '../admin/admin.ts'
import { Consumer } from '../consumer/consumer.ts'
import type { Message } from '../consumer/message.ts'
import { rangeAssignor, roundRobinAssignor } from '../consumer/assignors.ts'
import type { ClientOptions } from '../options.ts'
import type { TopicPartition, TopicPartitionOffset } from '../offsets.ts'
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, kafkaJsErrors, toKafkaJsError } from './errors.ts'
import { fetches, groupEvents, requestPayload, requests } from './channel-events.ts'
import { kafkaJsRoundRobin, toAssignor } from './assigners.ts'
import type { AssignerCluster } from './assigners.ts'
import { partitionMetadata } from './partitioners.ts'
import type { GroupMessage } from '../diagnostics.ts'
import { CONSUMER_EVENTS, Instrumentation } from './events.ts'
import type { InstrumentationEvent, RemoveInstrumentationEventListener } from './events.ts'
import type { ClientOptionsFactory } from './kafka.ts'
import type { Logger } from './logger.ts'
import { groupDescription } from './group-description.ts'
import type {
  Batch, ConsumerConfig, ConsumerRunConfig, ConsumerSubscribeTopic, ConsumerSubscribeTopics, GroupDescription, IHeaders, KafkaMessage,
  Offsets, TopicOffsets, TopicPartitionOffset as KafkaJsTopicPartitionOffset, TopicPartitionOffsetAndMetadata, TopicPartitions,
} from './types.ts'

type ConsumerEventName = (typeof CONSUMER_EVENTS)[keyof typeof CONSUMER_EVENTS]

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`


export function toKafkaMessage(m: Message): KafkaMessage {
  const headers: IHeaders = {}
  for (const h of m.headers) {
    const prev = headers[h.key]
    const v = h.value as Buffer
    headers[h.key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return { key: m.key, value: m.value, timestamp: String(m.timestamp), attributes: 0, offset: String(m.offset), headers }
}

/** State of one run(): the samsa consumer and KafkaJS's offset bookkeeping. */
interface Running {
  consumer: Consumer
  abort: AbortController
  loop: Promise<void>
  config: ConsumerRunConfig
  /** Next offset to commit per partition, and whether it is committed. */
  resolved: Map<string, { topic: string; partition: number; offset: number; committed: boolean }>
  /** Partitions sought (or revoked) while their batch was being processed: the rest of it is stale. */
  stale: Set<string>
  lastCommit: number
  failures: Map<string, number>
}

export class KafkaJsConsumer {
  readonly events = CONSUMER_EVENTS
  private readonly requestEvents = requests((m) => this.instrumentation.emit(CONSUMER_EVENTS.REQUEST, requestPayload(m)))
  private readonly instrumentation = new Instrumentation<ConsumerEventName>(Object.values(CONSUMER_EVENTS), (name) => {
    if (name === CONSUMER_EVENTS.REQUEST) this.requestEvents.start()
  })
  /** Joins and heartbeats of the running samsa consumer, as GROUP_JOIN and HEARTBEAT. */
  private readonly groupEvents = groupEvents((m) => this.onGroupMessage(m))
  /** Fetch responses of the running samsa consumer, as FETCH_START and FETCH (fetches run ahead in the background). */
  private readonly fetchEvents = fetches((m) => {
    // KafkaJS passes the node id as a string (its broker map's key).
    this.instrumentation.emit(CONSUMER_EVENTS.FETCH_START, { nodeId: String(m.nodeId) })
    this.instrumentation.emit(CONSUMER_EVENTS.FETCH, { numberOfBatches: 0, duration: m.durationMs, nodeId: String(m.nodeId) })
  })
  private restartTimer: NodeJS.Timeout | null = null
  private base: ClientOptions | null = null
  private admin: Admin | null = null
  private readonly topics = new Map<string, boolean>()
  private run_: Running | null = null
  private readonly pendingSeeks = new Map<string, TopicPartitionOffset>()
  /** KafkaJS pauses by topic (all partitions, now and later) or by partition. */
  private readonly pausedTopics = new Set<string>()
  private readonly pausedPartitions = new Map<string, Set<number>>()

  constructor(
    private readonly options: ClientOptionsFactory,
    private readonly config: ConsumerConfig,
    private readonly log: Logger,
  ) {}

  connect(): Promise<void> {
    return kafkaJsErrors(async () => {
      if (this.admin !== null) return
      this.base = await this.options(this.config.retry)
      const admin = new Admin(this.base)
      try {
        await admin.describeCluster()
      } catch (err) {
        await admin.close()
        throw err
      }
      this.admin = admin
      this.requestEvents.ids.add(admin.diagnosticsId)
      if (this.instrumentation.listens(CONSUMER_EVENTS.REQUEST)) this.requestEvents.start()
      this.instrumentation.emit(CONSUMER_EVENTS.CONNECT, null)
    })
  }

  subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    return kafkaJsErrors(async () => {
      if (this.run_ !== null) throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running')
      if (this.admin === null) throw new KafkaJSNonRetriableError('The consumer is not connected; call connect() first')
      const list = 'topics' in subscription && subscription.topics !== undefined ? subscription.topics : [(subscription as ConsumerSubscribeTopic).topic]
      const fromBeginning = subscription.fromBeginning ?? false
      for (const t of list) {
        if (typeof t === 'string') this.topics.set(t, fromBeginning)
        else if (!(t instanceof RegExp)) throw new KafkaJSNonRetriableError(`Invalid topic ${String(t)}, the topic should be a string or a RegExp`)
      }
      const regexps = list.filter((t): t is RegExp => t instanceof RegExp)
      if (regexps.length > 0) {
        const names = await this.admin.listTopics()
        for (const re of regexps) for (const n of names) if (re.test(n)) this.topics.set(n, fromBeginning)
      }
    })
  }

  /** Starts consuming; resolves once the loop is started (as KafkaJS's does). */
  run(config: ConsumerRunConfig = {}): Promise<void> {
    return kafkaJsErrors(async () => {
      if (this.run_ !== null) return
      if (this.base === null) throw new KafkaJSNonRetriableError('The consumer is not connected; call connect() first')
      if (this.topics.size === 0) throw new KafkaJSNonRetriableError('No topics subscribed; call subscribe() before run()')
      if (config.eachMessage === undefined && config.eachBatch === undefined) throw new KafkaJSNonRetriableError('Consumer needs eachMessage or eachBatch')
      const c = this.config
      const abort = new AbortController()
      const consumer = new Consumer({
        ...this.base,
        groupId: c.groupId,
        autoCommit: false,
        // KafkaJS: fromBeginning is per subscribe() call, so per topic.
        autoOffsetReset: (tp) => this.topics.get(tp.topic) === true ? 'earliest' : 'latest',
        sessionTimeoutMs: c.sessionTimeout ?? 30_000,
        heartbeatIntervalMs: c.heartbeatInterval ?? 3_000,
        maxPollIntervalMs: c.rebalanceTimeout ?? 60_000,
        // KafkaJS's default is its round-robin alone; samsa's range and roundrobin follow for mixed groups.
        assignors: c.partitionAssigners === undefined
          ? [kafkaJsRoundRobin, rangeAssignor, roundRobinAssignor]
          : c.partitionAssigners.map((pa) => toAssignor(pa, { cluster: this.assignerCluster(), groupId: c.groupId, logger: this.log })),
        isolationLevel: c.readUncommitted === true ? 'read_uncommitted' : 'read_committed',
        fetchMaxWaitMs: c.maxWaitTimeInMs ?? 5_000,
        fetchMinBytes: c.minBytes ?? 1,
        fetchMaxBytes: c.maxBytes ?? 10_485_760,
        maxPartitionFetchBytes: c.maxBytesPerPartition ?? 1_048_576,
        metadataMaxAgeMs: c.metadataMaxAge,
        signal: abort.signal,
        rebalanceListener: {
          revoked: (tps) => this.onRevoked(tps),
          assigned: (tps) => this.onAssigned(tps),
        },
      })
      consumer.subscribe([...this.topics.keys()])
      for (const f of [this.requestEvents, this.groupEvents, this.fetchEvents]) f.ids.add(consumer.diagnosticsId)
      this.groupEvents.start()
      this.fetchEvents.start()
      const state: Running = {
        consumer, abort, config, loop: Promise.resolve(), resolved: new Map(), stale: new Set(), lastCommit: Date.now(), failures: new Map(),
      }
      this.run_ = state
      state.loop = this.loop(state)
    })
  }

  /** What a KafkaJS assigner sees of the cluster: the running consumer's metadata (fresh when assign() runs). */
  private assignerCluster(): AssignerCluster {
    return {
      findTopicPartitionMetadata: (topic) => {
        const info = this.run_?.consumer.cluster.cachedTopic(topic)
        return info === undefined ? [] : partitionMetadata(info)
      },
    }
  }

  private async onRevoked(tps: TopicPartition[]): Promise<void> {
    const r = this.run_
    if (r === null) return
    this.instrumentation.emit(CONSUMER_EVENTS.REBALANCING, { groupId: this.config.groupId, memberId: r.consumer.groupMetadata().memberId })
    if (r.config.autoCommit !== false) await this.commitResolved(r).catch((err: unknown) => this.log.warn('commit on revocation failed', { error: String(err) }))
    for (const tp of tps) {
      r.resolved.delete(key(tp.topic, tp.partition))
      r.stale.add(key(tp.topic, tp.partition))
    }
  }

  private onAssigned(tps: TopicPartition[]): void {
    const r = this.run_
    if (r === null) return
    const toPause = tps.filter((tp) => this.isPaused(tp.topic, tp.partition))
    if (toPause.length > 0) r.consumer.pause(toPause)
    for (const tp of tps) {
      const s = this.pendingSeeks.get(key(tp.topic, tp.partition))
      if (s !== undefined) {
        this.pendingSeeks.delete(key(tp.topic, tp.partition))
        r.consumer.seek(s)
      }
    }
  }

  private onGroupMessage(m: GroupMessage): void {
    if (m.type === 'heartbeat') {
      this.instrumentation.emit(CONSUMER_EVENTS.HEARTBEAT, { groupId: m.groupId, memberId: m.memberId, groupGenerationId: m.generationId })
    } else if (m.type === 'join') {
      const memberAssignment: Record<string, number[]> = {}
      for (const tp of m.assigned ?? []) (memberAssignment[tp.topic] ??= []).push(tp.partition)
      this.instrumentation.emit(CONSUMER_EVENTS.GROUP_JOIN, {
        duration: m.durationMs, groupId: m.groupId, isLeader: m.isLeader ?? false, leaderId: m.leaderId ?? '', groupProtocol: m.protocol ?? '', memberId: m.memberId, memberAssignment,
      })
    }
  }

  private async loop(r: Running): Promise<void> {
    const it = r.consumer.batches()[Symbol.asyncIterator]()
    try {
      while (!r.abort.signal.aborted) {
        const next = await it.next()
        if (next.done || r.abort.signal.aborted) break
        r.stale.clear()
        const byTp = new Map<string, Message[]>()
        for (const m of next.value) {
          const k = key(m.topic, m.partition)
          let l = byTp.get(k)
          if (l === undefined) byTp.set(k, (l = []))
          l.push(m)
        }
        const queue = [...byTp.values()]
        const width = Math.max(1, r.config.partitionsConsumedConcurrently ?? 1)
        const workers = Array.from({ length: Math.min(width, queue.length) }, async () => {
          for (let msgs = queue.shift(); msgs !== undefined; msgs = queue.shift()) await this.processPartition(r, msgs)
        })
        await Promise.all(workers)
        if (r.config.autoCommit !== false) await this.commitResolved(r)
      }
    } catch (err) {
      if (r.abort.signal.aborted) return
      const error = toKafkaJsError(err)
      this.log.error(`Crash: ${error.name}: ${error.message}`, { groupId: this.config.groupId })
      r.abort.abort()
      const restart = await this.shouldRestart(error)
      this.instrumentation.emit(CONSUMER_EVENTS.CRASH, { error, groupId: this.config.groupId, restart })
      queueMicrotask(() => void this.stop().then(() => { if (restart) this.restartLater(r.config, error) }, () => {}))
    }
  }

  /** KafkaJS restarts a consumer that crashed on a retriable error unless retry.restartOnFailure says no. */
  private async shouldRestart(error: Error): Promise<boolean> {
    let cause: unknown = error
    while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause
    const retriable = error.name === 'KafkaJSNumberOfRetriesExceeded' || (cause as { retriable?: unknown } | null)?.retriable === true
    const decide = this.config.retry?.restartOnFailure
    if (!retriable) return false
    if (decide === undefined) return true
    return decide(error).catch((e: unknown) => {
      this.log.error('Caught error when invoking user-provided "restartOnFailure" callback. Defaulting to restarting.', { error: String(e), groupId: this.config.groupId })
      return true
    })
  }

  private restartLater(config: ConsumerRunConfig, error: Error): void {
    const wait = (error as { retryTime?: number }).retryTime || (this.config.retry?.initialRetryTime ?? this.base?.retryBackoffMs ?? 300)
    this.log.error(`Restarting the consumer in ${wait}ms`, { groupId: this.config.groupId })
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      if (this.admin !== null) this.run(config).catch((e: unknown) => this.log.error('restart failed', { error: String(e), groupId: this.config.groupId }))
    }, wait)
  }

  private isPaused(topic: string, partition: number): boolean {
    return this.pausedTopics.has(topic) || (this.pausedPartitions.get(topic)?.has(partition) ?? false)
  }

  /** Hands one partition's messages of a fetched batch to eachMessage or eachBatch. */
  private async processPartition(r: Running, msgs: Message[]): Promise<void> {
    const { topic, partition } = msgs[0]!
    const k = key(topic, partition)
    // Messages of a paused partition go back: the position returns to the first of them.
    const usable = (i: number): boolean => {
      if (r.abort.signal.aborted || r.stale.has(k)) return false
      if (!this.isPaused(topic, partition)) return true
      r.consumer.seek({ topic, partition, offset: msgs[i]!.offset })
      r.stale.add(k)
      return false
    }
    const resolve = (offset: number) => {
      const e = r.resolved.get(k)
      if (e === undefined) r.resolved.set(k, { topic, partition, offset: offset + 1, committed: false })
      else if (e.offset !== offset + 1) {
        e.offset = offset + 1
        e.committed = false
      }
    }
    const pause = () => {
      this.pause([{ topic, partitions: [partition] }])
      return () => this.resume([{ topic, partitions: [partition] }])
    }
    const heartbeat = async () => {}
    let failedAt = -1
    const batchEvents = this.instrumentation.listens(CONSUMER_EVENTS.START_BATCH_PROCESS) || this.instrumentation.listens(CONSUMER_EVENTS.END_BATCH_PROCESS)
    const batchEvent = batchEvents ? this.batchEventPayload(r, msgs) : null
    const startedAt = Date.now()
    if (batchEvent !== null) this.instrumentation.emit(CONSUMER_EVENTS.START_BATCH_PROCESS, batchEvent)
    try {
      if (r.config.eachMessage !== undefined) {
        for (let i = 0; i < msgs.length; i++) {
          if (!usable(i)) return
          failedAt = msgs[i]!.offset
          await r.config.eachMessage({ topic, partition, message: toKafkaMessage(msgs[i]!), heartbeat, pause })
          resolve(msgs[i]!.offset)
          await this.commitIfNecessary(r)
        }
      } else {
        if (!usable(0)) return
        failedAt = msgs[0]!.offset
        const batch = this.batch(r, msgs)
        await r.config.eachBatch!({
          batch,
          resolveOffset: (offset) => {
            resolve(Number(offset))
            failedAt = Number(offset) + 1
          },
          heartbeat,
          pause,
          commitOffsetsIfNecessary: async (offsets?: Offsets) => {
            if (offsets !== undefined) await this.commitOffsets(offsets.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p }))))
            else await this.commitIfNecessary(r)
          },
          uncommittedOffsets: () => ({ topics: this.uncommitted(r) }),
          isRunning: () => !r.abort.signal.aborted,
          isStale: () => r.stale.has(k),
        })
        if (r.config.eachBatchAutoResolve !== false && !r.stale.has(k)) resolve(msgs[msgs.length - 1]!.offset)
      }
      r.failures.delete(k)
      if (batchEvent !== null) this.instrumentation.emit(CONSUMER_EVENTS.END_BATCH_PROCESS, { ...batchEvent, duration: Date.now() - startedAt })
    } catch (err) {
      if (r.abort.signal.aborted) return
      // Start the partition again at the failed message, after a backoff; give up after the retries.
      const n = (r.failures.get(k) ?? 0) + 1
      r.failures.set(k, n)
      const retry = this.config.retry ?? {}
      this.log.error(`Error when calling ${r.config.eachMessage ? 'eachMessage' : 'eachBatch'}`, { topic, partition, offset: String(failedAt), error: String(err), retryCount: n })
      // The partition starts again at the failed message (after a crash too: it was not resolved).
      if (!r.stale.has(k)) r.consumer.seek({ topic, partition, offset: failedAt })
      r.stale.add(k)
      const backoff = Math.min((retry.initialRetryTime ?? this.base?.retryBackoffMs ?? 300) * 2 ** (n - 1), retry.maxRetryTime ?? this.base?.retryBackoffMaxMs ?? 30_000)
      // As KafkaJS's retrier: an error marked not retriable crashes at once, others after the retries.
      if ((err as { retriable?: unknown } | null)?.retriable === false) throw err
      if (n > (retry.retries ?? this.base?.retries ?? 5)) {
        r.failures.delete(k)
        throw new KafkaJSNumberOfRetriesExceeded(err instanceof Error ? err : String(err), { retryCount: n - 1, retryTime: backoff })
      }
      await sleep(backoff, undefined, { signal: r.abort.signal }).catch(() => {})
    }
  }

  private batchEventPayload(r: Running, msgs: Message[]): Record<string, unknown> {
    const b = this.batch(r, msgs)
    return {
      topic: b.topic, partition: b.partition, highWatermark: b.highWatermark, offsetLag: b.offsetLag(), offsetLagLow: b.offsetLagLow(),
      batchSize: msgs.length, firstOffset: b.firstOffset(), lastOffset: b.lastOffset(),
    }
  }

  private batch(r: Running, msgs: Message[]): Batch {
    const { topic, partition } = msgs[0]!
    const hw = r.consumer.metrics().partitions.find((p) => p.topic === topic && p.partition === partition)?.highWatermark ?? -1
    const messages = msgs.map(toKafkaMessage)
    const last = msgs[msgs.length - 1]!.offset
    return {
      topic, partition, highWatermark: String(hw), messages,
      isEmpty: () => messages.length === 0,
      firstOffset: () => (messages.length === 0 ? null : messages[0]!.offset),
      lastOffset: () => (messages.length === 0 ? String(hw - 1) : messages[messages.length - 1]!.offset),
      offsetLag: () => String(Math.max(0, hw - 1 - last)),
      offsetLagLow: () => String(Math.max(0, hw - 1 - msgs[0]!.offset)),
    }
  }

  private uncommitted(r: Running): TopicOffsets[] {
    const byTopic = new Map<string, { partition: number; offset: string }[]>()
    for (const e of r.resolved.values()) {
      if (e.committed) continue
      let l = byTopic.get(e.topic)
      if (l === undefined) byTopic.set(e.topic, (l = []))
      l.push({ partition: e.partition, offset: String(e.offset) })
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
  }

  /** autoCommitInterval / autoCommitThreshold, checked after each message. */
  private async commitIfNecessary(r: Running): Promise<void> {
    if (r.config.autoCommit === false) return
    const interval = r.config.autoCommitInterval ?? null
    const threshold = r.config.autoCommitThreshold ?? null
    const pending = [...r.resolved.values()].filter((e) => !e.committed).length
    if ((interval !== null && Date.now() - r.lastCommit >= interval) || (threshold !== null && pending >= threshold)) await this.commitResolved(r)
  }

  private async commitResolved(r: Running): Promise<void> {
    const todo = [...r.resolved.values()].filter((e) => !e.committed)
    r.lastCommit = Date.now()
    if (todo.length === 0) return
    await r.consumer.commit(todo.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset })))
    for (const e of todo) e.committed = true
    this.emitCommit(r, todo)
  }

  private emitCommit(r: Running, offsets: readonly TopicPartitionOffset[]): void {
    const id = r.consumer.groupMetadata()
    const byTopic = new Map<string, { partition: string; offset: string }[]>()
    for (const o of offsets) (byTopic.get(o.topic) ?? byTopic.set(o.topic, []).get(o.topic)!).push({ partition: String(o.partition), offset: String(o.offset) })
    this.instrumentation.emit(CONSUMER_EVENTS.COMMIT_OFFSETS, {
      groupId: id.groupId, memberId: id.memberId, groupGenerationId: id.generationId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    })
  }

  /** Commits exactly these offsets (the next offset to read, as strings). */
  commitOffsets(topicPartitions: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    return kafkaJsErrors(async () => {
      const r = this.run_
      if (r === null) throw new KafkaJSNonRetriableError('The consumer is not running; commitOffsets() needs run()')
      const offsets = topicPartitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: Number(tp.offset), metadata: tp.metadata ?? null }))
      await r.consumer.commit(offsets)
      for (const o of offsets) {
        const e = r.resolved.get(key(o.topic, o.partition))
        if (e !== undefined && e.offset === o.offset) e.committed = true
      }
      this.emitCommit(r, offsets)
    })
  }

  /** The partition continues at `offset`; the rest of its current batch is skipped. */
  seek({ topic, partition, offset }: KafkaJsTopicPartitionOffset): void {
    const o = Number(offset)
    if (!Number.isInteger(o)) throw new KafkaJSNonRetriableError(`Invalid offset ${String(offset)}`)
    const k = key(topic, partition)
    const r = this.run_
    if (r !== null && r.consumer.assignments().some((tp) => tp.topic === topic && tp.partition === partition)) {
      r.consumer.seek({ topic, partition, offset: o })
      r.stale.add(k)
      if (r.config.autoCommit !== false) r.resolved.set(k, { topic, partition, offset: o, committed: false })
    } else {
      this.pendingSeeks.set(k, { topic, partition, offset: o })
    }
  }

  describeGroup(): Promise<GroupDescription> {
    return kafkaJsErrors(async () => {
      if (this.admin === null) throw new KafkaJSNonRetriableError('The consumer is not connected')
      return groupDescription(await this.admin.describeGroup(this.config.groupId))
    })
  }

  pause(topics: { topic: string; partitions?: number[] }[]): void {
    for (const { topic, partitions } of topics) {
      if (partitions === undefined) this.pausedTopics.add(topic)
      else {
        let s = this.pausedPartitions.get(topic)
        if (s === undefined) this.pausedPartitions.set(topic, (s = new Set()))
        for (const p of partitions) s.add(p)
      }
    }
    const r = this.run_
    if (r !== null) r.consumer.pause(r.consumer.assignments().filter((tp) => this.isPaused(tp.topic, tp.partition)))
  }

  resume(topics: { topic: string; partitions?: number[] }[]): void {
    const r = this.run_
    const resumed: TopicPartition[] = []
    for (const { topic, partitions } of topics) {
      const assigned = r?.consumer.assignments().filter((tp) => tp.topic === topic) ?? []
      if (partitions === undefined) {
        this.pausedTopics.delete(topic)
        this.pausedPartitions.delete(topic)
        resumed.push(...assigned)
      } else {
        const s = this.pausedPartitions.get(topic)
        for (const p of partitions) s?.delete(p)
        if (s?.size === 0) this.pausedPartitions.delete(topic)
        resumed.push(...assigned.filter((tp) => partitions.includes(tp.partition) && !this.pausedTopics.has(topic)))
      }
    }
    if (r !== null && resumed.length > 0) r.consumer.resume(resumed)
  }

  paused(): TopicPartitions[] {
    const out = new Map<string, Set<number>>()
    const assigned = this.run_?.consumer.assignments() ?? []
    for (const t of this.pausedTopics) out.set(t, new Set(assigned.filter((tp) => tp.topic === t).map((tp) => tp.partition)))
    for (const [t, ps] of this.pausedPartitions) for (const p of ps) (out.get(t) ?? out.set(t, new Set()).get(t)!).add(p)
    return [...out].map(([topic, ps]) => ({ topic, partitions: [...ps].sort((a, b) => a - b) }))
  }

  /** Stops consuming: waits for the batch in hand, commits resolved offsets and leaves the group. */
  stop(): Promise<void> {
    return kafkaJsErrors(async () => {
      if (this.restartTimer !== null) clearTimeout(this.restartTimer)
      this.restartTimer = null
      const r = this.run_
      if (r === null) return
      r.abort.abort()
      await r.loop
      if (r.config.autoCommit !== false) await this.commitResolved(r).catch((err: unknown) => this.log.warn('commit on stop failed', { error: String(err) }))
      await r.consumer.close()
      for (const f of [this.requestEvents, this.groupEvents, this.fetchEvents]) f.ids.delete(r.consumer.diagnosticsId)
      this.groupEvents.stop()
      this.fetchEvents.stop()
      if (this.run_ === r) this.run_ = null
      this.instrumentation.emit(CONSUMER_EVENTS.STOP, null)
    })
  }

  disconnect(): Promise<void> {
    return kafkaJsErrors(async () => {
      await this.stop()
      const admin = this.admin
      this.admin = null
      if (admin !== null) {
        this.requestEvents.ids.delete(admin.diagnosticsId)
        this.requestEvents.stop()
        await admin.close()
        this.instrumentation.emit(CONSUMER_EVENTS.DISCONNECT, null)
      }
    })
  }

  on(eventName: ConsumerEventName, listener: (event: InstrumentationEvent<never>) => void): RemoveInstrumentationEventListener {
    return this.instrumentation.on(eventName, listener)
  }

  logger(): Logger {
    return this.log
  }
}
