// The share coordinator inside a broker: __share_group_state is a compacted internal topic
// (created on first use with share.coordinator.state.topic.* settings); a CoordinatorRuntime owns
// its partitions (an election replays one, a resignation forgets it; every append is
// epoch-checked and answered once the high watermark covers it). It is the persister of the
// share-partitions this broker leads (share-partition-manager.ts): their state is read from and
// written to here, in-process (Kafka's Read/WriteShareGroupState RPCs are not served: the leader of
// a share-partition must also lead its __share_group_state partition — always so on one node).
import { ErrorCode } from '../../../protocol/errors.ts'
import { buildRecordBatch } from '../../../protocol/records/index.ts'
import type { BrokerContext } from '../../context.ts'
import { SHARE_GROUP_STATE_TOPIC } from '../../cluster/topic-names.ts'
import type { CoordinatorService } from '../coordinators.ts'
import { COORDINATOR_KEY_TYPE_SHARE } from '../coordinator-key.ts'
import { replayPartition } from '../replay-partition.ts'
import { CoordinatorRuntime, notCoordinatorError } from '../runtime.ts'
import { replicaPartitionWriter } from '../partition-writer.ts'
import { ShareCoordinator } from './share-coordinator.ts'
import { decodeShareRecord, encodeShareRecord } from './share-records.ts'
import type { ShareKey, ShareStateRecord } from './share-records.ts'
import type { PersistedShareState, SharePersister } from '../../share/share-partition-manager.ts'
import { SharePartitionManager } from '../../share/share-partition-manager.ts'
import { shareGroupSettings } from '../../share/share-group-settings.ts'

export class ShareCoordinatorService implements CoordinatorService, SharePersister {
  readonly keyType = COORDINATOR_KEY_TYPE_SHARE
  readonly coordinator: ShareCoordinator
  readonly runtime: CoordinatorRuntime
  readonly partitions: SharePartitionManager
  private topicReady: Promise<void> | null = null
  private loaded: Promise<void> | null = null
  private started = false

  constructor(private readonly ctx: BrokerContext) {
    const existing = ctx.metadata.topic(SHARE_GROUP_STATE_TOPIC)
    this.coordinator = new ShareCoordinator(
      existing?.partitions ?? ctx.config.int('share.coordinator.state.topic.num.partitions'),
      Math.max(1, ctx.config.int('share.coordinator.snapshot.update.records.per.snapshot')),
    )
    this.runtime = new CoordinatorRuntime({
      topic: SHARE_GROUP_STATE_TOPIC,
      writer: replicaPartitionWriter(ctx, SHARE_GROUP_STATE_TOPIC),
      hooks: {
        beginLoad: () => {},
        load: (partition) => this.loadPartition(partition),
        completeLoad: () => {},
        unload: (partition) => this.coordinator.unload(partition),
      },
      onError: (err, what) => ctx.log.error({ err }, `share coordinator: ${what}`),
    })
    this.partitions = new SharePartitionManager({
      timers: ctx.timers,
      persister: this,
      settings: (groupId) => shareGroupSettings(ctx, groupId),
      maxRecordLocks: ctx.config.int('group.share.partition.max.record.locks'),
      maxSessions: ctx.config.int('group.share.max.share.sessions'),
      onError: (err, what) => ctx.log.warn({ err }, `share-partition: ${what}`),
    })
  }

  partitionFor(key: string): number {
    return this.coordinator.partitionFor(parseKey(key))
  }

  start(): void {
    if (this.started) return
    this.started = true
    // A share-partition's leader drops it when leadership moves; a new leader reloads it.
    this.ctx.replicas.onLeadershipChange((changes) => {
      for (const c of changes) {
        if (c.role === 'leader') continue
        const topicId = this.ctx.metadata.topic(c.topic)?.topicId
        this.partitions.forget((_g, t, p) => (topicId === undefined || t === topicId) && p === c.partition)
      }
    })
    this.ctx.replicas.onHighWatermarkChange(() => this.partitions.wake())
    // A deleted topic's share-partition state goes with it (tombstones), as Kafka's DeletingTopics does.
    this.ctx.topics.onTopicDeleted((topic) => this.forgetTopic(topic.topicId))
    if (this.ctx.metadata.topic(SHARE_GROUP_STATE_TOPIC)) {
      this.topicReady = Promise.resolve()
      this.loaded = this.electAll()
    }
  }

  /** Resolves once every partition present at start-up has been replayed. */
  whenLoaded(): Promise<void> {
    return this.loaded ?? Promise.resolve()
  }

  async locate(_key: string): Promise<number> {
    try {
      await this.ensureTopic()
      return ErrorCode.NONE
    } catch (err) {
      this.ctx.log.warn({ err }, 'cannot create __share_group_state')
      return ErrorCode.COORDINATOR_NOT_AVAILABLE
    }
  }

