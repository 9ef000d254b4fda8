// The partitions this broker hosts, on top of storage's LogManager. `applyDelta` is the only code
// that creates, deletes, makes leader or makes follower a partition: the metadata loader hands it
// every MetadataDelta (the first one builds everything from the empty image) before the new image
// becomes current. Listeners hear each batch of leadership changes (the coordinators load and
// unload their shards from it). Handlers look partitions up with `partition(topic, index)`.
import type { Logger } from 'pino'
import type { BrokerConfig } from '../config/broker-config.ts'
import { effectiveTopicConfig, logConfigOf, parseTopicOverrides } from '../config/index.ts'
import type { MetadataDelta } from '../cluster/metadata-delta.ts'
import type { PartitionState, TopicImage } from '../cluster/metadata-image.ts'
import { Partition } from './partition.ts'
import type { IsrChangeSink, PartitionEvents, PartitionSettings, ReplicaLog } from './partition.ts'
import type { LogConfig } from '../../storage/index.ts'
import type { ReplicaFetcherManager } from './replica-fetcher-manager.ts'
import type { HighWatermarkCheckpoint } from './hw-checkpoint.ts'
import { Purgatory, timerQueueClock } from './purgatory.ts'
import type { TimerQueue } from '../coordinator/timer-queue.ts'
import { awaitReplication } from './delayed-produce.ts'
import { schemaValidation } from '../api/schema-ids.ts'
import { replicaSelectorFor } from './replica-selector.ts'
import type { ReplicaSelector } from './replica-selector.ts'

/** Partition logs opened at once while applying a delta. */
const OPEN_CONCURRENCY = 8

/** What the replica manager uses of storage's LogManager (the simulation's in-memory logs: tools/sim/). */
export interface ReplicaLogs {
  get(topic: string, partition: number): ReplicaLog | undefined
  getOrCreate(topic: string, partition: number, config: LogConfig): Promise<ReplicaLog>
  delete(topic: string, partition: number): Promise<void>
  updateConfig(topic: string, config: LogConfig): void
}

export interface ReplicaManagerOptions {
  readonly config: BrokerConfig
  /** The open LogManager (the broker closes it after the replica manager). */
  readonly logs: ReplicaLogs
  readonly log: Logger
  /** The broker's timer queue (deadlines of delayed operations); default: the monotonic clock. */
  readonly timers?: TimerQueue
  /** Cluster mode: where leaders propose ISR changes (alter-partition.ts). */
  readonly isr?: IsrChangeSink
  /** Cluster mode: the follower fetchers (the broker closes them). */
  readonly fetchers?: ReplicaFetcherManager
  /** Cluster mode: where high watermarks are checkpointed (read at start-up, written periodically). */
  readonly highWatermarks?: HighWatermarkCheckpoint
}

const HW_CHECKPOINT_TIMER = 'replica:hw-checkpoint'

const ISR_EXPIRATION_TIMER = 'replica:isr-expiration'

/** One partition's change of role on this broker, as applied by applyDelta. */
export interface LeadershipChange {
  readonly topic: string
  readonly partition: number
  /** 'leader' / 'follower': the role now held; 'removed': no longer hosted here (deleted or moved). */
  readonly role: 'leader' | 'follower' | 'removed'
  readonly leaderEpoch: number
  /** The hosted partition (absent once removed). */
  readonly replica?: Partition
}

/** Hears the leadership changes of each applied delta, after the partitions are ready. */
export type LeadershipListener = (changes: readonly LeadershipChange[]) => void | Promise<void>

