// The group coordinator (Kafka's GroupCoordinatorShard): a state machine on an injected clock and
// timer queue that ties classic membership (classic-membership.ts), committed offsets
// (offset-manager.ts) and group administration (group-admin.ts) to one shared state
// (group-shard-state.ts) and one replay dispatch. Each operation validates and hands the records
// it produces to `append` (__consumer_offsets through the normal log); answers that depend on
// those records are given only once the append has completed. Durable state — committed offsets
// and each group's generation, protocol, leader, members and assignments — is exactly what
// `replay` rebuilds from the records at load.
import { randomUUID } from 'node:crypto'
import { ErrorCode } from '../../../protocol/errors.ts'
import type { TimerQueue } from '../timer-queue.ts'
import { ClassicGroup } from './classic-group.ts'
import type { GroupState, Member } from './classic-group.ts'
import { groupFromRecord, groupRecordOf } from './classic-group-records.ts'
import { ClassicMembership, joinError } from './classic-membership.ts'
import { ClassicBridge } from './classic-bridge.ts'
import { ConsumerMembership } from './consumer-membership.ts'
import type { ConsumerHeartbeatRequest, ConsumerHeartbeatResult } from './consumer-membership.ts'
import type { ConsumerGroup } from './consumer-group.ts'
import { ShareMembership } from './share-membership.ts'
import type { ShareHeartbeatRequest, ShareHeartbeatResult } from './share-membership.ts'
import type { ShareGroup } from './share-group.ts'
import { isShareGroupRecord } from './share-group-records.ts'
import { NO_TOPICS } from './subscribed-topic-ids.ts'
import type { TopicLookup } from './subscribed-topic-ids.ts'
import type { GroupCoordinatorConfig } from './group-config.ts'
import { GroupAdmin } from './group-admin.ts'
import { GroupShardState, appendErrorCode } from './group-shard-state.ts'
import { OffsetManager } from './offset-manager.ts'
import type { OffsetStore } from './offsets.ts'
import type { GroupRecord } from './records.ts'
import type { RecordBatch } from '../../../protocol/records/batch-decoder.ts'
import { TxnOffsetManager } from './txn-offsets.ts'
import type { AppendTransactional, TxnCommitRequest } from './txn-offsets.ts'
import type { CommitRequest, JoinRequest, MemberRef, SyncRequest, TopicPartitions } from './requests.ts'
import type {
  GroupDescription, GroupListing, JoinResult, LeaveResult, OffsetFetchResult, PartitionError, SyncResult,
} from './results.ts'

export type { TxnCommitRequest } from './txn-offsets.ts'
export type { CommitRequest, JoinRequest, MemberRef, SyncRequest, TopicPartitions } from './requests.ts'
export { MAX_PENDING_MEMBERS_PER_GROUP, MAX_PENDING_MEMBERS_TOTAL } from './classic-membership.ts'
export { appendErrorCode } from './group-shard-state.ts'

