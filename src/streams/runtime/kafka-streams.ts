// KafkaStreams: runs a topology against a cluster. One instance = one consumer in the group
// `application.id` (with the streams assignor), one producer (transactional under exactly_once_v2,
// `<application.id>-<process id>`, the process id kept in the state directory so a restarted
// instance fences its previous incarnation), and the tasks of the partitions it is assigned.
// Processing, commits and rebalances take turns on one lock; records of a batch are processed
// synchronously, then the instance commits when the commit interval has passed (or a processor
// asked): changelog writes, flush, offsets (in the transaction under exactly-once), checkpoints.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Admin, Consumer, Producer } from '../../client/index.ts'
import type { ClientOptions, Message, TopicPartition } from '../../client/index.ts'
import { StreamsError } from '../errors.ts'
import { DEFAULT_CACHE_MAX_BYTES } from '../state/stores.ts'
import { recordErrorHandler } from '../error-handling.ts'
import type { StateStore } from '../processor/api.ts'
import { StreamTask } from '../processor/task.ts'
import type { TaskEnv } from '../processor/task.ts'
import type { Subtopology, Topology } from '../processor/topology.ts'
import { streamsAssignor } from './assignor.ts'
import type { AssignmentInfo } from './assignor.ts'
import type { StreamsConfig } from './config.ts'
import { createInternalTopics, planTopics } from './internal-topics.ts'
import { ProducerCollector } from './record-collector.ts'
import { cpKey, deleteCheckpoint, readCheckpoint, restoreStores, writeCheckpoint } from './restore.ts'
import type { RestoreJob } from './restore.ts'
import { StandbyTasks } from './standby-tasks.ts'
import { nextOrTick } from './next-or-tick.ts'
import { startGlobalStores } from './global-stores.ts'
import { StreamsMetadataState, parseHostInfo } from './streams-metadata.ts'
import type { HostInfo, KeyQueryMetadata, StreamsMetadata } from './streams-metadata.ts'
import type { Serde } from '../serdes.ts'
import { isStateChange } from './streams-state.ts'
import { Lock } from './lock.ts'
import type { StreamsState } from './streams-state.ts'

export type { StreamsState }

export class KafkaStreams {
  private stateNow: StreamsState = 'CREATED'
  private readonly listeners: ((next: StreamsState, prev: StreamsState) => void)[] = []
  private errorHandler: ((err: Error) => void) | null = null
  private readonly eos: boolean
  private readonly stateDir: string
  private readonly client: ClientOptions
  private readonly subs: Subtopology[]
  private readonly topicToSub = new Map<string, Subtopology>()
  private readonly tasks = new Map<string, StreamTask>()
  /** Tasks revoked by a rebalance, stores still open, until the assignment says what becomes of them. */
  private readonly suspended = new Map<string, StreamTask>()
  private readonly standbys: StandbyTasks
  private readonly metadata: StreamsMetadataState
  private taskCounts: Map<number, number> | null = null
  private readonly self: HostInfo | null
  private readonly globalTasks: StreamTask[] = []
  private readonly globalStores = new Map<string, StateStore>()
  private readonly lock = new Lock()
  private admin: Admin | null = null
  private consumer: Consumer | null = null
  private producer: Producer | null = null
  private collector: ProducerCollector | null = null
  private globalConsumer: Consumer | null = null
  private loop: Promise<void> | null = null
  private inTxn = false
  /** The last committed transaction's partitions if it had offsets to commit (none: nothing to prepare). */
  private txnPartitions: TopicPartition[] = []
  /** Assigned input partitions ("topic\\0partition"). */
  private readonly assigned = new Set<string>()
  private stopping = false
  private lastCommit = Date.now()
  private readonly log: (m: string) => void
  readonly processId: string
  /** Records processed by this instance's tasks. */
  processed = 0
  commits = 0

