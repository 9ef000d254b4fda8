// The group coordinator inside a broker: __consumer_offsets is an ordinary compacted topic
// (created on first use by the topic service with Kafka's settings), written through the replica
// manager's coordinator append and replayed at start-up. Timers live in the broker's one timer
// queue (ctx.timers, driven by one real timer in broker.ts). Single node: this broker coordinates every partition of the topic.
import { ErrorCode } from '../../../protocol/errors.ts'
import { buildRecordBatch } from '../../../protocol/records/index.ts'
import type { BrokerContext } from '../../context.ts'
import { CONSUMER_OFFSETS_TOPIC } from '../../cluster/topic-names.ts'
import type { CoordinatorService } from '../coordinators.ts'
import type { TimerQueue } from '../timer-queue.ts'
import { GroupCoordinator } from './group-coordinator.ts'
import { groupConfigFrom } from './group-config.ts'
import { decodeGroupRecord, encodeGroupRecord } from './records.ts'
import type { GroupRecord } from './records.ts'
import { pendingTxnOffsetsOf } from '../txn/pending-offsets.ts'
import { replayPartition } from '../replay-partition.ts'

function appendError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code })
}

export class GroupCoordinatorService implements CoordinatorService {
  readonly keyType = 0
  readonly coordinator: GroupCoordinator
  private readonly timers: TimerQueue
  private topicReady: Promise<void> | null = null
  private loaded: Promise<void> | null = null
  private started = false

  constructor(private readonly ctx: BrokerContext) {
    const base = groupConfigFrom(ctx.config)
    // The partition count of an existing topic wins over the config (it is fixed once created).
    const existing = ctx.metadata.topic(CONSUMER_OFFSETS_TOPIC)
    const config = existing ? { ...base, offsetsTopicPartitions: existing.partitions } : base
    // The broker's one timer queue (broker.ts drives it).
    this.timers = ctx.timers
    this.coordinator = new GroupCoordinator({
      config,
      timers: this.timers,
      append: (partition, records) => this.append(partition, records),
      partitionExists: (topic, partition) => {
        const t = ctx.metadata.topic(topic)
        return t !== undefined && Number.isInteger(partition) && partition >= 0 && partition < t.partitions
      },
      onError: (err, what) => ctx.log.warn({ err }, `group coordinator: ${what}`),
    })
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.coordinator.startRetention()
    if (this.ctx.metadata.topic(CONSUMER_OFFSETS_TOPIC)) {
      this.topicReady = Promise.resolve()
      this.loaded = this.loadAll()
    }
    // The topic service tells us about deletions as they happen (a re-create of the name waits for
    // the cleanup); topics deleted while the broker was down are found once loading is done. The
    // periodic retention check also drops offsets of partitions that no longer exist.
    this.ctx.topics.onTopicDeleted((topic) => this.coordinator.onTopicsDeleted([topic.name]))
    void this.whenLoaded().then(() => this.dropOffsetsOfMissingTopics())
  }

  private dropOffsetsOfMissingTopics(): Promise<void> {
    const gone = [...this.coordinator.offsets.topics()].filter((name) => !this.ctx.metadata.topic(name))
    if (gone.length === 0) return Promise.resolve()
    return this.coordinator.onTopicsDeleted(gone).catch((err: unknown) => this.ctx.log.warn({ err }, 'removing offsets of deleted topics'))
  }

  async locate(_key: string): Promise<number> {
    try {
      await this.ensureTopic()
      return ErrorCode.NONE
    } catch (err) {
      this.ctx.log.warn({ err }, 'cannot create __consumer_offsets')
      return ErrorCode.COORDINATOR_NOT_AVAILABLE
    }
  }

  /** Resolves once every partition of __consumer_offsets present at start-up has been replayed. */
  whenLoaded(): Promise<void> {
    return this.loaded ?? Promise.resolve()
  }

  private ensureTopic(): Promise<void> {
    this.topicReady ??= (async () => {
      const topic = await this.ctx.topics.ensureInternalTopic(CONSUMER_OFFSETS_TOPIC)
      if (topic.partitions !== this.coordinator.config.offsetsTopicPartitions) {
        throw new Error(`__consumer_offsets has ${topic.partitions} partitions, expected ${this.coordinator.config.offsetsTopicPartitions}`)
      }
    })()
    this.topicReady.catch(() => { this.topicReady = null })
    return this.topicReady
  }

  private async append(partition: number, records: readonly GroupRecord[]): Promise<void> {
    await this.ensureTopic()
    const p = this.ctx.replicas.partition(CONSUMER_OFFSETS_TOPIC, partition)
    if (!p) throw appendError(`__consumer_offsets-${partition} is not hosted here`, 'NOT_LEADER_OR_FOLLOWER')
    const now = this.ctx.clock.now()
    const batch = buildRecordBatch({
      baseTimestamp: now,
      compression: this.ctx.config.int('offsets.topic.compression.codec'),
      records: records.map((r) => {
        const e = encodeGroupRecord(r)
        return { key: e.key, value: e.value, timestamp: now }
      }),
    })
    await p.appendAsCoordinator(batch)
  }

  private async loadAll(): Promise<void> {
    const n = this.coordinator.config.offsetsTopicPartitions
    for (let i = 0; i < n; i++) this.coordinator.beginLoad(i)
    const started = Date.now()
    let records = 0
    for (let i = 0; i < n; i++) {
      try {
        records += await this.loadPartition(i)
      } catch (err) {
        this.ctx.log.error({ err, partition: i }, 'loading __consumer_offsets partition failed; continuing with what was read')
      }
      this.coordinator.completeLoad(i)
    }
    this.ctx.log.info({ records, groups: this.coordinator.groupCount, ms: Date.now() - started }, 'group coordinator loaded __consumer_offsets')
  }

  /** Replays one partition from its start to the end it had when loading began. */
  private loadPartition(index: number): Promise<number> {
    const warn = (err: unknown) => this.ctx.log.warn({ err, partition: index }, 'skipping an unreadable __consumer_offsets record')
    return replayPartition(this.ctx, CONSUMER_OFFSETS_TOPIC, index, this.ctx.config.int('offsets.load.buffer.size'), (batch) => {
      // Transactional offsets stay pending until their producer's marker (coordinator/txn).
      if (batch.control || batch.transactional) {
        return pendingTxnOffsetsOf(this.ctx).replayBatch(index, batch, (rec) => this.coordinator.replay(rec), warn)
      }
      let count = 0
      for (const r of batch.records) {
        try {
          const rec = decodeGroupRecord(r.key, r.value)
          if (rec) {
            this.coordinator.replay(rec)
            count++
          }
        } catch (err) {
          warn(err)
        }
      }
      return count
    })
  }

  async close(): Promise<void> {
    this.coordinator.close()
    this.timers.clear()
  }
}

export function createGroupCoordinatorService(ctx: BrokerContext): GroupCoordinatorService {
  return new GroupCoordinatorService(ctx)
}
