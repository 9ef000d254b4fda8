// The share coordinator inside a broker (Kafka's ShareCoordinatorService): __share_group_state is
// a compacted internal topic (created on first use with share.coordinator.state.topic.*
// settings); a share-partition's state is keyed by group:topicId:partition and hashed onto one of
// its partitions. A CoordinatorRuntime owns the partitions led here (an election replays one, a
// resignation forgets it; every append is epoch-checked and answered once the high watermark
// covers it). The shard operations below are what InitializeShareGroupState, ReadShareGroupState,
// WriteShareGroupState, DeleteShareGroupState and ReadShareGroupStateSummary (keys 83-87) do, with
// Kafka's checks and error codes; a key whose partition is not led here answers NOT_COORDINATOR
// (COORDINATOR_LOAD_IN_PROGRESS while it replays). Share-partition leaders reach them through the
// ShareStatePersister (share/share-state-persister.ts): in-process when this node leads the state
// partition, else by those RPCs.
import { ErrorCode } from '../../../protocol/errors.ts'
import { buildRecordBatch } from '../../../protocol/records/index.ts'
import type { BrokerContext } from '../../context.ts'
import { SHARE_GROUP_STATE_TOPIC } from '../../cluster/topic-names.ts'
import type { CoordinatorService } from '../coordinators.ts'
import { COORDINATOR_KEY_TYPE_SHARE } from '../coordinator-key.ts'
import { replayPartition } from '../replay-partition.ts'
import { CoordinatorRuntime } from '../runtime.ts'
import { replicaPartitionWriter } from '../partition-writer.ts'
import { ShareCoordinator } from './share-coordinator.ts'
import { decodeShareRecord, encodeShareRecord } from './share-records.ts'
import type { ShareKey, ShareStateRecord } from './share-records.ts'
import { READ_UNINITIALIZED, WRITE_UNINITIALIZED } from './share-state-results.ts'
import type { PersistedShareState, ReadStateResult, ShareStateResult, StateSummaryResult } from './share-state-results.ts'
import { SharePartitionManager } from '../../share/share-partition-manager.ts'
import { ShareStatePersister } from '../../share/share-state-persister.ts'
import { shareGroupSettings } from '../../share/share-group-settings.ts'