  constructor(private readonly topology: Topology, private readonly config: StreamsConfig) {
    this.eos = config.processingGuarantee === 'exactly_once_v2'
    this.stateDir = join(config.stateDir ?? join(tmpdir(), 'samsa-streams'), config.applicationId)
    mkdirSync(this.stateDir, { recursive: true })
    const idFile = join(this.stateDir, 'process-id')
    if (!existsSync(idFile)) writeFileSync(idFile, randomUUID())
    this.processId = readFileSync(idFile, 'utf8').trim()
    const { applicationId: _a, stateDir: _s, processingGuarantee: _p, commitIntervalMs: _c, replicationFactor: _r, sessionTimeoutMs: _st, heartbeatIntervalMs: _h,
      groupInstanceId: _g, deserializationExceptionHandler: _d, productionExceptionHandler: _pe, transactionTimeoutMs: _t, defaultTimestampExtractor: _e,
      restoreListener: _rl, log: _l, lingerMs: _lm, batchSize: _bs, maxTaskIdleMs: _mt, applicationServer: _as, numStandbyReplicas: _ns, processingExceptionHandler: _ph, deadLetterQueueTopicName: _dlq, stateStoreCacheMaxBytes: _cm, ...client } = config
    this.client = { clientId: `${config.applicationId}-${this.processId}`, ...client }
    this.log = config.log ?? ((m) => console.warn(`samsa streams [${config.applicationId}]: ${m}`))
    this.subs = topology.subtopologies()
    for (const s of this.subs) for (const t of s.sourceTopics) this.topicToSub.set(this.resolve(t), s)
    this.self = config.applicationServer === undefined ? null : parseHostInfo(config.applicationServer)
    this.standbys = new StandbyTasks(this.client, this.eos, (s) => this.changelogTopic(s), (t) => this.loggedStores(t),
      (fn) => this.lock.run(fn), (err) => void this.fail(err))
    this.metadata = new StreamsMetadataState(this.subs, (s) => s.sourceTopics.map((t) => this.resolve(t)), () => this.taskCounts, [...topology.globalStores.keys()])
  }

  private loggedStores(task: StreamTask): string[] {
    return [...task.stores.keys()].filter((n) => this.topology.stores.get(n)!.logged)
  }

  get state(): StreamsState {
    return this.stateNow
  }

  setStateListener(listener: (newState: StreamsState, oldState: StreamsState) => void): void {
    this.listeners.push(listener)
  }

  /** Called with the error that moved the instance to ERROR. */
  setUncaughtExceptionHandler(handler: (err: Error) => void): void {
    this.errorHandler = handler
  }

  private setState(next: StreamsState): void {
    const prev = this.stateNow
    if (!isStateChange(prev, next)) return
    this.stateNow = next
    for (const l of this.listeners) l(next, prev)
  }

  private resolve(raw: string): string {
    return this.topology.repartitionTopics.has(raw) ? `${this.config.applicationId}-${raw}` : raw
  }

  private changelogTopic(store: string): string {
    return `${this.config.applicationId}-${store}-changelog`
  }

  private get commitIntervalMs(): number {
    return this.config.commitIntervalMs ?? (this.eos ? 100 : 30_000)
  }

