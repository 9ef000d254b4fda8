// TopologyTestDriver: runs a topology without a broker, for unit tests. Every sub-topology gets
// one task (partition 0); piping a record processes it synchronously, then fires stream-time
// punctuations and commits (changelogs flushed), and records written to topics the topology reads
// (repartition topics) are processed in turn. Wall-clock time moves only by advanceWallClockTime().
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RecordHeader } from '../client/index.ts'
import { recordErrorHandler } from './error-handling.ts'
import type { ErrorHandlingConfig } from './error-handling.ts'
import { DEFAULT_CACHE_MAX_BYTES } from './state/stores.ts'
import type { StateStore } from './processor/api.ts'
import { StreamTask } from './processor/task.ts'
import type { RawRecord, RecordCollector, TaskEnv } from './processor/task.ts'
import type { Topology } from './processor/topology.ts'
import type { Serde } from './serdes.ts'
import type { KeyValueStore, ValueAndTimestamp } from './state/kv-store.ts'
import type { SessionStore } from './state/session-store.ts'
import type { WindowStore } from './state/window-store.ts'

export interface TestDriverConfig extends ErrorHandlingConfig {
  applicationId?: string
  /** A directory for persistent stores (LMDB); 'temp' makes one removed by close(). Default null: persistent stores kept in memory. */
  stateDir?: string | 'temp' | null
  initialWallClockTimeMs?: number
  /** Record caches of the DSL's aggregations; the driver commits after every record, so they flush at once. Default 10 MiB. */
  stateStoreCacheMaxBytes?: number
  /** true: as deserializationExceptionHandler 'logAndContinue' (skip records that cannot be deserialized). */
  continueOnDeserializationError?: boolean
}

export interface TestRecord<K, V> {
  key: K
  value: V
  timestamp: number
  headers: RecordHeader[]
}

interface Produced {
  topic: string
  key: Buffer | null
  value: Buffer | null
  timestamp: number
  headers: RecordHeader[]
}

export class TopologyTestDriver {
  private readonly tasks: StreamTask[] = []
  private readonly globalTasks: StreamTask[] = []
  private readonly byTopic = new Map<string, StreamTask>()
  private readonly outputs = new Map<string, Produced[]>()
  private readonly offsets = new Map<string, number>()
  private readonly pending: Produced[] = []
  private readonly globalStores = new Map<string, StateStore>()
  private wallClock: number
  private readonly stateDir: string | null
  private readonly ownDir: boolean
  readonly applicationId: string
  /** Records skipped by the deserialization and processing handlers. */
  skipped = 0

  constructor(topology: Topology, config: TestDriverConfig = {}) {
    this.applicationId = config.applicationId ?? 'test-driver-application'
    this.wallClock = config.initialWallClockTimeMs ?? Date.now()
    this.ownDir = config.stateDir === 'temp'
    this.stateDir = config.stateDir === 'temp' ? mkdtempSync(join(tmpdir(), 'samsa-streams-ttd-')) : config.stateDir ?? null
    const handle = recordErrorHandler({ ...config, deserializationExceptionHandler: config.continueOnDeserializationError === true ? 'logAndContinue' : config.deserializationExceptionHandler },
      (r) => this.capture(r), () => {})
    const collector: RecordCollector = {
      send: (topic, key, value, timestamp, headers) => this.capture({ topic, key: typeof key === 'string' ? Buffer.from(key, 'utf8') : key, value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value, timestamp, headers }),
      partitionsFor: () => 1,
    }
    const env: TaskEnv = {
      applicationId: this.applicationId,
      resolveTopic: (raw) => (topology.repartitionTopics.has(raw) ? `${this.applicationId}-${raw}` : raw),
      changelogTopic: (store) => `${this.applicationId}-${store}-changelog`,
      collector,
      globalStores: this.globalStores,
      stateDir: this.stateDir,
      now: () => this.wallClock,
      cacheMaxBytes: config.stateStoreCacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES,
      onRecordError: (kind, err, source, taskId) => {
        const go = handle(kind, err, source, taskId)
        if (go) this.skipped++
        return go
      },
    }
    for (const name of topology.globalStores.keys()) {
      const t = topology.globalStoreTopology(name)
      const task = new StreamTask(t.subtopologies()[0]!, 0, t, { ...env, applicationId: this.applicationId, globalStores: new Map() })
      task.initStores()
      task.initProcessors()
      this.globalStores.set(name, task.stores.get(name)!)
      this.globalTasks.push(task)
      for (const topic of task.inputTopics()) this.byTopic.set(topic, task)
    }
    for (const sub of topology.subtopologies()) {
      const task = new StreamTask(sub, 0, topology, env)
      task.initStores()
      this.tasks.push(task)
    }
    for (const task of this.tasks) {
      task.initProcessors()
      for (const topic of task.inputTopics()) this.byTopic.set(topic, task)
    }
  }

  private capture(p: Produced): void {
    const list = this.outputs.get(p.topic) ?? this.outputs.set(p.topic, []).get(p.topic)!
    list.push(p)
    if (this.byTopic.has(p.topic)) this.pending.push(p)
  }

  /** @internal Pipes serialized bytes into `topic`. */
  pipeRaw(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: RecordHeader[] = []): void {
    const task = this.byTopic.get(topic)
    if (task === undefined) throw new Error(`the topology does not read topic ${topic}`)
    this.processOne(task, { topic, key, value, timestamp, headers })
    while (this.pending.length > 0) {
      const p = this.pending.shift()!
      this.processOne(this.byTopic.get(p.topic)!, p)
    }
  }