  private electAll(): Promise<void> {
    for (let i = 0; i < this.coordinator.partitions; i++) {
      const p = this.ctx.replicas.partition(SHARE_GROUP_STATE_TOPIC, i)
      if (p?.isLeader) this.runtime.onElection(i, p.leaderEpoch)
    }
    return this.runtime.whenAllLoaded()
  }

  private ensureTopic(): Promise<void> {
    this.topicReady ??= (async () => {
      await this.ctx.topics.ensureInternalTopic(SHARE_GROUP_STATE_TOPIC)
      await this.electAll()
    })()
    this.topicReady.catch(() => { this.topicReady = null })
    return this.topicReady
  }

  /** The state of a share-partition, or null when it was never initialized (or was deleted). */
  async read(groupId: string, topicId: string, partition: number): Promise<PersistedShareState | null> {
    const key = { groupId, topicId, partition }
    await this.ready(key)
    const s = this.coordinator.get(key)
    return s ? { startOffset: s.startOffset, stateEpoch: s.stateEpoch, leaderEpoch: s.leaderEpoch, batches: s.batches, deliveryCompleteCount: s.deliveryCompleteCount } : null
  }

  async write(groupId: string, topicId: string, partition: number, state: PersistedShareState): Promise<void> {
    const key = { groupId, topicId, partition }
    await this.ready(key)
    await this.append(key, [this.coordinator.recordFor(key, state, this.ctx.clock.now())])
  }

  /** AlterShareGroupOffsets: a fresh state at `startOffset` in a new state epoch. */
  async reset(key: ShareKey, startOffset: number): Promise<void> {
    await this.ready(key)
    const cur = this.coordinator.get(key)
    await this.append(key, [this.coordinator.recordFor(key, {
      startOffset, stateEpoch: (cur?.stateEpoch ?? 0) + 1, leaderEpoch: cur?.leaderEpoch ?? -1, batches: [], deliveryCompleteCount: 0,
    }, this.ctx.clock.now())])
  }

  /** DeleteShareGroupOffsets / DeleteGroups: the share-partition's state is gone (tombstones). */
  async delete(key: ShareKey): Promise<void> {
    await this.ready(key)
    await this.append(key, [{ type: 'update', key, value: null }, { type: 'snapshot', key, value: null }])
  }

  /** Every share-partition state of a deleted topic is deleted. */
  private async forgetTopic(topicId: string): Promise<void> {
    this.partitions.forget((_g, t) => t === topicId)
    for (const id of [...this.coordinator.states.keys()]) {
      const key = parseKey(id)
      if (key.topicId !== topicId) continue
      try {
        await this.delete(key)
      } catch (err) {
        this.ctx.log.warn({ err, key: id }, 'deleting the share state of a deleted topic')
      }
    }
  }

  /** The topic exists and the key's partition is loaded here. */
  async ready(key: ShareKey): Promise<void> {
    await this.ensureTopic()
    const partition = this.coordinator.partitionFor(key)
    await this.runtime.whenLoaded(partition)
    if (this.runtime.status(partition) !== 'active') throw notCoordinatorError(`${SHARE_GROUP_STATE_TOPIC}-${partition} is not coordinated here`)
  }

  private async append(key: ShareKey, records: readonly ShareStateRecord[]): Promise<void> {
    const now = this.ctx.clock.now()
    const batch = buildRecordBatch({
      baseTimestamp: now,
      compression: this.ctx.config.int('share.coordinator.state.topic.compression.codec'),
      records: records.map((r) => ({ ...encodeShareRecord(r), timestamp: now })),
    })
    await this.runtime.write(this.coordinator.partitionFor(key), batch)
    for (const r of records) this.coordinator.replay(r)
  }

  private loadPartition(index: number): Promise<number> {
    return replayPartition(this.ctx, SHARE_GROUP_STATE_TOPIC, index, this.ctx.config.int('share.coordinator.load.buffer.size'), (batch) => {
      let count = 0
      for (const r of batch.records) {
        try {
          const rec = decodeShareRecord(r.key, r.value)
          if (rec) {
            this.coordinator.replay(rec)
            count++
          }
        } catch (err) {
          this.ctx.log.warn({ err, partition: index }, 'skipping an unreadable __share_group_state record')
        }
      }
      return count
    })
  }

  async close(): Promise<void> {
    this.partitions.close()
    this.runtime.close()
  }
}

/** "group:topicId:partition" → its parts (the group id may contain ':'). */
function parseKey(key: string): ShareKey {
  const last = key.lastIndexOf(':')
  const mid = key.lastIndexOf(':', last - 1)
  return { groupId: key.slice(0, mid), topicId: key.slice(mid + 1, last), partition: Number(key.slice(last + 1)) }
}