  /** Creates internal topics, loads global stores, joins the group; processing goes on in the background. */
  async start(): Promise<void> {
    if (this.stateNow !== 'CREATED') throw new StreamsError(`start() in state ${this.stateNow}`)
    this.setState('REBALANCING')
    try {
      this.admin = new Admin(this.client)
      const plan = await planTopics(this.admin, this.topology, this.subs, (t) => this.resolve(t), (s) => this.changelogTopic(s))
      await createInternalTopics(this.admin, plan, this.config.replicationFactor ?? -1)
      this.taskCounts = plan.taskCounts
      const producer = new Producer({
        ...this.client, lingerMs: this.config.lingerMs ?? 5, batchSize: this.config.batchSize ?? 131_072,
        ...(this.eos ? { transactionalId: `${this.config.applicationId}-${this.processId}`, transactionTimeoutMs: this.config.transactionTimeoutMs ?? 10_000 } : {}),
      })
      this.producer = producer
      this.collector = new ProducerCollector(producer, (t) => t.endsWith('-changelog'), this.config.productionExceptionHandler ?? 'fail', this.log, this.config.deadLetterQueueTopicName)
      await producer.connect()
      await this.startGlobal()
      const consumer = new Consumer({
        ...this.client, groupId: this.config.applicationId, autoCommit: false, autoOffsetReset: 'earliest',
        isolationLevel: this.eos ? 'read_committed' : 'read_uncommitted',
        sessionTimeoutMs: this.config.sessionTimeoutMs, heartbeatIntervalMs: this.config.heartbeatIntervalMs, groupInstanceId: this.config.groupInstanceId,
        assignors: [streamsAssignor(this.subs.map((s) => ({ id: s.id, topics: s.sourceTopics.map((t) => this.resolve(t)) })), () => ({
          owned: [...this.tasks.keys(), ...this.suspended.keys()], stateful: this.stateOnDisk(), standby: [...this.standbys.tasks.keys()], host: this.config.applicationServer ?? null,
        }), this.config.numStandbyReplicas ?? 0, (info) => { this.assignmentInfo = info })],
        rebalanceListener: { revoked: () => this.lock.run(() => this.onRevoked()), assigned: (tps) => this.lock.run(() => this.onAssigned(tps)) },
      })
      this.consumer = consumer
      consumer.subscribe([...this.topicToSub.keys()])
      this.loop = this.run().catch((err: unknown) => this.fail(err as Error))
    } catch (err) {
      await this.fail(err as Error)
      throw err
    }
  }

  /** Task ids with persistent state in the state directory (for the state-aware assignor). */
  private stateOnDisk(): string[] {
    const out: string[] = []
    for (const s of this.subs) {
      if (!s.stores.some((n) => this.topology.stores.get(n)!.persistent)) continue
      // Up to 64 partitions checked: enough for the assignor's preference.
      for (let p = 0; p < 64; p++) if (existsSync(join(this.stateDir, `${s.id}_${p}`))) out.push(`${s.id}_${p}`)
    }
    return out
  }

  private env(): TaskEnv {
    return {
      applicationId: this.config.applicationId,
      resolveTopic: (t) => this.resolve(t),
      changelogTopic: (s) => this.changelogTopic(s),
      collector: this.collector!,
      globalStores: this.globalStores,
      stateDir: this.stateDir,
      now: () => Date.now(),
      onRecordError: recordErrorHandler(this.config, (r) => this.collector!.send(r.topic, r.key, r.value, r.timestamp, r.headers, undefined), this.log),
      defaultTimestampExtractor: this.config.defaultTimestampExtractor ?? null,
      cacheMaxBytes: this.config.stateStoreCacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES,
    }
  }

  /** Global stores: every partition of their topics, read to the end before processing starts, then followed. */
  private async startGlobal(): Promise<void> {
    if (this.topology.globalStores.size === 0) return
    const g = await startGlobalStores(this.topology, this.admin!, { ...this.client, isolationLevel: this.eos ? 'read_committed' : 'read_uncommitted' },
      { ...this.env(), stateDir: join(this.stateDir, 'global'), globalStores: new Map() }, () => this.stopping, (err) => void this.fail(err))
    this.globalConsumer = g.consumer
    this.globalTasks.push(...g.tasks)
    for (const [name, store] of g.stores) this.globalStores.set(name, store)
  }

  /** The assignment's user data of the last rebalance (standby tasks, hosts). */
  private assignmentInfo: AssignmentInfo | null = null

  /** Eager rebalancing: commit, then suspend every task (processors closed, stores kept for what the assignment decides). */
  private async onRevoked(): Promise<void> {
    this.setState('REBALANCING')
    if (this.tasks.size === 0) return
    await this.commit()
    this.buffers.clear()
    this.idleSince.clear()
    for (const t of this.tasks.values()) {
      this.checkpoint(t, true)
      t.suspend()
      this.suspended.set(t.id, t)
    }
    this.tasks.clear()
  }

