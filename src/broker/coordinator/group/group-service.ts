// The group coordinator inside a broker: __consumer_offsets is an ordinary compacted topic
// (created on first use by the topic service with Kafka's settings). A CoordinatorRuntime owns its
// partitions: an election replays a partition into the coordinator, a resignation unloads it, and
// every append goes through the runtime (epoch-checked, answered once the high watermark covers
// it). Timers live in the broker's one timer queue (ctx.timers, driven by one real timer in
// broker.ts). Single node until the metadata image announces leadership: every partition is
// elected in epoch 0 when the topic exists (start-up or creation) and resigned at shutdown.
import { ErrorCode } from '../../../protocol/errors.ts'
import { buildRecordBatch } from '../../../protocol/records/index.ts'
import type { BrokerContext } from '../../context.ts'
import { CONSUMER_OFFSETS_TOPIC } from '../../cluster/topic-names.ts'
import type { CoordinatorService } from '../coordinators.ts'
import { COORDINATOR_KEY_TYPE_GROUP } from '../coordinator-key.ts'
import type { TimerQueue } from '../timer-queue.ts'
import { GroupCoordinator } from './group-coordinator.ts'
import { groupConfigFrom } from './group-config.ts'
import { decodeGroupRecord, encodeGroupRecord } from './records.ts'
import type { GroupRecord } from './records.ts'
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../../protocol/records/control-record.ts'
import { replayPartition } from '../replay-partition.ts'
import { CoordinatorRuntime } from '../runtime.ts'
import { replicaPartitionWriter } from '../partition-writer.ts'