  private processOne(task: StreamTask, p: Produced): void {
    const offset = this.offsets.get(p.topic) ?? 0
    this.offsets.set(p.topic, offset + 1)
    const raw: RawRecord = { topic: p.topic, partition: 0, offset, timestamp: p.timestamp, key: p.key, value: p.value, headers: p.headers }
    task.process(raw)
    task.punctuateStreamTime()
    task.flushCaches()
    task.flushChangelogs()
    task.flushStores()
  }

  /** Moves wall-clock time forward and fires the wall-clock punctuations that are due. */
  advanceWallClockTime(ms: number): void {
    this.wallClock += ms
    for (const t of this.tasks) {
      t.punctuateWallClock(this.wallClock)
      t.flushCaches()
      t.flushChangelogs()
    }
    while (this.pending.length > 0) {
      const p = this.pending.shift()!
      this.processOne(this.byTopic.get(p.topic)!, p)
    }
  }

  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, options: { startTimestampMs?: number; autoAdvanceMs?: number } = {}): TestInputTopic<K, V> {
    return new TestInputTopic(this, topic, keySerde, valueSerde, options.startTimestampMs ?? this.wallClock, options.autoAdvanceMs ?? 0)
  }

  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(this.outputs, topic, keySerde, valueSerde)
  }

  /** Topics written so far (outputs, repartition topics, changelogs). */
  producedTopicNames(): string[] {
    return [...this.outputs.keys()]
  }

  getStateStore<S extends StateStore = StateStore>(name: string): S | undefined {
    for (const t of this.tasks) {
      const s = t.stores.get(name)
      if (s !== undefined) return s as unknown as S
    }
    return this.globalStores.get(name) as S | undefined
  }

  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> | undefined {
    return this.getStateStore<KeyValueStore<K, V>>(name)
  }

  getTimestampedKeyValueStore<K, V>(name: string): KeyValueStore<K, ValueAndTimestamp<V>> | undefined {
    return this.getStateStore<KeyValueStore<K, ValueAndTimestamp<V>>>(name)
  }

  getWindowStore<K, V>(name: string): WindowStore<K, V> | undefined {
    return this.getStateStore<WindowStore<K, V>>(name)
  }

  getSessionStore<K, V>(name: string): SessionStore<K, V> | undefined {
    return this.getStateStore<SessionStore<K, V>>(name)
  }

  close(): void {
    for (const t of [...this.tasks, ...this.globalTasks]) t.close()
    if (this.ownDir && this.stateDir !== null) rmSync(this.stateDir, { recursive: true, force: true })
  }
}

export class TestInputTopic<K, V> {
  constructor(private readonly driver: TopologyTestDriver, readonly topic: string, private readonly keySerde: Serde<K>, private readonly valueSerde: Serde<V>, private time: number, private readonly autoAdvanceMs: number) {}

  /** Pipes one record; without a timestamp it gets the topic's current time (then auto-advanced). */
  pipeInput(key: K | null, value: V | null, timestamp?: number, headers: RecordHeader[] = []): void {
    const ts = timestamp ?? this.time
    if (timestamp === undefined) this.time += this.autoAdvanceMs
    this.driver.pipeRaw(this.topic, this.keySerde.serialize(key, this.topic), this.valueSerde.serialize(value, this.topic), ts, headers)
  }

  pipeValue(value: V | null, timestamp?: number): void {
    this.pipeInput(null, value, timestamp)
  }

  pipeKeyValueList(list: readonly [K | null, V | null][]): void {
    for (const [k, v] of list) this.pipeInput(k, v)
  }

  advanceTime(ms: number): void {
    this.time += ms
  }
}

export class TestOutputTopic<K, V> {
  private read = 0

  constructor(private readonly outputs: Map<string, Produced[]>, readonly topic: string, private readonly keySerde: Serde<K>, private readonly valueSerde: Serde<V>) {}

  private list(): Produced[] {
    return this.outputs.get(this.topic) ?? []
  }

  getQueueSize(): number {
    return this.list().length - this.read
  }

  isEmpty(): boolean {
    return this.getQueueSize() === 0
  }

  readRecord(): TestRecord<K | null, V | null> {
    const p = this.list()[this.read]
    if (p === undefined) throw new Error(`no more records in ${this.topic}`)
    this.read++
    return { key: this.keySerde.deserialize(p.key, this.topic), value: this.valueSerde.deserialize(p.value, this.topic), timestamp: p.timestamp, headers: p.headers }
  }

  readKeyValue(): [K | null, V | null] {
    const r = this.readRecord()
    return [r.key, r.value]
  }

  readValue(): V | null {
    return this.readRecord().value
  }

  readRecordsToList(): TestRecord<K | null, V | null>[] {
    const out: TestRecord<K | null, V | null>[] = []
    while (!this.isEmpty()) out.push(this.readRecord())
    return out
  }

  readKeyValuesToList(): [K | null, V | null][] {
    return this.readRecordsToList().map((r) => [r.key, r.value])
  }

  readValuesToList(): (V | null)[] {
    return this.readRecordsToList().map((r) => r.value)
  }

  /** The latest value per key (a null value removes the key). */
  readKeyValuesToMap(): Map<K | null, V> {
    const m = new Map<K | null, V>()
    for (const r of this.readRecordsToList()) {
      if (r.value === null) m.delete(r.key)
      else m.set(r.key, r.value)
    }
    return m
  }
}