  private closeTasks(clean: boolean): void {
    this.buffers.clear()
    this.idleSince.clear()
    for (const t of [...this.tasks.values(), ...this.suspended.values()]) {
      if (clean) this.checkpoint(t, true)
      t.close()
    }
    this.tasks.clear()
    this.suspended.clear()
  }

  /** A new task with its stores built: a persistent store from its checkpoint, anything else wiped (restored from scratch). */
  private newTask(sub: Subtopology, partition: number): StreamTask {
    const task = new StreamTask(sub, partition, this.topology, this.env())
    task.initStores()
    const cp = readCheckpoint(task.taskDir)
    for (const [name, store] of task.stores) {
      if (!this.topology.stores.get(name)!.logged) continue
      const from = store.persistent ? cp.get(cpKey({ topic: this.changelogTopic(name), partition })) : undefined
      if (from !== undefined) task.changelogPositions.set(name, from)
    }
    return task
  }

  /**
   * Active tasks come from a suspended task of this instance (it had the task before the
   * rebalance), a standby (promoted), or are built new; each restores its stores from the
   * position its content reflects (the tail only for the first two). Standby tasks are kept,
   * made from suspended tasks, or built new; suspended tasks left over are closed.
   */
  private async onAssigned(tps: TopicPartition[]): Promise<void> {
    this.setState('REBALANCING')
    const info = this.assignmentInfo
    this.metadata.info = info
    const created: StreamTask[] = []
    this.assigned.clear()
    for (const tp of tps) this.assigned.add(`${tp.topic}\u0000${tp.partition}`)
    for (const tp of tps) {
      const sub = this.topicToSub.get(tp.topic)
      if (sub === undefined) continue
      const id = `${sub.id}_${tp.partition}`
      if (this.tasks.has(id)) continue
      const task = this.suspended.get(id) ?? this.standbys.take(id) ?? this.newTask(sub, tp.partition)
      this.suspended.delete(id)
      this.tasks.set(id, task)
      created.push(task)
    }
    const standbyIds = new Set((info?.standby ?? []).filter((id) => !this.tasks.has(id)))
    for (const id of [...this.standbys.tasks.keys()]) if (!standbyIds.has(id)) this.closeStandby(this.standbys.take(id)!)
    for (const id of standbyIds) {
      if (this.standbys.tasks.has(id)) continue
      const sub = this.subs.find((s) => s.id === Number(id.slice(0, id.indexOf('_'))))
      if (sub === undefined) continue
      let task = this.suspended.get(id)
      this.suspended.delete(id)
      if (task === undefined) {
        task = this.newTask(sub, Number(id.slice(id.indexOf('_') + 1)))
        for (const [name, store] of task.stores) if (!task.changelogPositions.has(name)) store.wipe()
      }
      this.standbys.add(task)
    }
    for (const t of this.suspended.values()) t.close()
    this.suspended.clear()
    this.standbys.reassign()
    const jobs: RestoreJob[] = []
    for (const task of created) {
      for (const name of this.loggedStores(task)) {
        jobs.push({ store: task.stores.get(name)!, tp: { topic: this.changelogTopic(name), partition: task.partition }, from: task.changelogPositions.get(name) ?? null })
      }
      // Under exactly-once a checkpoint is only valid until processing starts again.
      if (this.eos) deleteCheckpoint(task.taskDir)
    }
    await restoreStores(this.admin!, this.client, jobs, this.eos, this.config.restoreListener)
    for (const job of jobs) {
      const task = created.find((t) => t.stores.get(job.store.name) === job.store)!
      if (job.end !== undefined) task.changelogPositions.set(job.store.name, job.end)
    }
    for (const task of created) task.initProcessors()
    this.lastCommit = Date.now()
    this.setState('RUNNING')
  }

  private closeStandby(task: StreamTask): void {
    task.flushStores()
    this.writePositions(task)
    task.close()
  }