export class ShareCoordinatorService implements CoordinatorService {
  readonly keyType = COORDINATOR_KEY_TYPE_SHARE
  readonly coordinator: ShareCoordinator
  readonly runtime: CoordinatorRuntime
  readonly partitions: SharePartitionManager
  /** How share-partition leaders and the group coordinator reach the state of any key. */
  readonly persister: ShareStatePersister
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
    this.persister = new ShareStatePersister(ctx, this)
    this.partitions = new SharePartitionManager({
      timers: ctx.timers,
      persister: this.persister,
      settings: (groupId) => shareGroupSettings(ctx, groupId),
      maxRecordLocks: ctx.config.int('group.share.partition.max.record.locks'),
      maxSessions: ctx.config.int('group.share.max.share.sessions'),
      onError: (err, what) => ctx.log.warn({ err }, `share-partition: ${what}`),
    })
  }

  partitionFor(key: string): number {
    return this.coordinator.partitionFor(parseShareKey(key))
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

  /** Why this node cannot serve `key` now (NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS), or NONE. */
  private gate(key: ShareKey): number {
    if (!this.ctx.metadata.topic(SHARE_GROUP_STATE_TOPIC)) return ErrorCode.NOT_COORDINATOR
    const status = this.runtime.status(this.coordinator.partitionFor(key))
    if (status === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    return status === 'active' ? ErrorCode.NONE : ErrorCode.NOT_COORDINATOR
  }

  /** The topic partition the key names exists. */
  private known(key: ShareKey): boolean {
    const t = this.ctx.metadata.topicById(key.topicId)
    return t !== undefined && key.partition < t.partitions
  }

  /** Runs a shard operation: gated, with its append's failure mapped to an error code. */
  private async op<T extends ShareStateResult>(key: ShareKey, fail: (r: ShareStateResult) => T, body: () => Promise<T>): Promise<T> {
    if (key.partition < 0) return fail(error(ErrorCode.INVALID_REQUEST, 'The partition id cannot be a negative number.'))
    const gate = this.gate(key)
    if (gate !== ErrorCode.NONE) return fail(error(gate))
    try {
      return await body()
    } catch (err) {
      if ((err as { code?: unknown }).code === 'NOT_LEADER_OR_FOLLOWER') return fail(error(ErrorCode.NOT_COORDINATOR))
      this.ctx.log.warn({ err }, 'share coordinator write')
      return fail(error(ErrorCode.UNKNOWN_SERVER_ERROR, (err as Error).message))
    }
  }

  /** InitializeShareGroupState: a fresh state (no batches) at `startOffset`; an older state epoch is fenced. */
  initializeState(key: ShareKey, stateEpoch: number, startOffset: number): Promise<ShareStateResult> {
    return this.op(key, (r) => r, async () => {
      if (stateEpoch < 0) return error(ErrorCode.INVALID_REQUEST, 'The state epoch cannot be a negative number.')
      const cur = this.coordinator.get(key)
      if (cur && cur.stateEpoch > stateEpoch) return error(ErrorCode.FENCED_STATE_EPOCH)
      if (!this.known(key)) return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      // The same initialization again changes nothing.
      if (cur && cur.stateEpoch === stateEpoch && cur.startOffset === startOffset) return OK
      await this.append(key, [this.coordinator.initRecord(key, stateEpoch, startOffset, this.ctx.clock.now())])
      return OK
    })
  }

  /**
   * ReadShareGroupState by a share-partition leader in `leaderEpoch`: the state (INVALID_REQUEST
   * when never initialized); an older leader epoch is fenced, a newer one is recorded first.
   */
  readState(key: ShareKey, leaderEpoch: number): Promise<ReadStateResult> {
    return this.op<ReadStateResult>(key, (r) => r, async () => {
      if (leaderEpoch < 0) return error(ErrorCode.INVALID_REQUEST, 'The leader epoch cannot be a negative number.')
      const cur = this.coordinator.get(key)
      if (!cur) return error(ErrorCode.INVALID_REQUEST, READ_UNINITIALIZED)
      if (cur.leaderEpoch > leaderEpoch) return error(ErrorCode.FENCED_LEADER_EPOCH)
      if (!this.known(key)) return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      const state: PersistedShareState = { startOffset: cur.startOffset, stateEpoch: cur.stateEpoch, leaderEpoch, batches: cur.batches, deliveryCompleteCount: cur.deliveryCompleteCount }
      if (cur.leaderEpoch !== leaderEpoch) {
        // The new leader epoch is written, so the previous leader's writes are fenced from now on.
        await this.append(key, [this.coordinator.recordFor(key, { ...state, batches: [] }, this.ctx.clock.now())])
      }
      return { ...OK, state }
    })
  }

  /** WriteShareGroupState: the leader's new state, laid over what is stored. */
  writeState(key: ShareKey, state: PersistedShareState): Promise<ShareStateResult> {
    return this.op(key, (r) => r, async () => {
      if (state.leaderEpoch < 0) return error(ErrorCode.INVALID_REQUEST, 'The leader epoch cannot be a negative number.')
      if (state.stateEpoch < 0) return error(ErrorCode.INVALID_REQUEST, 'The state epoch cannot be a negative number.')
      const cur = this.coordinator.get(key)
      if (!cur) return error(ErrorCode.INVALID_REQUEST, WRITE_UNINITIALIZED)
      if (cur.leaderEpoch > state.leaderEpoch) return error(ErrorCode.FENCED_LEADER_EPOCH)
      if (cur.stateEpoch > state.stateEpoch) return error(ErrorCode.FENCED_STATE_EPOCH)
      if (!this.known(key)) return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      await this.append(key, [this.coordinator.recordFor(key, state, this.ctx.clock.now())])
      return OK
    })
  }

  /** DeleteShareGroupState: the state is gone (tombstones); deleting a missing one succeeds. */
  deleteState(key: ShareKey): Promise<ShareStateResult> {
    return this.op(key, (r) => r, async () => {
      if (!this.known(key)) return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      if (this.coordinator.get(key)) await this.tombstone(key)
      return OK
    })
  }

  /** ReadShareGroupStateSummary: start offset and epochs (-1 / 0 when never initialized). */
  readStateSummary(key: ShareKey): Promise<StateSummaryResult> {
    const none = { startOffset: -1, leaderEpoch: -1, stateEpoch: 0, deliveryCompleteCount: -1 }
    return this.op<StateSummaryResult>(key, (r) => ({ ...none, ...r }), async () => {
      if (!this.known(key)) return { ...none, ...error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) }
      const cur = this.coordinator.get(key)
      if (!cur) return { ...none, ...OK }
      return { ...OK, startOffset: cur.startOffset, leaderEpoch: cur.leaderEpoch, stateEpoch: cur.stateEpoch, deliveryCompleteCount: cur.deliveryCompleteCount }
    })
  }

  private tombstone(key: ShareKey): Promise<void> {
    return this.append(key, [{ type: 'update', key, value: null }, { type: 'snapshot', key, value: null }])
  }

  /** Every share-partition state of a deleted topic held by the shards led here is deleted. */
  private async forgetTopic(topicId: string): Promise<void> {
    this.partitions.forget((_g, t) => t === topicId)
    for (const id of [...this.coordinator.states.keys()]) {
      const key = parseShareKey(id)
      if (key.topicId !== topicId || this.gate(key) !== ErrorCode.NONE) continue
      try {
        await this.tombstone(key)
      } catch (err) {
        this.ctx.log.warn({ err, key: id }, 'deleting the share state of a deleted topic')
      }
    }
  }

  /** The topic exists (created on first use) and every partition led here is elected. */
  ensureTopic(): Promise<void> {
    this.topicReady ??= (async () => {
      await this.ctx.topics.ensureInternalTopic(SHARE_GROUP_STATE_TOPIC)
      await this.electAll()
    })()
    this.topicReady.catch(() => { this.topicReady = null })
    return this.topicReady
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
    this.persister.close()
    this.partitions.close()
    this.runtime.close()
  }
}

const OK: ShareStateResult = { errorCode: ErrorCode.NONE, errorMessage: null }
const error = (errorCode: number, errorMessage: string | null = null): ShareStateResult => ({ errorCode, errorMessage })

/** "group:topicId:partition" → its parts (the group id may contain ':'). */
export function parseShareKey(key: string): ShareKey {
  const last = key.lastIndexOf(':')
  const mid = key.lastIndexOf(':', last - 1)
  return { groupId: key.slice(0, mid), topicId: key.slice(mid + 1, last), partition: Number(key.slice(last + 1)) }
}

/** A FindCoordinator key of type 2 is "group:topicId:partition" with a non-empty group, a topic id and a partition >= 0. */
export function validShareKey(key: string): boolean {
  const parts = key.split(':')
  if (parts.length < 3) return false
  const k = parseShareKey(key)
  return k.groupId.length > 0 && /^[A-Za-z0-9_-]{22}$/.test(k.topicId) && /^-?\d{1,10}$/.test(key.slice(key.lastIndexOf(':') + 1)) && k.partition === (k.partition | 0)
}