export class ReplicaManager {
  readonly logs: ReplicaLogs
  /** Delayed fetches waiting for data (woken by appends that move a high watermark). */
  readonly fetchPurgatory: Purgatory
  /** acks=all produces waiting for the high watermark to cover them (see delayed-produce.ts). */
  readonly producePurgatory: Purgatory
  private readonly byTopic = new Map<string, Partition[]>()
  private readonly config: BrokerConfig
  private readonly nodeId: number
  private readonly log: Logger
  private readonly listeners: LeadershipListener[] = []
  private readonly hwListeners: ((partition: Partition) => void)[] = []
  private closed = false
  private readonly isrSink: IsrChangeSink | undefined
  private readonly fetchers: ReplicaFetcherManager | undefined
  private readonly timers: TimerQueue | undefined
  private readonly highWatermarks: HighWatermarkCheckpoint | undefined
  /** replica.selector.class (KIP-392): the replica consumers are pointed at (undefined: the leader). */
  readonly replicaSelector: ReplicaSelector | undefined

  constructor(opts: ReplicaManagerOptions) {
    this.highWatermarks = opts.highWatermarks
    this.isrSink = opts.isr
    this.fetchers = opts.fetchers
    this.timers = opts.timers
    this.logs = opts.logs
    this.config = opts.config
    this.nodeId = opts.config.nodeId
    this.log = opts.log
    const selector = opts.config.get('replica.selector.class')
    this.replicaSelector = replicaSelectorFor(typeof selector === 'string' ? selector : null)
    this.fetchPurgatory = new Purgatory(opts.timers ? timerQueueClock(opts.timers, 'fetch') : undefined)
    this.producePurgatory = new Purgatory(opts.timers ? timerQueueClock(opts.timers, 'produce') : undefined)
    this.scheduleIsrExpiration()
    this.scheduleHwCheckpoint()
  }

  private scheduleHwCheckpoint(): void {
    if (!this.highWatermarks || !this.timers || this.closed) return
    this.timers.schedule(HW_CHECKPOINT_TIMER, this.config.int('replica.high.watermark.checkpoint.interval.ms'), () => {
      this.checkpointHighWatermarks().catch((err: unknown) => this.log.warn({ err }, 'high watermark checkpoint failed'))
      this.scheduleHwCheckpoint()
    })
  }

  /** Writes every hosted partition's HW (cluster mode; a no-op otherwise). */
  checkpointHighWatermarks(): Promise<void> {
    const hw = this.highWatermarks
    if (!hw) return Promise.resolve()
    const entries: { topic: string, partition: number, hw: number }[] = []
    for (const list of this.byTopic.values()) for (const p of list) if (p) entries.push({ topic: p.topic, partition: p.index, hw: p.highWatermark })
    return hw.write(entries)
  }

  /** Kafka's isr-expiration task: every half replica.lag.time.max.ms, leaders drop lagging followers. */
  private scheduleIsrExpiration(): void {
    const sink = this.isrSink
    if (!sink || !this.timers || this.closed) return
    this.timers.schedule(ISR_EXPIRATION_TIMER, Math.max(1, Math.floor(sink.lagTimeMaxMs / 2)), () => {
      for (const list of this.byTopic.values()) for (const p of list) if (p?.isLeader) p.maybeShrinkIsr()
      this.scheduleIsrExpiration()
    })
  }

  /** The hosted partition, or undefined (UNKNOWN_TOPIC_OR_PARTITION). */
  partition(topic: string, index: number): Partition | undefined {
    return this.byTopic.get(topic)?.[index]
  }

  /** All hosted partitions of a topic (index order). */
  partitions(topic: string): readonly Partition[] {
    return this.byTopic.get(topic) ?? []
  }

  /** Every hosted partition (metrics). */
  *allPartitions(): IterableIterator<Partition> {
    for (const parts of this.byTopic.values()) for (const p of parts) if (p) yield p
  }

  /** Adds a listener for leadership changes (called in registration order, awaited). */
  onLeadershipChange(listener: LeadershipListener): void {
    this.listeners.push(listener)
  }

  /** Adds a listener told (synchronously) whenever a hosted partition's high watermark moves. */
  onHighWatermarkChange(listener: (partition: Partition) => void): void {
    this.hwListeners.push(listener)
  }