  private async run(): Promise<void> {
    const consumer = this.consumer!
    const it = consumer.batches()[Symbol.asyncIterator]()
    let pending: Promise<IteratorResult<Message[]>> | null = null
    while (!this.stopping) {
      pending ??= it.next()
      const tick = Math.min(this.commitIntervalMs, 100)
      const r = await nextOrTick(pending, tick)
      if (this.stopping) break
      if (r !== 'tick') {
        pending = null
        if (r.done) break
        await this.lock.run(async () => {
          await this.ensureTxn()
          this.process(r.value)
          this.collector!.flush()
          await this.maybeCommit()
          if (this.collector!.backlogged) await this.collector!.backlog()
        })
        // Fetched batches resolve as microtasks: without a turn of the event loop the producer's
        // responses wait (its in-flight requests stall) until the prefetched records are all processed.
        await new Promise((res) => setImmediate(res))
      } else {
        await this.lock.run(async () => {
          if (this.tasks.size === 0) return
          await this.ensureTxn()
          this.drainBuffers()
          const now = Date.now()
          for (const t of this.tasks.values()) t.punctuateWallClock(now)
          this.collector!.flush()
          await this.maybeCommit()
        })
      }
    }
  }

  private async ensureTxn(): Promise<void> {
    if (!this.eos || this.inTxn) return
    await this.producer!.beginTransaction()
    this.inTxn = true
    // What the previous transaction wrote this one most likely writes too: its partitions and the
    // group's offsets join it now, while the records are processed, not on the commit's path.
    if (this.txnPartitions.length > 0) this.producer!.prepareTransaction(this.txnPartitions, this.config.applicationId)
  }

  /**
   * Processes a fetched batch. A task reading several partitions (a join) takes their records in
   * timestamp order — always the partition whose next record is the oldest (Kafka's partition
   * group) — and while one of its partitions has nothing buffered but the broker has more for it,
   * the task waits for that data (up to maxTaskIdleMs), as Kafka's max.task.idle.ms = 0 does.
   */
  private process(batch: Message[]): void {
    // Consecutive records mostly share a partition: its task is looked up once per run of them.
    let last: Message | null = null
    let sub: Subtopology | undefined
    let task: StreamTask | undefined
    for (const m of batch) {
      if (last === null || m.partition !== last.partition || m.topic !== last.topic) {
        sub = this.topicToSub.get(m.topic)
        task = sub === undefined ? undefined : this.tasks.get(`${sub.id}_${m.partition}`)
        last = m
      }
      if (task === undefined) continue
      if (sub!.sourceTopics.length === 1 && !this.buffers.has(task)) {
        this.processOne(task, m)
        continue
      }
      let parts = this.buffers.get(task)
      if (parts === undefined) this.buffers.set(task, (parts = new Map()))
      const k = `${m.topic}\u0000${m.partition}`
      const q = parts.get(k)
      if (q === undefined) parts.set(k, [m])
      else q.push(m)
    }
    this.drainBuffers()
  }

  private readonly buffers = new Map<StreamTask, Map<string, Message[]>>()
  private readonly idleSince = new Map<StreamTask, number>()

  private drainBuffers(): void {
    if (this.buffers.size === 0) return
    let lag: Map<string, number> | null = null
    for (const [task, parts] of this.buffers) {
      const own = task.inputTopics().map((t) => `${t}\u0000${task.partition}`).filter((k) => this.assigned.has(k))
      for (;;) {
        const empty = own.filter((k) => (parts.get(k)?.length ?? 0) === 0)
        if (empty.length === own.length) break
        if (empty.length > 0) {
          lag ??= new Map(this.consumer!.metrics().partitions.map((p) => [`${p.topic}\u0000${p.partition}`, p.lag]))
          const waiting = empty.some((k) => (lag!.get(k) ?? -1) !== 0)
          const since = this.idleSince.get(task) ?? Date.now()
          this.idleSince.set(task, since)
          if (waiting && Date.now() - since < (this.config.maxTaskIdleMs ?? 500)) break
        } else {
          this.idleSince.delete(task)
        }
        let best: Message[] | null = null
        for (const k of own) {
          const q = parts.get(k)
          if (q !== undefined && q.length > 0 && (best === null || q[0]!.timestamp < best[0]!.timestamp)) best = q
        }
        this.processOne(task, best!.shift()!)
      }
    }
  }

