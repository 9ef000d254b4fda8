// One task: the nodes of one sub-topology instantiated for one partition number, with their own
// state stores. Records are processed one at a time, depth first through the nodes (forward() is
// a synchronous call), stream time is the largest timestamp the task has processed, punctuations
// fire on stream time after a record and on wall-clock time when the runtime asks. Store changes
// collect per key until the next commit, when `flushChangelogs` hands them to the collector.
import { join } from 'node:path'
import type { RecordHeader } from '../../client/index.ts'
import { ProcessingError } from '../errors.ts'
import { keyString } from '../state/bytes-store.ts'
import { serializeForSend } from '../serdes.ts'
import type { ChangeLogger, KeyValueStore, RestorableStore } from '../state/kv-store.ts'
import type { Cancellable, Processor, ProcessorContext, PunctuationType, Record, RecordMetadata, StateStore } from './api.ts'
import type { ProcessorNode, SinkNode, SourceNode, Subtopology, Topology } from './topology.ts'

/** Where a task's output goes: a producer in the runtime, a list in the test driver. A string key or value is its UTF-8 bytes. */
export interface RecordCollector {
  /** `source`: the input record being processed (for the production handler's dead-letter record). */
  send(topic: string, key: Buffer | string | null, value: Buffer | string | null, timestamp: number, headers: RecordHeader[], partition: number | undefined, source?: RawRecord): void
  partitionsFor(topic: string): number
}

export interface TaskEnv {
  applicationId: string
  /** Raw topic name -> the name on the broker (internal topics get the application id). */
  resolveTopic(raw: string): string
  changelogTopic(store: string): string
  collector: RecordCollector
  globalStores: ReadonlyMap<string, StateStore>
  stateDir: string | null
  now(): number
  /** Decides what a record that failed to deserialize or to go through the processors does: skip it (true) or fail (false). */
  onRecordError(kind: 'deserialization' | 'processing', err: unknown, source: RawRecord, taskId: string): boolean
  defaultTimestampExtractor?: SourceNode['timestampExtractor']
  /** `statestore.cache.max.bytes` for stores with caching on. */
  cacheMaxBytes?: number
}

export interface RawRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

/** Changelog records carry no headers (shared: nothing downstream changes a record's list). */
const NO_HEADERS: RecordHeader[] = []

interface Schedule {
  node: RuntimeNode
  type: PunctuationType
  interval: number
  next: number
  callback: (t: number) => void
  cancelled: boolean
}

interface RuntimeNode {
  name: string
  children: RuntimeNode[]
  process(record: Record<unknown, unknown>): void
  processor: Processor<unknown, unknown, unknown, unknown> | null
  context: ProcessorContext<unknown, unknown> | null
}

export class StreamTask {
  readonly id: string
  streamTime = -1
  readonly stores = new Map<string, RestorableStore>()
  /** Next offset to consume per input topic-partition (what a commit stores). */
  readonly consumed = new Map<string, { topic: string; partition: number; offset: number }>()
  commitRequested = false
  /** Per logged store: the changelog offset its content reflects (next offset to apply), when known. */
  readonly changelogPositions = new Map<string, number>()
  private lastConsumed: { topic: string; partition: number; offset: number } | null = null
  processed = 0
  dropped = 0
  private readonly pending = new Map<string, Map<string, { key: Buffer; value: Buffer | null; timestamp: number }>>()
  private readonly nodes = new Map<string, RuntimeNode>()
  private readonly sources = new Map<string, { node: SourceNode; runtime: RuntimeNode }>()
  private readonly schedules: Schedule[] = []
  private currentRaw: RawRecord | null = null
  private currentNode: RuntimeNode | null = null

  constructor(readonly subtopology: Subtopology, readonly partition: number, private readonly topology: Topology, private readonly env: TaskEnv) {
    this.id = `${subtopology.id}_${partition}`
  }

  get taskDir(): string | null {
    return this.env.stateDir === null ? null : join(this.env.stateDir, this.id)
  }

  /** Builds the stores (empty: the runtime restores them before `initProcessors`). */
  initStores(): void {
    for (const name of this.subtopology.stores) {
      const builder = this.topology.stores.get(name)!
      const topic = this.env.changelogTopic(name)
      const logger: ChangeLogger = {
        log: (key, value, timestamp) => this.logChange(name, key, value, timestamp),
        logNow: (key, value, timestamp) => this.env.collector.send(topic, key, value, timestamp, NO_HEADERS, this.partition),
      }
      this.stores.set(name, builder.build({ taskId: this.id, taskDir: this.taskDir, logger, cacheMaxBytes: this.env.cacheMaxBytes ?? 0 }))
    }
  }