export class GroupCoordinatorService implements CoordinatorService {
  readonly keyType = COORDINATOR_KEY_TYPE_GROUP
  readonly coordinator: GroupCoordinator
  readonly runtime: CoordinatorRuntime
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
      appendTransactional: (partition, producerId, producerEpoch, records) => this.appendTransactional(partition, producerId, producerEpoch, records),
      partitionExists: (topic, partition) => {
        const t = ctx.metadata.topic(topic)
        return t !== undefined && Number.isInteger(partition) && partition >= 0 && partition < t.partitions
      },
      topics: {
        byName: (name) => ctx.metadata.topic(name),
        names: function * () { for (const t of ctx.metadata.topics()) if (!t.internal) yield t.name },
        partitionRacks: (name, partition) => replicaRacks(ctx, name, partition),
        revision: () => ctx.metadata.image.revision,
      },
      authorizing: () => ctx.security.authorizer !== undefined,
      // Samsa, beyond Kafka: records a leaving or expired member acquired from share-partitions led
      // by this broker are available again at once (elsewhere their locks run out).
      onShareMemberRemoved: (groupId, memberId) => ctx.coordinators.share.partitions.memberLeft(groupId, memberId),
      onError: (err, what) => ctx.log.warn({ err }, `group coordinator: ${what}`),
    })
    let loadedRecords = 0
    this.runtime = new CoordinatorRuntime({
      topic: CONSUMER_OFFSETS_TOPIC,
      writer: replicaPartitionWriter(ctx, CONSUMER_OFFSETS_TOPIC),
      hooks: {
        beginLoad: (partition) => this.coordinator.beginLoad(partition),
        load: (partition) => this.loadPartition(partition),
        completeLoad: (partition) => this.coordinator.completeLoad(partition),
        unload: (partition) => this.coordinator.unloadPartition(partition),
      },
      onError: (err, what) => ctx.log.error({ err }, `group coordinator: ${what}`),
      onLoaded: (_partition, records) => { loadedRecords += records },
    })
    this.loadedRecords = () => loadedRecords
  }

  private readonly loadedRecords: () => number

  /**
   * The partitions this broker leads (every one on a single node) are elected in their leader
   * epoch; the others answer NOT_COORDINATOR until the replica manager reports leadership here.
   */
  private electAll(): Promise<void> {
    for (let i = 0; i < this.coordinator.config.offsetsTopicPartitions; i++) {
      const p = this.ctx.replicas.partition(CONSUMER_OFFSETS_TOPIC, i)
      if (p?.isLeader) this.runtime.onElection(i, p.leaderEpoch)
      else if (this.runtime.status(i) === undefined) this.coordinator.unloadPartition(i)
    }
    return this.runtime.whenAllLoaded()
  }

  partitionFor(key: string): number {
    return this.coordinator.partitionFor(key)
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.coordinator.startRetention()
    if (this.ctx.metadata.topic(CONSUMER_OFFSETS_TOPIC)) {
      this.topicReady = Promise.resolve()
      const started = Date.now()
      this.loaded = this.electAll().then(() => {
        this.ctx.log.info({ records: this.loadedRecords(), groups: this.coordinator.groupCount, ms: Date.now() - started },
          'group coordinator loaded __consumer_offsets')
      })
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
      // Created now (or found at start-up, already elected): an election of an elected epoch is a no-op.
      await this.electAll()
    })()
    this.topicReady.catch(() => { this.topicReady = null })
    return this.topicReady
  }

  private async append(partition: number, records: readonly GroupRecord[]): Promise<void> {
    await this.ensureTopic()
    const now = this.ctx.clock.now()
    const batch = buildRecordBatch({
      baseTimestamp: now,
      compression: this.ctx.config.int('offsets.topic.compression.codec'),
      records: records.map((r) => {
        const e = encodeGroupRecord(r)
        return { key: e.key, value: e.value, timestamp: now }
      }),
    })
    await this.runtime.write(partition, batch)
  }

  private async appendTransactional(partition: number, producerId: number, producerEpoch: number, records: readonly GroupRecord[]): Promise<void> {
    await this.ensureTopic()
    const now = this.ctx.clock.now()
    await this.runtime.write(partition, buildRecordBatch({
      producerId, producerEpoch, transactional: true, baseTimestamp: now,
      records: records.map((r) => ({ ...encodeGroupRecord(r), timestamp: now })),
    }))
  }

  /**
   * Kafka's scheduleTransactionCompletion: the producer's marker, carrying the transaction
   * coordinator's epoch, is written to `partition` through the runtime, then replayed in the shard
   * (its pending offsets applied or dropped) in log order, as a restart's load would.
   */
  async completeTransaction(partition: number, producerId: number, producerEpoch: number, coordinatorEpoch: number, commit: boolean): Promise<void> {
    await this.whenLoaded()
    const marker = buildEndTxnMarkerBatch({
      type: commit ? ControlRecordType.Commit : ControlRecordType.Abort,
      producerId, producerEpoch, coordinatorEpoch, timestamp: this.ctx.clock.now(),
    })
    await this.runtime.write(partition, marker)
    this.coordinator.replayEndTxnMarker(partition, producerId, commit)
  }

  /** Replays one partition from its start to the end it had when loading began. */
  private loadPartition(index: number): Promise<number> {
    const warn = (err: unknown) => this.ctx.log.warn({ err, partition: index }, 'skipping an unreadable __consumer_offsets record')
    return replayPartition(this.ctx, CONSUMER_OFFSETS_TOPIC, index, this.ctx.config.int('offsets.load.buffer.size'), (batch) => {
      // Transactional offsets stay pending until their producer's marker (coordinator/txn).
      if (batch.control || batch.transactional) {
        return this.coordinator.replayTxnBatch(index, batch, warn)
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
    this.runtime.close()
    this.coordinator.close()
    this.timers.clear()
  }
}


/** Racks of the brokers holding a partition's replicas (the registered brokers; this node's own `broker.rack` when single). */
function replicaRacks(ctx: BrokerContext, topic: string, partition: number): string[] {
  const replicas = ctx.metadata.topic(topic)?.states[partition]?.replicas ?? []
  const brokers = ctx.metadata.image.brokers
  const own = ctx.config.get('broker.rack')
  const out: string[] = []
  for (const id of replicas) {
    const rack = brokers.get(id)?.rack ?? (id === ctx.nodeId && typeof own === 'string' && own !== '' ? own : null)
    if (rack !== null && !out.includes(rack)) out.push(rack)
  }
  return out
}
