// The state the parts of the group coordinator share (Kafka's GroupCoordinatorShard holds it for
// its GroupMetadataManager and OffsetMetadataManager): the groups, the committed offsets, which
// __consumer_offsets partitions are loading, group deletions and offset commits being appended,
// and the effects (append, clock, timers) the coordinator was given.
import { ErrorCode } from '../../../protocol/errors.ts'
import type { TimerQueue } from '../timer-queue.ts'
import type { ClassicGroup } from './classic-group.ts'
import type { ConsumerGroup } from './consumer-group.ts'
import type { GroupCoordinatorConfig } from './group-config.ts'
import { partitionForGroup } from './group-partition.ts'
import { OffsetStore } from './offsets.ts'
import type { GroupRecord } from './records.ts'
import type { ShareGroup } from './share-group.ts'

/** Kafka's mapping of a failed __consumer_offsets append to what clients are told. */
export function appendErrorCode(err: unknown, forCommit: boolean): number {
  const code = (err as { code?: unknown } | null)?.code
  switch (code) {
    case 'UNKNOWN_TOPIC_OR_PARTITION': case 'NOT_ENOUGH_REPLICAS': case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND': case 'REQUEST_TIMED_OUT':
      return ErrorCode.COORDINATOR_NOT_AVAILABLE
    case 'NOT_LEADER_OR_FOLLOWER': case 'KAFKA_STORAGE_ERROR':
      return ErrorCode.NOT_COORDINATOR
    case 'MESSAGE_TOO_LARGE': case 'RECORD_LIST_TOO_LARGE': case 'INVALID_FETCH_SIZE':
      return forCommit ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : ErrorCode.UNKNOWN_SERVER_ERROR
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR
  }
}

export interface GroupShardEffects {
  readonly config: GroupCoordinatorConfig
  readonly timers: TimerQueue
  readonly appendFn: (partition: number, records: readonly GroupRecord[]) => Promise<void>
  readonly partitionExists: (topic: string, partition: number) => boolean
  readonly newMemberId: (prefix: string) => string
  readonly onError: (err: unknown, what: string) => void
  /** Applies one record to memory (the shard's replay dispatch). */
  readonly replay: (rec: GroupRecord) => void
}

export class GroupShardState {
  readonly config: GroupCoordinatorConfig
  readonly timers: TimerQueue
  readonly partitionExists: (topic: string, partition: number) => boolean
  readonly newMemberId: (prefix: string) => string
  readonly onError: (err: unknown, what: string) => void
  readonly replay: (rec: GroupRecord) => void
  private readonly appendFn: GroupShardEffects['appendFn']
  readonly groups = new Map<string, ClassicGroup>()
  /** KIP-848 consumer groups (consumer-membership.ts); an id is in at most one of the two maps. */
  readonly consumerGroups = new Map<string, ConsumerGroup>()
  /** KIP-932 share groups (share-membership.ts); an id names one group type only. */
  readonly shareGroups = new Map<string, ShareGroup>()
  readonly offsets = new OffsetStore()
  /** __consumer_offsets partitions being loaded: their groups answer COORDINATOR_LOAD_IN_PROGRESS. */
  readonly loading = new Set<number>()
  /** __consumer_offsets partitions this node resigned: their groups answer NOT_COORDINATOR. */
  readonly resigned = new Set<number>()
  /**
   * Group deletions being appended (DeleteGroups, expiry), with the error code they end with. The
   * group stays as it is until the tombstone is replayed; meanwhile joins and commits get
   * COORDINATOR_NOT_AVAILABLE (as for a Dead group in Kafka) so nothing lands on a group going away.
   */
  readonly deleting = new Map<string, Promise<number>>()
  /** Offset commits being appended, per group: a group deletion writes tombstones for them too. */
  readonly inFlightCommits = new Map<string, Map<string, { topic: string, partition: number, n: number }>>()
  closed = false

  constructor(fx: GroupShardEffects) {
    this.config = fx.config
    this.timers = fx.timers
    this.appendFn = fx.appendFn
    this.partitionExists = fx.partitionExists
    this.newMemberId = fx.newMemberId
    this.onError = fx.onError
    this.replay = fx.replay
  }

  now(): number {
    return this.timers.clock.now()
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.config.offsetsTopicPartitions)
  }

  append(groupId: string, records: readonly GroupRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve()
    try {
      return this.appendFn(this.partitionFor(groupId), records)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /**
   * An operation's records: appended (the runtime resolves once the high watermark covers them),
   * then applied by replay. The one way offsets and group deletions reach memory; a failed append
   * changes nothing.
   */
  write(groupId: string, records: readonly GroupRecord[], beforeReplay?: () => void): Promise<void> {
    return this.append(groupId, records).then(() => {
      beforeReplay?.()
      for (const r of records) this.replay(r)
    })
  }

  /** Whether requests about groups of `partition` are answered here now (neither loading nor resigned). */
  serves(partition: number): boolean {
    return !this.loading.has(partition) && !this.resigned.has(partition)
  }

  /** Error for requests about `groupId` before any group logic runs, or NONE. */
  checkGroup(groupId: string, allowEmptyId: boolean): number {
    if (this.closed) return ErrorCode.NOT_COORDINATOR
    if (!allowEmptyId && groupId === '') return ErrorCode.INVALID_GROUP_ID
    const partition = this.partitionFor(groupId)
    if (this.resigned.has(partition)) return ErrorCode.NOT_COORDINATOR
    if (this.loading.has(partition)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    return ErrorCode.NONE
  }
}