  /**
   * Brings the hosted partitions in line with a delta: deleted topics' partitions go (logs too),
   * partitions assigned here are opened (created on disk when missing) and take the role and epoch
   * the image gives them, partitions moved elsewhere are removed, config changes reach the logs.
   * Every change is attempted; the first failure is thrown at the end.
   */
  async applyDelta(delta: MetadataDelta): Promise<void> {
    if (this.closed) return
    this.fetchers?.setImage(delta.image)
    const changes: LeadershipChange[] = []
    let failure: unknown
    const attempt = async (fn: () => Promise<void>): Promise<void> => {
      try {
        await fn()
      } catch (err) {
        failure ??= err
      }
    }
    for (const change of delta.topicChanges) {
      const { before, after } = change
      if (!after) {
        if (before) await attempt(() => this.removeTopic(before, changes))
        continue
      }
      await attempt(async () => {
        let created = false
        // Logs open a few at a time (each may create a directory and files).
        const indexes = [...change.changedPartitions]
        const worker = async (): Promise<void> => {
          for (let i = indexes.shift(); i !== undefined; i = indexes.shift()) {
            if (await this.applyState(after, after.states[i]!, changes)) created = true
          }
        }
        const results = await Promise.allSettled(Array.from({ length: Math.min(OPEN_CONCURRENCY, indexes.length) }, worker))
        // New logs start from storage's start-up defaults; this also brings in dynamic broker defaults.
        if (created || change.configsChanged) this.updateConfig(after.name, after.configs)
        for (const r of results) if (r.status === 'rejected') throw r.reason
      })
    }
    // Stable: a removal still precedes the re-creation of the same partition.
    changes.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    for (const l of this.listeners) {
      await attempt(async () => { await l(changes) })
    }
    if (failure !== undefined) throw failure
  }

  /** Returns true when it created a log on disk. */
  private async applyState(topic: TopicImage, state: PartitionState, changes: LeadershipChange[]): Promise<boolean> {
    let p = this.byTopic.get(topic.name)?.[state.partition]
    if (!state.replicas.includes(this.nodeId)) {
      if (p) await this.removePartition(p, changes)
      return false
    }
    let created = false
    if (!p) {
      created = this.logs.get(topic.name, state.partition) === undefined
      const log = await this.logs.getOrCreate(topic.name, state.partition, logConfigOf(this.config, topic.configs))
      if (this.closed) return created
      let list = this.byTopic.get(topic.name)
      if (!list) this.byTopic.set(topic.name, (list = []))
      p = list[state.partition] ??= new Partition(topic.name, state.partition, topic.topicId, log, this.nodeId, this.settingsFor(topic.configs), this.events, this.isrSink,
        this.highWatermarks?.recorded(topic.name, state.partition))
    }
    p.topicId = topic.topicId
    const wasLeader = p.isLeader
    const epoch = p.leaderEpoch
    const leader = p.leaderId
    if (state.leader === this.nodeId) {
      this.fetchers?.unfollow(p)
      await p.makeLeader(state)
    } else {
      p.makeFollower(state)
      // A new leader or epoch: truncate against it, then fetch (no leader: wait for one).
      if (state.leader < 0) this.fetchers?.unfollow(p)
      else this.fetchers?.follow(p, state.leader, state.leaderEpoch, wasLeader || epoch !== state.leaderEpoch || leader !== state.leader || !p.announced)
    }
    if (p.isLeader !== wasLeader || p.leaderEpoch !== epoch || !p.announced) {
      p.announced = true
      // A new leader epoch: fetches parked on the old role answer now and re-read.
      if (!p.isLeader) this.completeWaiting(p)
      changes.push({ topic: topic.name, partition: state.partition, role: p.isLeader ? 'leader' : 'follower', leaderEpoch: p.leaderEpoch, replica: p })
    }
    return created
  }