  private processOne(task: StreamTask, m: Message): void {
    // A consumer Message has the fields of a RawRecord: no copy per record.
    task.process(m)
    task.punctuateStreamTime()
    this.processed++
  }

  private async maybeCommit(): Promise<void> {
    let requested = false
    for (const t of this.tasks.values()) requested ||= t.commitRequested
    if (!requested && Date.now() - this.lastCommit < this.commitIntervalMs) return
    await this.commit()
  }

  /** Changelogs, output and offsets: durable together (exactly-once: one transaction). */
  private async commit(): Promise<void> {
    const producer = this.producer!
    const consumer = this.consumer!
    await this.ensureTxn()
    for (const t of this.tasks.values()) {
      t.flushCaches()
      t.flushChangelogs()
      t.commitRequested = false
    }
    this.collector!.flush()
    const offsets = [...this.tasks.values()].flatMap((t) => [...t.consumed.values()])
    if (this.eos) {
      if (this.inTxn) {
        // The offsets' round trips (AddOffsetsToTxn, TxnOffsetCommit) overlap the records' flush;
        // a record that failed (handler 'fail') throws here, before EndTxn, and the transaction aborts.
        if (offsets.length > 0) await Promise.all([producer.sendOffsets(consumer.groupMetadata(), offsets), producer.flush()])
        await new Promise((res) => setImmediate(res))
        this.collector!.check()
        const partitions = offsets.length > 0 ? producer.transactionPartitions() : []
        await producer.commitTransaction()
        this.collector!.check()
        this.inTxn = false
        this.txnPartitions = partitions
      }
      for (const t of this.tasks.values()) t.flushStores()
    } else {
      await producer.flush()
      this.collector!.check()
      for (const t of this.tasks.values()) t.flushStores()
      if (offsets.length > 0) await consumer.commit(offsets)
      for (const t of this.tasks.values()) this.checkpoint(t, false)
    }
    for (const t of this.tasks.values()) {
      t.consumed.clear()
      for (const name of this.loggedStores(t)) {
        const acked = this.collector!.changelogOffsets.get(`${this.changelogTopic(name)}\u0000${t.partition}`)
        if (acked !== undefined && acked + 1 > (t.changelogPositions.get(name) ?? -1)) t.changelogPositions.set(name, acked + 1)
      }
    }
    for (const t of this.standbys.tasks.values()) {
      t.flushStores()
      this.writePositions(t)
    }
    this.lastCommit = Date.now()
    this.commits++
  }

  /** Checkpoints a standby's persistent stores at their positions (their content is the changelog's up to there). */
  private writePositions(task: StreamTask): void {
    const offsets = new Map<string, number>()
    for (const name of this.loggedStores(task)) {
      const pos = task.changelogPositions.get(name)
      if (task.stores.get(name)!.persistent && pos !== undefined) offsets.set(cpKey({ topic: this.changelogTopic(name), partition: task.partition }), pos)
    }
    if (offsets.size > 0) writeCheckpoint(task.taskDir, offsets)
  }

  /** Checkpoints persistent logged stores: always at a clean close, after each commit under at_least_once. */
  private checkpoint(task: StreamTask, closing: boolean): void {
    if (this.eos && !closing) return
    const offsets = new Map<string, number>()
    for (const [name, store] of task.stores) {
      if (!store.persistent || !this.topology.stores.get(name)!.logged) continue
      const tp = { topic: this.changelogTopic(name), partition: task.partition }
      const acked = this.collector!.changelogOffsets.get(`${tp.topic}\u0000${tp.partition}`)
      const prev = readCheckpoint(task.taskDir).get(cpKey(tp))
      const next = acked === undefined ? prev : acked + 1
      if (next !== undefined) offsets.set(cpKey(tp), next)
    }
    if (offsets.size > 0) writeCheckpoint(task.taskDir, offsets)
  }