  private logChange(store: string, key: Buffer, value: Buffer | null, timestamp: number): void {
    let m = this.pending.get(store)
    if (m === undefined) this.pending.set(store, (m = new Map()))
    const k = keyString(key)
    // A key changed again before the commit reuses its entry: only the latest change is sent.
    const c = m.get(k)
    if (c === undefined) m.set(k, { key, value, timestamp })
    else {
      c.value = value
      c.timestamp = timestamp
    }
  }

  /** Instantiates and initializes the processors (stores must be ready); again after suspend(). */
  initProcessors(): void {
    this.nodes.clear()
    this.sources.clear()
    this.schedules.length = 0
    const names = this.subtopology.nodes
    for (const name of names) this.nodes.set(name, this.makeNode(name))
    for (const name of names) {
      const rn = this.nodes.get(name)!
      rn.children = this.topology.childrenOf(name).map((c) => this.nodes.get(c)!)
      const def = this.topology.nodes.get(name)!
      if (def.kind === 'source') for (const t of def.topics) this.sources.set(this.env.resolveTopic(t), { node: def, runtime: rn })
    }
    for (const name of names) {
      const rn = this.nodes.get(name)!
      if (rn.processor !== null) {
        this.currentNode = rn
        rn.processor.init?.(rn.context!)
      }
    }
    this.currentNode = null
  }

  private makeNode(name: string): RuntimeNode {
    const def = this.topology.nodes.get(name)!
    if (def.kind === 'source') {
      const rn: RuntimeNode = { name, children: [], processor: null, context: null, process: (r) => { for (const c of rn.children) this.run(c, r) } }
      return rn
    }
    if (def.kind === 'sink') {
      // A fixed topic is resolved once, not per record.
      const topic = typeof def.topic === 'string' ? this.env.resolveTopic(def.topic) : null
      return { name, children: [], processor: null, context: null, process: (r) => this.sink(def, topic, r) }
    }
    const processor = def.supplier()
    const rn: RuntimeNode = { name, children: [], processor, context: null, process: (r) => processor.process(r) }
    rn.context = this.makeContext(rn, def)
    return rn
  }

  private run(node: RuntimeNode, r: Record<unknown, unknown>): void {
    const prev = this.currentNode
    this.currentNode = node
    try {
      node.process(r)
    } finally {
      this.currentNode = prev
    }
  }