  private async removePartition(p: Partition, changes: LeadershipChange[]): Promise<void> {
    const list = this.byTopic.get(p.topic)
    if (list?.[p.index] !== p) return
    delete list[p.index]
    if (!list.some((x) => x !== undefined)) this.byTopic.delete(p.topic)
    this.fetchers?.unfollow(p)
    this.completeWaiting(p)
    changes.push({ topic: p.topic, partition: p.index, role: 'removed', leaderEpoch: p.leaderEpoch })
    await this.logs.delete(p.topic, p.index)
  }

  /** Deletes every partition of a deleted topic (logs and directories); waiting fetches answer first. */
  private async removeTopic(topic: TopicImage, changes: LeadershipChange[]): Promise<void> {
    const list = this.byTopic.get(topic.name)
    if (!list || list.every((p) => p === undefined || p.topicId !== topic.topicId)) return
    this.byTopic.delete(topic.name)
    for (const p of list) if (p) this.fetchers?.unfollow(p)
    for (const p of list) if (p) this.completeWaiting(p)
    for (const p of list) {
      if (!p) continue
      changes.push({ topic: p.topic, partition: p.index, role: 'removed', leaderEpoch: p.leaderEpoch })
      await this.logs.delete(topic.name, p.index)
    }
    this.log.info({ topic: topic.name, partitions: list.length }, 'deleted partition logs')
  }

  /** Applies a topic's config overrides (the full set, Kafka names) to its open partitions. */
  updateConfig(topic: string, rawConfig: Readonly<Record<string, string>>): void {
    this.logs.updateConfig(topic, logConfigOf(this.config, rawConfig))
    const settings = this.settingsFor(rawConfig)
    for (const p of this.partitions(topic)) if (p) p.settings = settings
  }

  /** A broker-level default changed: every hosted topic's effective config may have changed. */
  brokerDefaultsChanged(configsOf: (topic: string) => Readonly<Record<string, string>> | undefined): void {
    for (const topic of this.byTopic.keys()) this.updateConfig(topic, configsOf(topic) ?? {})
  }

  /** Answers waiting fetches; the broker closes the LogManager afterwards. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.timers?.cancel(ISR_EXPIRATION_TIMER)
    this.timers?.cancel(HW_CHECKPOINT_TIMER)
    this.fetchPurgatory.close()
    this.producePurgatory.close()
  }

  /**
   * acks=all: resolves true once the partition's HW reaches `requiredOffset` while it still leads in
   * `leaderEpoch` (default: the current one), false on timeout or loss of that leadership.
   */
  awaitReplication(partition: Partition, requiredOffset: number, timeoutMs: number, leaderEpoch?: number): Promise<boolean> {
    return awaitReplication(this.producePurgatory, partition, requiredOffset, timeoutMs, leaderEpoch)
  }

  private settingsFor(rawConfig: Readonly<Record<string, string>>): PartitionSettings {
    const eff = effectiveTopicConfig(this.config, parseTopicOverrides(rawConfig))
    return {
      minInsyncReplicas: Number(eff.get('min.insync.replicas') ?? 1),
      downConversion: eff.get('message.downconversion.enable') !== false,
      compacted: ((eff.get('cleanup.policy') ?? []) as readonly string[]).includes('compact'),
      schemaValidation: schemaValidation(eff),
    }
  }

  /** Answers every operation waiting on `p` (it goes away or stops leading). */
  private completeWaiting(p: Partition): void {
    this.fetchPurgatory.completeAll(p)
    this.producePurgatory.completeAll(p)
  }

  private readonly events: PartitionEvents = {
    onHighWatermark: (partition: Partition, newBytes: number): void => {
      this.fetchPurgatory.notify(partition, newBytes)
      this.producePurgatory.notify(partition, newBytes)
      for (const l of this.hwListeners) l(partition)
    },
    // Replica fetches read up to the log end: appends wake them.
    onLogAppend: (partition: Partition, newBytes: number): void => {
      this.fetchPurgatory.notify(partition, newBytes)
    },
  }
}