  /**
   * The stores named `name` of this instance's tasks (interactive queries: read them directly);
   * `includeStandby` adds its standby tasks' copies (Kafka's enableStaleStores: they may lag).
   */
  localStores<S extends StateStore = StateStore>(name: string, opts: { includeStandby?: boolean } = {}): S[] {
    const global = this.globalStores.get(name)
    if (global !== undefined) return [global as S]
    const tasks = [...this.tasks.values(), ...(opts.includeStandby === true ? this.standbys.tasks.values() : [])]
    return tasks.map((t) => t.stores.get(name)).filter((s) => s !== undefined) as unknown as S[]
  }

  /** Task ids this instance runs now. */
  activeTasks(): string[] {
    return [...this.tasks.keys()].sort()
  }

  /** Task ids this instance keeps standby copies of. */
  standbyTasks(): string[] {
    return [...this.standbys.tasks.keys()].sort()
  }

  /** Changelog records applied to standby stores so far. */
  get standbyRecordsApplied(): number {
    return this.standbys.applied
  }

  /** Every instance of the application that has an `applicationServer`, with its stores and partitions (as of the last rebalance). */
  metadataForAllStreamsClients(): StreamsMetadata[] {
    return this.metadata.all()
  }

  /** The instances holding store `name` (active or standby). */
  streamsMetadataForStore(name: string): StreamsMetadata[] {
    return this.metadata.forStore(name)
  }

  /** Which instance holds `key` in store `name` (its active host and standby hosts), found from the key's partition. */
  queryMetadataForKey<K>(name: string, key: K, keySerde: Serde<K>): KeyQueryMetadata {
    return this.metadata.forKey(name, key, keySerde, this.self)
  }

  private async fail(err: Error): Promise<void> {
    if (this.stateNow === 'ERROR' || this.stateNow === 'PENDING_ERROR' || this.stateNow === 'NOT_RUNNING') return
    this.setState('PENDING_ERROR')
    this.stopping = true
    this.errorHandler?.(err)
    if (this.inTxn) await this.producer?.abortTransaction().catch(() => {})
    // at_least_once: what was sent before the failure (dead letters among it) still goes out.
    else if (!this.eos) await Promise.resolve().then(() => this.collector?.flush()).then(() => this.producer?.flush()).catch(() => {})
    this.inTxn = false
    this.closeTasks(false)
    await this.shutdownClients()
    this.setState('ERROR')
  }

  private async shutdownClients(): Promise<void> {
    await Promise.allSettled([this.consumer?.close(), this.globalConsumer?.close(), this.standbys.close()])
    await Promise.allSettled([this.producer?.close(), this.admin?.close()])
    for (const t of this.globalTasks) t.close()
  }

  /** Commits, closes tasks (checkpointing persistent stores), leaves the group and closes clients. */
  async close(): Promise<void> {
    if (this.stateNow === 'NOT_RUNNING' || this.stateNow === 'ERROR') return
    if (this.stateNow === 'CREATED') {
      this.setState('PENDING_SHUTDOWN')
      this.setState('NOT_RUNNING')
      return
    }
    this.setState('PENDING_SHUTDOWN')
    this.stopping = true
    await this.loop
    await this.lock.run(async () => {
      if (this.tasks.size > 0) {
        try {
          await this.ensureTxn()
          await this.commit()
          this.closeTasks(true)
        } catch (err) {
          this.log(`commit at close failed: ${(err as Error).message}`)
          if (this.inTxn) await this.producer!.abortTransaction().catch(() => {})
          this.closeTasks(false)
        }
      }
      this.closeTasks(true)
      for (const t of this.standbys.tasks.values()) {
        t.flushStores()
        this.writePositions(t)
      }
    })
    await this.shutdownClients()
    this.setState('NOT_RUNNING')
  }
}