export interface GroupCoordinatorOptions {
  readonly config: GroupCoordinatorConfig
  /** Timers and the clock (`timers.clock.now()`). */
  readonly timers: TimerQueue
  /** Appends records to a __consumer_offsets partition; resolves once durable under the topic's settings. */
  readonly append: (partition: number, records: readonly GroupRecord[]) => Promise<void>
  /** Appends a transactional batch of a producer (TxnOffsetCommit); absent: such commits fail. */
  readonly appendTransactional?: AppendTransactional
  /** Whether a topic-partition exists; commits and deletes for others get UNKNOWN_TOPIC_OR_PARTITION. */
  readonly partitionExists?: (topic: string, partition: number) => boolean
  readonly newMemberId?: (prefix: string) => string
  /** The broker's topics, for consumer-group subscriptions (KIP-848); absent: none exist. */
  readonly topics?: TopicLookup
  /** Whether an authorizer decides requests (KIP-848 regexes then resolve to the topics each member may DESCRIBE). */
  readonly authorizing?: () => boolean
  /** A share group's member left or its session expired (the share-partitions led here release what it holds). */
  readonly onShareMemberRemoved?: (groupId: string, memberId: string) => void
  readonly onError?: (err: unknown, what: string) => void
}

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig
  readonly offsets: OffsetStore
  private readonly s: GroupShardState
  private readonly membership: ClassicMembership
  private readonly consumers: ConsumerMembership
  private readonly bridge: ClassicBridge
  private readonly shares: ShareMembership
  private readonly offsetManager: OffsetManager
  private readonly admin: GroupAdmin
  private readonly txnOffsets: TxnOffsetManager

  constructor(opts: GroupCoordinatorOptions) {
    this.config = opts.config
    this.s = new GroupShardState({
      config: opts.config,
      timers: opts.timers,
      appendFn: opts.append,
      partitionExists: opts.partitionExists ?? (() => true),
      newMemberId: opts.newMemberId ?? ((prefix) => `${prefix}-${randomUUID()}`),
      onError: opts.onError ?? (() => {}),
      replay: (rec) => this.replay(rec),
    })
    this.offsets = this.s.offsets
    this.membership = new ClassicMembership(this.s)
    this.consumers = new ConsumerMembership(this.s, opts.topics ?? NO_TOPICS, {
      forget: (group, errorCode) => this.membership.forgetGroup(group, errorCode),
      converted: (groupId, rebalance) => this.membership.convertedFromConsumer(groupId, rebalance),
    }, opts.authorizing)
    this.bridge = new ClassicBridge(this.s, this.consumers)
    this.shares = new ShareMembership(this.s, opts.topics ?? NO_TOPICS, opts.onShareMemberRemoved)
    this.offsetManager = new OffsetManager(this.s, this.membership)
    this.admin = new GroupAdmin(this.s, this.offsetManager)
    this.txnOffsets = new TxnOffsetManager(this.s, opts.appendTransactional ?? (() => Promise.reject(new Error('no transactional append'))))
  }

  partitionFor(groupId: string): number {
    return this.s.partitionFor(groupId)
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.s.groups.get(groupId)
  }

  groupIds(): IterableIterator<string> {
    return this.s.groups.keys()
  }

  get groupCount(): number {
    return this.s.groups.size
  }

  /** State names for the lag/CLI layer. */
  stateOf(groupId: string): GroupState | undefined {
    return this.s.groups.get(groupId)?.state
  }

  /** Members handed an id with MEMBER_ID_REQUIRED that have not joined yet, over all groups. */
  get pendingMemberCount(): number {
    return this.membership.pendingTotal
  }

  get isLoading(): boolean {
    return this.s.loading.size > 0
  }

  // ---------------------------------------------------------------- operations

  /**
   * JoinGroup. An empty consumer group (its last KIP-848 member left) becomes a classic group first,
   * as Kafka converts it: its records get tombstones, its committed offsets stay. A consumer group
   * with members takes the classic member in (classic-bridge.ts).
   */
  joinGroup(req: JoinRequest): Promise<JoinResult> {
    const cg = this.s.consumerGroups.get(req.groupId)
    if (cg && cg.members.size > 0) return this.bridge.join(req).then((r) => r ?? this.membership.joinGroup(req))
    if (cg && cg.members.size === 0 && this.s.checkGroup(req.groupId, false) === ErrorCode.NONE) {
      return this.consumers.dropEmptyGroup(req.groupId).then(
        () => this.membership.joinGroup(req),
        (err: unknown) => {
          this.s.onError(err, `converting empty consumer group ${req.groupId} to a classic group`)
          return joinError(req.memberId, appendErrorCode(err, false))
        })
    }
    return this.membership.joinGroup(req)
  }

  syncGroup(req: SyncRequest): Promise<SyncResult> {
    if (this.s.consumerGroups.has(req.groupId)) return this.bridge.sync(req).then((r) => r ?? this.membership.syncGroup(req))
    return this.membership.syncGroup(req)
  }

  /** ConsumerGroupHeartbeat (KIP-848); errors come back as codes. */
  consumerGroupHeartbeat(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    return this.consumers.heartbeat(req)
  }

  /** ShareGroupHeartbeat (KIP-932); errors come back as codes. */
  shareGroupHeartbeat(req: ShareHeartbeatRequest): Promise<ShareHeartbeatResult> {
    return this.shares.heartbeat(req)
  }

  shareGroup(groupId: string): ShareGroup | undefined {
    return this.s.shareGroups.get(groupId)
  }

  /** Marks (AlterShareGroupOffsets) or, with `partitions` null, unmarks (DeleteShareGroupOffsets) a topic's share-partitions as having state. */
  updateShareStatePartitions(groupId: string, topicId: string, name: string, partitions: readonly number[] | null): Promise<void> {
    return this.shares.updateStatePartitions(groupId, topicId, name, partitions)
  }

  shareGroupIds(): IterableIterator<string> {
    return this.s.shareGroups.keys()
  }

  consumerGroup(groupId: string): ConsumerGroup | undefined {
    return this.s.consumerGroups.get(groupId)
  }

  /** The assignor a consumer group's next target assignment would use. */
  assignorOf(group: ConsumerGroup): string {
    return this.consumers.preferredAssignor(group.members.values())
  }

  /** NONE, or why requests about the group are not answered here (NOT_COORDINATOR, loading, empty id). */
  checkGroup(groupId: string): number {
    return this.s.checkGroup(groupId, false)
  }

  consumerGroupIds(): IterableIterator<string> {
    return this.s.consumerGroups.keys()
  }

  heartbeat(req: MemberRef): number {
    const cg = this.s.consumerGroups.get(req.groupId)
    if (cg) {
      const err = this.s.checkGroup(req.groupId, false)
      return err !== ErrorCode.NONE ? err : this.bridge.heartbeat(cg, req)
    }
    return this.membership.heartbeat(req)
  }

  /** LeaveGroup of a classic group (synchronous: no records unless the group empties). */
  leaveGroup(groupId: string, members: readonly { memberId: string, groupInstanceId: string | null }[]): LeaveResult {
    return this.membership.leaveGroup(groupId, members)
  }

  /** LeaveGroup as the API serves it: classic members of a consumer group are fenced there (records). */
  leave(groupId: string, members: readonly { memberId: string, groupInstanceId: string | null }[]): Promise<LeaveResult> {
    if (this.s.consumerGroups.has(groupId)) return this.bridge.leave(groupId, members).then((r) => r ?? this.membership.leaveGroup(groupId, members))
    return Promise.resolve(this.membership.leaveGroup(groupId, members))
  }

  /** Per-partition errors, in request order; resolves once the commit records are appended. */
  commitOffsets(req: CommitRequest): Promise<PartitionError[]> {
    return this.offsetManager.commitOffsets(req)
  }

  /** Offsets of a committed transaction, written as ordinary commits without membership checks. */
  applyCommittedOffsets(groupId: string, offsets: CommitRequest['offsets']): Promise<void> {
    return this.offsetManager.applyCommittedOffsets(groupId, offsets)
  }

  /** Resolves once every offset commit of `groupId` received so far is appended (or failed). */
  commitsSettled(groupId: string): Promise<void> {
    return this.offsetManager.commitsSettled(groupId)
  }

  /** `topics` null means every committed offset of the group. */
  fetchOffsets(groupId: string, topics: readonly TopicPartitions[] | null, member?: { memberId: string | null, memberEpoch: number }): OffsetFetchResult {
    return this.offsetManager.fetchOffsets(groupId, topics, member)
  }

  deleteOffsets(groupId: string, topics: readonly TopicPartitions[]): Promise<{ errorCode: number, partitions: PartitionError[] }> {
    return this.offsetManager.deleteOffsets(groupId, topics)
  }

  /** TxnOffsetCommit v3+: the consumer's generation and member, checked like an OffsetCommit's. */
  validateTxnMember(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    return this.txnOffsets.validateMember(groupId, generationId, memberId, groupInstanceId)
  }

  /** TxnOffsetCommit: per-partition codes in request order; the offsets stay pending until the producer's marker. */
  commitTxnOffsets(req: TxnCommitRequest): Promise<number[]> {
    return this.txnOffsets.commit(req)
  }

  /** The producer's commit/abort marker landed in `partition`: its pending offsets are applied or dropped. */
  replayEndTxnMarker(partition: number, producerId: number, commit: boolean): void {
    this.txnOffsets.replayEndTxnMarker(partition, producerId, commit)
  }

  /** Load: a transactional or control batch read from `partition`, in log order. */
  replayTxnBatch(partition: number, batch: RecordBatch, onBad?: (err: unknown) => void): number {
    return this.txnOffsets.replayBatch(partition, batch, onBad)
  }

  /** Whether an open transaction holds an offset for the group's partition (OffsetFetch requireStable). */
  isPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    return this.txnOffsets.isPending(groupId, topic, partition)
  }

  /** Producers with pending transactional offsets in `partition` (tests, diagnostics). */
  pendingTxnProducers(partition: number): number[] {
    return this.txnOffsets.producers(partition)
  }

  describeGroup(groupId: string): GroupDescription {
    return this.admin.describeGroup(groupId)
  }

  listGroups(statesFilter: readonly string[] = [], typesFilter: readonly string[] = []): GroupListing[] {
    return this.admin.listGroups(statesFilter, typesFilter)
  }

  deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string, errorCode: number }[]> {
    return this.admin.deleteGroups(groupIds)
  }

  /** Starts the periodic offsets.retention.check (the broker does; tests call expireOffsets directly). */
  startRetention(): void {
    this.offsetManager.startRetention()
  }

  expireOffsets(): Promise<number> {
    return this.offsetManager.expireOffsets()
  }

  /** Offsets of deleted topics are removed at once (tombstones written). */
  onTopicsDeleted(topics: readonly string[]): Promise<void> {
    return this.offsetManager.onTopicsDeleted(topics)
  }

  // ---------------------------------------------------------------- records and loading

  /** The GroupMetadataValue record of a group as it stands (with an optional assignment override). */
  groupRecord(group: ClassicGroup, assignmentOf?: (m: Member) => Buffer): GroupRecord {
    return groupRecordOf(group, assignmentOf)
  }

  /**
   * Applies one record to the durable state: the only way offsets change, and how groups are
   * rebuilt at load. A group record replaces the group (Stable with members, else Empty).
   */
  replay(rec: GroupRecord): void {
    const groups = this.s.groups
    if (isShareGroupRecord(rec)) {
      this.shares.replay(rec)
      return
    }
    if (rec.type !== 'offset' && rec.type !== 'group') {
      this.consumers.replay(rec)
      return
    }
    // A consumer group keeps its offsets without a classic group beside it.
    const consumerGroup = this.s.consumerGroups.has(rec.group)
    if (rec.type === 'offset') {
      this.s.offsets.apply(rec.group, rec.topic, rec.partition, rec.value)
      if (rec.value !== null && !groups.has(rec.group) && !consumerGroup) groups.set(rec.group, new ClassicGroup(rec.group, this.s.now()))
      return
    }
    const existing = groups.get(rec.group)
    if (existing) this.membership.forgetGroup(existing, ErrorCode.NOT_COORDINATOR)
    if (rec.value === null) {
      // Offsets committed after the tombstone keep an Empty group, as a load would rebuild it.
      if (this.s.offsets.has(rec.group) && !consumerGroup) groups.set(rec.group, new ClassicGroup(rec.group, this.s.now()))
      else groups.delete(rec.group)
      return
    }
    groups.set(rec.group, groupFromRecord(rec.group, rec.value, this.s.now()))
  }

  /** Marks a __consumer_offsets partition as loading: its groups answer COORDINATOR_LOAD_IN_PROGRESS. */
  beginLoad(partition: number): void {
    this.s.resigned.delete(partition)
    this.s.loading.add(partition)
  }

  /** Loading done: members of loaded groups get a fresh session timeout to heartbeat within. */
  completeLoad(partition: number): void {
    this.s.loading.delete(partition)
    for (const g of this.s.groups.values()) {
      if (this.partitionFor(g.groupId) !== partition) continue
      for (const m of g.members.values()) this.membership.scheduleMemberExpiry(g, m)
    }
    this.consumers.completeLoad(partition)
    this.shares.completeLoad(partition)
  }

  /**
   * This node no longer coordinates `partition` (resignation): parked answers of its groups get
   * NOT_COORDINATOR, their timers stop, and its groups and offsets are forgotten (a new election
   * replays them); requests about them answer NOT_COORDINATOR.
   */
  unloadPartition(partition: number): void {
    this.s.loading.delete(partition)
    this.s.resigned.add(partition)
    for (const g of [...this.s.groups.values()]) {
      if (this.partitionFor(g.groupId) !== partition) continue
      this.membership.forgetGroup(g, ErrorCode.NOT_COORDINATOR)
      this.s.groups.delete(g.groupId)
    }
    for (const groupId of [...this.s.offsets.groups()]) {
      if (this.partitionFor(groupId) === partition) this.s.offsets.deleteGroup(groupId)
    }
    this.txnOffsets.unloadPartition(partition)
    this.consumers.unload(partition)
    this.shares.unload(partition)
  }

  /** Shutdown: every parked answer gets NOT_COORDINATOR; timers stop. */
  close(): void {
    if (this.s.closed) return
    this.s.closed = true
    for (const g of this.s.groups.values()) this.membership.forgetGroup(g, ErrorCode.NOT_COORDINATOR)
    this.consumers.unload(null)
    this.shares.unload(null)
    this.offsetManager.stopRetention()
  }

  /** Durable state in a comparable form (tests compare live state with state rebuilt by replay). */
  snapshot(): unknown {
    const groups = [...this.s.groups.values()].filter((g) => !g.is('Dead')).sort((a, b) => a.groupId < b.groupId ? -1 : 1).map((g) => ({
      groupId: g.groupId,
      state: g.state,
      generationId: g.generationId,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      leaderId: g.size > 0 ? g.leaderId : null,
      members: [...g.members.values()].sort((a, b) => a.memberId < b.memberId ? -1 : 1).map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        subscription: g.metadataOf(m, g.protocolName).toString('hex'),
        assignment: m.assignment.toString('hex'),
      })),
    }))
    const offsets = [...this.s.offsets.groups()].sort().map((g) => ({ group: g, offsets: this.s.offsets.all(g).sort((a, b) => a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition) }))
    const list = (a: Map<string, Set<number>>) => [...a].map(([t, ps]) => [t, [...ps].sort((x, y) => x - y)] as const).filter(([, ps]) => ps.length > 0).sort()
    const consumerGroups = [...this.s.consumerGroups.values()].sort((a, b) => a.groupId < b.groupId ? -1 : 1).map((g) => ({
      groupId: g.groupId, groupEpoch: g.groupEpoch, metadataHash: g.metadataHash, assignmentEpoch: g.assignmentEpoch,
      targets: [...g.targetAssignment].sort().map(([id, a]) => [id, list(a)]),
      members: [...g.members.values()].sort((a, b) => a.memberId < b.memberId ? -1 : 1).map((m) => ({
        ...m, assigned: list(m.assigned), pendingRevocation: list(m.pendingRevocation),
      })),
    }))
    return { groups, offsets, consumerGroups }
  }
}