  private makeContext(rn: RuntimeNode, def: ProcessorNode): ProcessorContext<unknown, unknown> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's methods are called with another `this`
    const task = this
    return {
      applicationId: this.env.applicationId,
      taskId: this.id,
      forward(record, childName) {
        if (childName === undefined) {
          for (const c of rn.children) task.run(c, record)
          return
        }
        const c = rn.children.find((x) => x.name === childName)
        if (c === undefined) throw new Error(`${rn.name} has no child named ${childName}`)
        task.run(c, record)
      },
      getStateStore<S extends StateStore>(name: string): S {
        const s = (def.stores.has(name) ? task.stores.get(name) : undefined) ?? task.env.globalStores.get(name)
        if (s === undefined) throw new Error(`processor ${def.name} has no access to store ${name} (connect it in the topology)`)
        return s as unknown as S
      },
      schedule(intervalMs, type, callback): Cancellable {
        if (!(intervalMs >= 1)) throw new Error('a punctuation interval must be at least 1 ms')
        const s: Schedule = { node: rn, type, interval: intervalMs, callback, cancelled: false, next: type === 'STREAM_TIME' ? 0 : task.env.now() + intervalMs }
        task.schedules.push(s)
        return { cancel: () => { s.cancelled = true } }
      },
      currentStreamTimeMs: () => task.streamTime,
      currentSystemTimeMs: () => task.env.now(),
      recordMetadata: (): RecordMetadata | null => {
        const raw = task.currentRaw
        return raw === null ? null : { topic: raw.topic, partition: raw.partition, offset: raw.offset }
      },
      commit: () => { task.commitRequested = true },
    }
  }

  private sink(def: SinkNode, fixedTopic: string | null, r: Record<unknown, unknown>): void {
    const topic = fixedTopic !== null ? fixedTopic : typeof def.topic === 'string' ? this.env.resolveTopic(def.topic)
      : def.topic(r.key, r.value, { topic: this.currentRaw?.topic ?? null, partition: this.currentRaw?.partition ?? -1, offset: this.currentRaw?.offset ?? -1 })
    const key = serializeForSend(def.keySerde, r.key, topic)
    const value = serializeForSend(def.valueSerde, r.value, topic)
    let partition: number | undefined
    if (def.partitioner !== null) partition = def.partitioner(topic, r.key, r.value, this.env.collector.partitionsFor(topic))
    this.env.collector.send(topic, key, value, r.timestamp, r.headers, partition, this.currentRaw ?? undefined)
  }

  /** Topics (as on the broker) this task reads. */
  inputTopics(): string[] {
    return [...this.sources.keys()]
  }

  process(raw: RawRecord): void {
    const src = this.sources.get(raw.topic)
    if (src === undefined) throw new Error(`task ${this.id} does not read ${raw.topic}`)
    // Consecutive records mostly share a partition: no key string per record then.
    const last = this.lastConsumed
    if (last !== null && last.partition === raw.partition && last.topic === raw.topic && this.consumed.size > 0) last.offset = raw.offset + 1
    else {
      const k = `${raw.topic}\u0000${raw.partition}`
      let c = this.consumed.get(k)
      if (c === undefined) this.consumed.set(k, (c = { topic: raw.topic, partition: raw.partition, offset: raw.offset + 1 }))
      else c.offset = raw.offset + 1
      this.lastConsumed = c
    }
    let key: unknown
    let value: unknown
    try {
      key = src.node.keySerde.deserialize(raw.key, raw.topic)
      value = src.node.valueSerde.deserialize(raw.value, raw.topic)
    } catch (err) {
      if (this.env.onRecordError('deserialization', err, raw, this.id)) {
        this.dropped++
        return
      }
      throw new ProcessingError(`deserialization failed: ${(err as Error).message}`, this.id, raw.topic, raw.partition, raw.offset, { cause: err })
    }
    const extractor = src.node.timestampExtractor ?? this.env.defaultTimestampExtractor ?? null
    const ts = extractor === null ? raw.timestamp : extractor({ ...raw, key, value }, this.streamTime)
    if (!(ts >= 0)) {
      this.dropped++
      return
    }
    if (ts > this.streamTime) this.streamTime = ts
    this.currentRaw = raw
    try {
      this.run(src.runtime, { key, value, timestamp: ts, headers: raw.headers })
    } catch (err) {
      if (err instanceof ProcessingError) throw err
      if (this.env.onRecordError('processing', err, raw, this.id)) {
        this.dropped++
        return
      }
      throw new ProcessingError(`processing failed in task ${this.id}: ${(err as Error).message}`, this.id, raw.topic, raw.partition, raw.offset, { cause: err })
    } finally {
      this.currentRaw = null
    }
    this.processed++
  }

  /** Fires stream-time punctuations that are due; true when any fired. */
  punctuateStreamTime(): boolean {
    if (this.streamTime < 0 || this.schedules.length === 0) return false
    return this.punctuate('STREAM_TIME', this.streamTime)
  }

  punctuateWallClock(now: number): boolean {
    return this.punctuate('WALL_CLOCK_TIME', now)
  }

  private punctuate(type: PunctuationType, now: number): boolean {
    let fired = false
    for (const s of [...this.schedules]) {
      if (s.cancelled || s.type !== type || s.next > now) continue
      const next = s.next + s.interval
      s.next = now >= next ? now - ((now - s.next) % s.interval) + s.interval : next
      fired = true
      const prev = this.currentNode
      this.currentNode = s.node
      try {
        s.callback(now)
      } finally {
        this.currentNode = prev
      }
    }
    if (fired) for (let i = this.schedules.length - 1; i >= 0; i--) if (this.schedules[i]!.cancelled) this.schedules.splice(i, 1)
    return fired
  }

  /**
   * Flushes the record caches (at commit, before the changelogs): each store's cached updates are
   * written and forwarded downstream, where they may fill other caches, so until all are clean.
   */
  flushCaches(): void {
    for (let round = 0; round < 100; round++) {
      let any = false
      for (const s of this.stores.values()) {
        const c = s as Partial<KeyValueStore<unknown, unknown>>
        if (c.dirty === true) {
          any = true
          c.flushCache!()
        }
      }
      if (!any) return
    }
  }

  /** Sends the store changes since the last commit to the changelogs; true when there were any. */
  flushChangelogs(): boolean {
    let any = false
    for (const [store, changes] of this.pending) {
      const topic = this.env.changelogTopic(store)
      for (const c of changes.values()) this.env.collector.send(topic, c.key, c.value, c.timestamp, NO_HEADERS, this.partition)
      any ||= changes.size > 0
      changes.clear()
    }
    return any
  }

  flushStores(): void {
    for (const s of this.stores.values()) s.flush()
  }

  /** Closes the processors and keeps the stores (a task revoked in a rebalance that may come back, or stay as a standby). */
  suspend(): void {
    for (const rn of this.nodes.values()) {
      try {
        rn.processor?.close?.()
      } catch {
        // closing goes on for the other processors
      }
    }
    this.nodes.clear()
    this.sources.clear()
    this.schedules.length = 0
    this.pending.clear()
    this.consumed.clear()
    this.lastConsumed = null
  }

  /** Closes processors, then stores. Pending changelog records are dropped (commit first to keep them). */
  close(): void {
    this.suspend()
    for (const s of this.stores.values()) s.close()
  }
}
