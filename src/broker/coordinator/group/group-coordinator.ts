// The classic group coordinator as a state machine on an injected clock and timer queue. Each
// operation validates and hands the records it produces to `append` (__consumer_offsets through
// the normal log); answers that depend on those records are given only once the append has
// completed. Durable state — committed offsets and each group's generation, protocol, leader,
// members and assignments — is exactly what `replay` rebuilds from the records at start-up.
// Offsets and deletions (commits, OffsetDelete, DeleteGroups, expiry, deleted topics) change
// memory only by replaying their records after the append succeeded; appends to one partition
// complete in log order, so live replay follows the order a restart replays in, and a failed
// append leaves memory as the log has it. Membership (rebalance transitions) changes the live
// group directly and stores its GroupMetadata record where Kafka's classic coordinator does (sync
// complete, group emptied, static member replaced), without replaying it live; the durable fields
// equal what replay of those records rebuilds. Rebalance bookkeeping (parked JoinGroup/SyncGroup
// answers, pending members, timers) is ephemeral as in Kafka: after a restart, members heartbeat
// or rejoin.
//
// Every parked answer is eventually given (a response pipeline waits for it): on completion, on
// member removal, when superseded by a newer request, or at shutdown.
import { randomUUID } from 'node:crypto'
import { ErrorCode } from '../../../protocol/errors.ts'
import type { TimerQueue } from '../timer-queue.ts'
import { ClassicGroup } from './classic-group.ts'
import type { GroupState, Member, Protocol } from './classic-group.ts'
import type { GroupCoordinatorConfig } from './group-config.ts'
import { partitionForGroup } from './group-partition.ts'
import { OffsetStore } from './offsets.ts'
import type { CommittedOffset } from './offsets.ts'
import type { GroupMetadataValue, GroupRecord } from './records.ts'
import { ZERO_UUID } from '../../../protocol/primitives/index.ts'
import type {
  GroupDescription, GroupListing, JoinResult, JoinResultMember, LeaveResult, MemberError, OffsetFetchResult,
  PartitionError, SyncResult, FetchedOffset,
} from './results.ts'

export interface GroupCoordinatorOptions {
  readonly config: GroupCoordinatorConfig
  /** Timers and the clock (`timers.clock.now()`). */
  readonly timers: TimerQueue
  /** Appends records to a __consumer_offsets partition; resolves once durable under the topic's settings. */
  readonly append: (partition: number, records: readonly GroupRecord[]) => Promise<void>
  /** Whether a topic-partition exists; commits and deletes for others get UNKNOWN_TOPIC_OR_PARTITION. */
  readonly partitionExists?: (topic: string, partition: number) => boolean
  readonly newMemberId?: (prefix: string) => string
  readonly onError?: (err: unknown, what: string) => void
}

export interface JoinRequest {
  readonly groupId: string
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly clientId: string
  readonly clientHost: string
  readonly sessionTimeoutMs: number
  readonly rebalanceTimeoutMs: number
  readonly protocolType: string
  readonly protocols: readonly Protocol[]
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED with its id. */
  readonly requireKnownMemberId: boolean
  /** JoinGroup v9+: a replaced static leader is told to skip the assignment. */
  readonly supportSkipAssignment: boolean
}

export interface SyncRequest {
  readonly groupId: string
  readonly generationId: number
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly protocolType: string | null
  readonly protocolName: string | null
  readonly assignments: readonly { readonly memberId: string, readonly assignment: Buffer }[]
}

export interface MemberRef {
  readonly groupId: string
  readonly generationId: number
  readonly memberId: string
  readonly groupInstanceId: string | null
}

export interface CommitRequest extends MemberRef {
  /** OffsetCommit v2-4 retention time, -1 for the broker's policy. */
  readonly retentionTimeMs: number
  readonly offsets: readonly {
    readonly topic: string, readonly partition: number, readonly offset: number, readonly leaderEpoch: number, readonly metadata: string | null,
    /** OffsetCommit v1 lets the client set the commit time; -1 or absent means now. */
    readonly commitTimestamp?: number
  }[]
}

export interface TopicPartitions {
  readonly topic: string
  readonly partitions: readonly number[]
}

/** Pending (MEMBER_ID_REQUIRED) members one group may hold: bounds memory under JoinGroup floods. */
export const MAX_PENDING_MEMBERS_PER_GROUP = 10_000
/** Pending members over all groups (a flood of distinct group ids): about 20 MB at most. */
export const MAX_PENDING_MEMBERS_TOTAL = 100_000

const EMPTY = Buffer.alloc(0)
const memberKey = (g: string, m: string): string => `m\u0000${g}\u0000${m}`
const joinKey = (g: string): string => `j\u0000${g}`
const syncKey = (g: string): string => `s\u0000${g}`
const RETENTION_KEY = 'retention'

function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: '', memberId, members: [], skipAssignment: false }
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY }
}

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

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig
  private readonly timers: TimerQueue
  private readonly appendFn: GroupCoordinatorOptions['append']
  private readonly partitionExists: (topic: string, partition: number) => boolean
  private readonly newMemberId: (prefix: string) => string
  private readonly onError: (err: unknown, what: string) => void
  private readonly groups = new Map<string, ClassicGroup>()
  readonly offsets = new OffsetStore()
  /** __consumer_offsets partitions being loaded: their groups answer COORDINATOR_LOAD_IN_PROGRESS. */
  private readonly loading = new Set<number>()
  /** Join timer kind per group: the initial delay does not complete early. */
  private readonly initialDelay = new Map<string, number>()
  private closed = false
  /** Pending members over all groups. */
  private pendingTotal = 0
  /** Names the commit timeout timers. */
  private commitSeq = 0
  /**
   * Group deletions being appended (DeleteGroups, expiry), with the error code they end with. The
   * group stays as it is until the tombstone is replayed; meanwhile joins and commits get
   * COORDINATOR_NOT_AVAILABLE (as for a Dead group in Kafka) so nothing lands on a group going away.
   */
  private readonly deleting = new Map<string, Promise<number>>()
  /**
   * Per group, the latest offset commit being appended (a partition's appends complete in order, so
   * it settles after every earlier one): OffsetFetch waits for it, as Kafka's one-request-at-a-time
   * connections make a commit visible to whatever the committer does next (our connections
   * pipeline requests, and a member leaving right after its commit must hand over that commit).
   */
  private readonly lastCommit = new Map<string, Promise<void>>()
  /** Offset commits being appended, per group: a group deletion writes tombstones for them too. */
  private readonly inFlightCommits = new Map<string, Map<string, { topic: string, partition: number, n: number }>>()

  constructor(opts: GroupCoordinatorOptions) {
    this.config = opts.config
    this.timers = opts.timers
    this.appendFn = opts.append
    this.partitionExists = opts.partitionExists ?? (() => true)
    this.newMemberId = opts.newMemberId ?? ((prefix) => `${prefix}-${randomUUID()}`)
    this.onError = opts.onError ?? (() => {})
  }

  private now(): number {
    return this.timers.clock.now()
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.config.offsetsTopicPartitions)
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId)
  }

  groupIds(): IterableIterator<string> {
    return this.groups.keys()
  }

  get groupCount(): number {
    return this.groups.size
  }

  private append(groupId: string, records: readonly GroupRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve()
    try {
      return this.appendFn(this.partitionFor(groupId), records)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Error for requests about `groupId` before any group logic runs, or NONE. */
  private checkGroup(groupId: string, allowEmptyId: boolean): number {
    if (this.closed) return ErrorCode.NOT_COORDINATOR
    if (!allowEmptyId && groupId === '') return ErrorCode.INVALID_GROUP_ID
    if (this.loading.has(this.partitionFor(groupId))) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    return ErrorCode.NONE
  }

  // ---------------------------------------------------------------- JoinGroup

  joinGroup(req: JoinRequest): Promise<JoinResult> {
    return new Promise((resolve) => {
      const err = this.checkGroup(req.groupId, false)
      if (err !== ErrorCode.NONE) return resolve(joinError(req.memberId, err))
      if (this.deleting.has(req.groupId)) return resolve(joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE))
      const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.config
      if (req.sessionTimeoutMs < min || req.sessionTimeoutMs > max) return resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT))
      let metadataBytes = 0
      for (const p of req.protocols) metadataBytes += p.metadata.length + p.name.length
      if (metadataBytes > this.config.maxMemberMetadataBytes) return resolve(joinError(req.memberId, ErrorCode.INVALID_REQUEST))
      const isUnknown = req.memberId === ''
      let group = this.groups.get(req.groupId)
      let created = false
      if (!group) {
        if (!isUnknown) return resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID))
        group = new ClassicGroup(req.groupId, this.now())
        this.groups.set(req.groupId, group)
        created = true
      }
      if (!this.acceptJoiningMember(group, req.memberId)) {
        resolve(joinError(req.memberId, ErrorCode.GROUP_MAX_SIZE_REACHED))
      } else if (isUnknown) {
        this.doNewMemberJoin(group, req, resolve)
      } else {
        this.doCurrentMemberJoin(group, req, resolve)
      }
      if (group.is('PreparingRebalance')) this.tryCompleteJoin(group)
      if (created) this.dropIfUnused(group)
    })
  }

  /** Kafka's acceptJoiningMember: group.max.size counts members (and joiners during a rebalance). */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.config.maxGroupSize
    switch (group.state) {
      case 'Empty': case 'Dead': return true
      case 'PreparingRebalance': return (group.members.get(memberId)?.awaitingJoin != null) || group.numAwaitingJoin < max
      default: return group.has(memberId) || group.size < max
    }
  }

  private doNewMemberJoin(group: ClassicGroup, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    if (group.is('Dead')) return resolve(joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE))
    if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
      return resolve(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL))
    }
    const newMemberId = this.newMemberId(req.groupInstanceId ?? req.clientId)
    if (req.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(req.groupInstanceId)
      if (oldMemberId === undefined) this.addMemberAndRebalance(group, newMemberId, req, resolve)
      else this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, req, resolve)
      return
    }
    if (req.requireKnownMemberId) {
      if (group.pendingMembers.size >= Math.min(MAX_PENDING_MEMBERS_PER_GROUP, this.config.maxGroupSize) ||
        this.pendingTotal >= MAX_PENDING_MEMBERS_TOTAL) {
        return resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED))
      }
      group.pendingMembers.add(newMemberId)
      this.pendingTotal++
      this.timers.schedule(memberKey(group.groupId, newMemberId), req.sessionTimeoutMs, () => this.expirePending(group, newMemberId))
      return resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED))
    }
    this.addMemberAndRebalance(group, newMemberId, req, resolve)
  }

  private doCurrentMemberJoin(group: ClassicGroup, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const memberId = req.memberId
    if (group.is('Dead')) return resolve(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE))
    if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
      return resolve(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL))
    }
    if (group.pendingMembers.delete(memberId)) {
      this.pendingTotal--
      this.timers.cancel(memberKey(group.groupId, memberId))
      return this.addMemberAndRebalance(group, memberId, req, resolve)
    }
    if (group.isStaticMemberFenced(memberId, req.groupInstanceId)) return resolve(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID))
    const member = group.members.get(memberId)
    if (!member) return resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID))
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req, resolve)
      case 'CompletingRebalance':
        if (ClassicGroup.matches(member, req.protocols)) {
          // The member missed its JoinGroup answer: give it again.
          this.scheduleMemberExpiry(group, member)
          return resolve(this.joinAnswer(group, member, group.isLeader(memberId)))
        }
        return this.updateMemberAndRebalance(group, member, req, resolve)
      case 'Stable':
        if (group.isLeader(memberId) || !ClassicGroup.matches(member, req.protocols)) {
          return this.updateMemberAndRebalance(group, member, req, resolve)
        }
        this.scheduleMemberExpiry(group, member)
        return resolve(this.joinAnswer(group, member, false))
      default:
        return resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID))
    }
  }

  private joinAnswer(group: ClassicGroup, member: Member, withMembers: boolean, leaderId = group.leaderId ?? '', skipAssignment = false): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId,
      memberId: member.memberId,
      members: withMembers ? this.currentMemberMetadata(group) : [],
      skipAssignment,
    }
  }

  private currentMemberMetadata(group: ClassicGroup): JoinResultMember[] {
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataOf(m, group.protocolName) }))
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: [...req.protocols],
      assignment: EMPTY,
      awaitingJoin: resolve,
      awaitingSync: null,
      isNew: true,
    }
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true
    group.add(member)
    // A member that joins during a rebalance and then goes silent is dropped after the new-member timeout.
    this.scheduleMemberExpiry(group, member, this.config.newMemberJoinTimeoutMs)
    this.maybePrepareRebalance(group)
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: Member, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    group.updateMember(member, [...req.protocols], req.rebalanceTimeoutMs, req.sessionTimeoutMs)
    this.park(group, member, resolve)
    this.scheduleMemberExpiry(group, member)
    this.maybePrepareRebalance(group)
  }

  /** Parks a JoinGroup answer; a superseded one is answered so that its connection moves on. */
  private park(group: ClassicGroup, member: Member, resolve: (r: JoinResult) => void): void {
    const old = member.awaitingJoin
    group.setAwaitingJoin(member, resolve)
    old?.(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS))
  }

  private updateStaticMemberAndRebalance(group: ClassicGroup, oldMemberId: string, newMemberId: string, req: JoinRequest,
    resolve: (r: JoinResult) => void): void {
    const currentLeader = group.leaderId ?? ''
    const old = group.members.get(oldMemberId)!
    const oldProtocols = old.protocols
    const oldTimeouts = [old.rebalanceTimeoutMs, old.sessionTimeoutMs] as const
    const member = this.replaceStaticMember(group, old, newMemberId)
    group.updateMember(member, [...req.protocols], req.rebalanceTimeoutMs, req.sessionTimeoutMs)
    member.clientId = req.clientId
    member.clientHost = req.clientHost
    this.scheduleMemberExpiry(group, member)
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) {
          this.park(group, member, resolve)
          return this.maybePrepareRebalance(group)
        }
        // Same protocol: keep the assignment, persist the new member id, no rebalance.
        const generation = group.generationId
        this.append(group.groupId, [this.groupRecord(group)]).then(() => {
          const isLeader = group.isLeader(newMemberId)
          const skip = isLeader && req.supportSkipAssignment
          resolve(this.joinAnswer(group, member, skip, currentLeader, skip))
        }, (err: unknown) => {
          this.onError(err, 'storing static member replacement')
          if (this.groups.get(group.groupId) === group && group.generationId === generation && group.members.get(newMemberId) === member) {
            const back = this.replaceStaticMember(group, member, oldMemberId)
            group.updateMember(back, oldProtocols, oldTimeouts[0], oldTimeouts[1])
            this.scheduleMemberExpiry(group, back)
          }
          resolve(joinError('', appendErrorCode(err, false)))
        })
        return
      }
      case 'CompletingRebalance':
        this.park(group, member, resolve)
        return this.prepareRebalance(group)
      default:
        // PreparingRebalance: the answer comes when the join phase completes.
        this.park(group, member, resolve)
    }
  }

  /** Gives a static member a new member id; the old id is fenced (its parked answers say so). */
  private replaceStaticMember(group: ClassicGroup, old: Member, newMemberId: string): Member {
    const wasLeader = group.isLeader(old.memberId)
    const hadPendingSync = group.pendingSyncMembers.has(old.memberId)
    group.invokeJoin(old, joinError(old.memberId, ErrorCode.FENCED_INSTANCE_ID))
    group.invokeSync(old, syncError(ErrorCode.FENCED_INSTANCE_ID))
    group.remove(old.memberId)
    this.timers.cancel(memberKey(group.groupId, old.memberId))
    const member: Member = { ...old, memberId: newMemberId, awaitingJoin: null, awaitingSync: null, protocols: [...old.protocols] }
    group.add(member)
    if (wasLeader) group.leaderId = newMemberId
    if (hadPendingSync) group.pendingSyncMembers.add(newMemberId)
    return member
  }

  private maybePrepareRebalance(group: ClassicGroup): void {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty')) this.prepareRebalance(group)
  }

  private prepareRebalance(group: ClassicGroup): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS)
    this.timers.cancel(syncKey(group.groupId))
    group.pendingSyncMembers.clear()
    const initial = group.is('Empty')
    group.transitionTo('PreparingRebalance', this.now())
    const delay = this.config.initialRebalanceDelayMs
    if (initial && delay > 0) {
      this.initialDelay.set(group.groupId, Math.max(group.rebalanceTimeoutMs() - delay, 0))
      this.timers.schedule(joinKey(group.groupId), delay, () => this.onInitialDelayExpired(group))
    } else {
      this.initialDelay.delete(group.groupId)
      this.timers.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () => this.completeJoin(group))
    }
  }

  /** group.initial.rebalance.delay.ms: keep waiting while members keep arriving, up to the rebalance timeout. */
  private onInitialDelayExpired(group: ClassicGroup): void {
    const remaining = this.initialDelay.get(group.groupId) ?? 0
    if (group.newMemberAdded && remaining > 0) {
      group.newMemberAdded = false
      const delay = Math.min(this.config.initialRebalanceDelayMs, remaining)
      this.initialDelay.set(group.groupId, Math.max(remaining - this.config.initialRebalanceDelayMs, 0))
      this.timers.schedule(joinKey(group.groupId), delay, () => this.onInitialDelayExpired(group))
      return
    }
    this.initialDelay.delete(group.groupId)
    this.completeJoin(group)
  }

  private tryCompleteJoin(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance') || this.initialDelay.has(group.groupId)) return
    if (group.hasAllMembersJoined()) this.completeJoin(group)
  }

  /**
   * End of the join phase: dynamic members that did not rejoin are dropped (static ones stay until
   * their session times out, KIP-345), a member that rejoined leads, the next generation starts
   * and the parked joins are answered. With members but none rejoined, the phase is extended.
   */
  private completeJoin(group: ClassicGroup): void {
    this.timers.cancel(joinKey(group.groupId))
    this.initialDelay.delete(group.groupId)
    if (!group.is('PreparingRebalance') || this.groups.get(group.groupId) !== group) return
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) {
        group.invokeSync(m, syncError(ErrorCode.REBALANCE_IN_PROGRESS))
        group.remove(m.memberId)
        this.timers.cancel(memberKey(group.groupId, m.memberId))
      }
    }
    if (!this.electJoinedLeader(group) && group.size > 0) {
      // Only static members that have not rejoined: wait another rebalance timeout (or their sessions).
      this.timers.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () => this.completeJoin(group))
      return
    }
    group.newMemberAdded = false
    group.initNextGeneration(this.now())
    if (group.is('Empty')) {
      this.append(group.groupId, [this.groupRecord(group)]).catch((err: unknown) => this.onError(err, 'storing empty group'))
      return
    }
    for (const m of group.members.values()) {
      group.invokeJoin(m, this.joinAnswer(group, m, group.isLeader(m.memberId)))
      m.isNew = false
      this.scheduleMemberExpiry(group, m)
      group.pendingSyncMembers.add(m.memberId)
    }
    // Members that never send SyncGroup are removed after the rebalance timeout.
    this.timers.schedule(syncKey(group.groupId), group.rebalanceTimeoutMs(), () => this.expirePendingSync(group))
  }

  /** Kafka's maybeElectNewJoinedLeader: keep a leader that rejoined, else pick a member that did. */
  private electJoinedLeader(group: ClassicGroup): boolean {
    const leader = group.leaderId !== null ? group.members.get(group.leaderId) : undefined
    if (leader?.awaitingJoin) return true
    for (const m of group.members.values()) {
      if (m.awaitingJoin) {
        group.leaderId = m.memberId
        return true
      }
    }
    return false
  }

  private expirePendingSync(group: ClassicGroup): void {
    if (this.groups.get(group.groupId) !== group) return
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return
    if (group.pendingSyncMembers.size === 0) return
    for (const id of [...group.pendingSyncMembers]) {
      const m = group.members.get(id)
      if (!m) continue
      group.invokeSync(m, syncError(ErrorCode.REBALANCE_IN_PROGRESS))
      group.remove(id)
      this.timers.cancel(memberKey(group.groupId, id))
    }
    this.maybePrepareRebalance(group)
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group)
  }

  private resetAndPropagateAssignmentError(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      m.assignment = EMPTY
      group.invokeSync(m, syncError(errorCode))
    }
  }

  // ---------------------------------------------------------------- membership timers

  private scheduleMemberExpiry(group: ClassicGroup, member: Member, ms = member.sessionTimeoutMs): void {
    const id = member.memberId
    this.timers.schedule(memberKey(group.groupId, id), ms, () => this.onMemberExpired(group, id))
  }

  private onMemberExpired(group: ClassicGroup, memberId: string): void {
    if (this.groups.get(group.groupId) !== group) return
    const m = group.members.get(memberId)
    if (!m) return
    // A parked member is kept alive: the rebalance timeout decides about it (Kafka's shouldKeepAlive).
    if ((m.awaitingJoin && !m.isNew) || m.awaitingSync) {
      this.scheduleMemberExpiry(group, m)
      return
    }
    this.removeMemberAndUpdateGroup(group, m)
  }

  private expirePending(group: ClassicGroup, memberId: string): void {
    if (!group.pendingMembers.delete(memberId)) return
    this.pendingTotal--
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group)
    this.dropIfUnused(group)
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, m: Member): void {
    group.invokeJoin(m, joinError(m.memberId, ErrorCode.UNKNOWN_MEMBER_ID))
    group.invokeSync(m, syncError(ErrorCode.UNKNOWN_MEMBER_ID))
    group.remove(m.memberId)
    this.timers.cancel(memberKey(group.groupId, m.memberId))
    switch (group.state) {
      case 'Stable': case 'CompletingRebalance': this.maybePrepareRebalance(group); break
      case 'PreparingRebalance': break
      default: return
    }
    this.tryCompleteJoin(group)
  }

  /** A group created by a request that added nothing is forgotten again (bounded memory under floods). */
  private dropIfUnused(group: ClassicGroup): void {
    if (group.is('Empty') && group.generationId === 0 && group.size === 0 && group.pendingMembers.size === 0 &&
      !this.offsets.has(group.groupId) && this.groups.get(group.groupId) === group) {
      this.groups.delete(group.groupId)
    }
  }

  // ---------------------------------------------------------------- SyncGroup

  syncGroup(req: SyncRequest): Promise<SyncResult> {
    return new Promise((resolve) => {
      const err = this.checkGroup(req.groupId, false)
      if (err !== ErrorCode.NONE) return resolve(syncError(err))
      const group = this.groups.get(req.groupId)
      if (!group) return resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID))
      if (group.is('Dead')) return resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE))
      if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return resolve(syncError(ErrorCode.FENCED_INSTANCE_ID))
      const member = group.members.get(req.memberId)
      if (!member) return resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID))
      if (req.generationId !== group.generationId) return resolve(syncError(ErrorCode.ILLEGAL_GENERATION))
      if ((req.protocolType !== null && req.protocolType !== group.protocolType) ||
        (req.protocolName !== null && req.protocolName !== group.protocolName)) {
        return resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL))
      }
      switch (group.state) {
        case 'Empty': return resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID))
        case 'PreparingRebalance': return resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS))
        case 'Stable':
          this.synced(group, member)
          return resolve({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment })
        case 'CompletingRebalance': {
          const old = member.awaitingSync
          member.awaitingSync = resolve
          old?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS))
          this.synced(group, member)
          if (group.isLeader(member.memberId)) this.storeAssignment(group, req.assignments)
          return
        }
        default: return resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID))
      }
    })
  }

  private synced(group: ClassicGroup, member: Member): void {
    this.scheduleMemberExpiry(group, member)
    group.pendingSyncMembers.delete(member.memberId)
    if (group.pendingSyncMembers.size === 0) this.timers.cancel(syncKey(group.groupId))
  }

  private storeAssignment(group: ClassicGroup, assignments: SyncRequest['assignments']): void {
    const byMember = new Map<string, Buffer>()
    for (const a of assignments) if (group.has(a.memberId)) byMember.set(a.memberId, a.assignment)
    const generation = group.generationId
    const current = (): boolean => this.groups.get(group.groupId) === group && group.is('CompletingRebalance') && group.generationId === generation
    this.append(group.groupId, [this.groupRecord(group, (m) => byMember.get(m.memberId) ?? EMPTY)]).then(() => {
      if (!current()) return
      for (const m of group.members.values()) {
        m.assignment = byMember.get(m.memberId) ?? EMPTY
        group.invokeSync(m, { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment })
      }
      group.transitionTo('Stable', this.now())
    }, (err: unknown) => {
      this.onError(err, 'storing group assignment')
      if (!current()) return
      this.resetAndPropagateAssignmentError(group, appendErrorCode(err, false))
      this.maybePrepareRebalance(group)
    })
  }

  // ---------------------------------------------------------------- Heartbeat / LeaveGroup

  heartbeat(req: MemberRef): number {
    const err = this.checkGroup(req.groupId, false)
    if (err !== ErrorCode.NONE) return err
    const group = this.groups.get(req.groupId)
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
    const member = group.members.get(req.memberId)
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    switch (group.state) {
      case 'Empty': return ErrorCode.UNKNOWN_MEMBER_ID
      case 'PreparingRebalance':
        this.scheduleMemberExpiry(group, member)
        return ErrorCode.REBALANCE_IN_PROGRESS
      default:
        this.scheduleMemberExpiry(group, member)
        return ErrorCode.NONE
    }
  }

  leaveGroup(groupId: string, members: readonly { memberId: string, groupInstanceId: string | null }[]): LeaveResult {
    const err = this.checkGroup(groupId, false)
    if (err !== ErrorCode.NONE) return { errorCode: err, members: [] }
    const group = this.groups.get(groupId)
    if (!group) return { errorCode: ErrorCode.NONE, members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) }
    if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] }
    const out: MemberError[] = []
    for (const { memberId, groupInstanceId } of members) {
      out.push({ memberId, groupInstanceId, errorCode: this.leaveOne(group, memberId, groupInstanceId) })
    }
    return { errorCode: ErrorCode.NONE, members: out }
  }

  private leaveOne(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (memberId === '') {
      // LeaveGroup v3+ may name a static member by instance id alone.
      const id = groupInstanceId === null ? undefined : group.staticMembers.get(groupInstanceId)
      const m = id === undefined ? undefined : group.members.get(id)
      if (!m) return ErrorCode.UNKNOWN_MEMBER_ID
      this.removeMemberAndUpdateGroup(group, m)
      return ErrorCode.NONE
    }
    if (group.isStaticMemberFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
    if (group.pendingMembers.delete(memberId)) {
      this.pendingTotal--
      this.timers.cancel(memberKey(group.groupId, memberId))
      this.tryCompleteJoin(group)
      return ErrorCode.NONE
    }
    const m = group.members.get(memberId)
    if (!m) return ErrorCode.UNKNOWN_MEMBER_ID
    this.removeMemberAndUpdateGroup(group, m)
    return ErrorCode.NONE
  }

  // ---------------------------------------------------------------- offsets

  /** Per-partition errors, in request order; resolves once the commit records are appended. */
  async commitOffsets(req: CommitRequest): Promise<PartitionError[]> {
    const all = (errorCode: number): PartitionError[] => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }))
    const err = this.checkGroup(req.groupId, true)
    if (err !== ErrorCode.NONE) return all(err)
    if (this.deleting.has(req.groupId)) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    let group = this.groups.get(req.groupId)
    if (!group) {
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION)
      // A group that only uses Kafka to store offsets ("simple" consumer).
      group = new ClassicGroup(req.groupId, this.now())
      this.groups.set(req.groupId, group)
    }
    const groupErr = this.validateCommit(group, req)
    if (groupErr !== ErrorCode.NONE) {
      this.dropIfUnused(group)
      return all(groupErr)
    }
    const now = this.now()
    const errors: PartitionError[] = []
    const records: GroupRecord[] = []
    const expire = req.retentionTimeMs >= 0 ? BigInt(now + req.retentionTimeMs) : -1n
    for (const o of req.offsets) {
      const metadata = o.metadata ?? ''
      let code: number = ErrorCode.NONE
      if (Buffer.byteLength(metadata) > this.config.offsetMetadataMaxBytes) code = ErrorCode.OFFSET_METADATA_TOO_LARGE
      else if (!this.partitionExists(o.topic, o.partition)) code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
      errors.push({ topic: o.topic, partition: o.partition, errorCode: code })
      if (code !== ErrorCode.NONE) continue
      records.push({
        type: 'offset', group: req.groupId, topic: o.topic, partition: o.partition,
        value: {
          offset: BigInt(o.offset), leaderEpoch: o.leaderEpoch, metadata, expireTimestamp: expire, topicId: ZERO_UUID,
          commitTimestamp: BigInt(o.commitTimestamp !== undefined && o.commitTimestamp >= 0 ? o.commitTimestamp : now),
        },
      })
    }
    if (records.length === 0) {
      this.dropIfUnused(group)
      return errors
    }
    this.trackInFlight(req.groupId, records, 1)
    // Replayed when appended, in log order (a deletion appended after these records replays after),
    // even when the answer went out earlier because offsets.commit.timeout.ms passed.
    const appended = this.append(req.groupId, records).then(() => {
      for (const r of records) this.replay(r)
    }).finally(() => this.trackInFlight(req.groupId, records, -1))
    const settled = appended.then(() => {}, () => {})
    this.lastCommit.set(req.groupId, settled)
    void settled.then(() => {
      if (this.lastCommit.get(req.groupId) === settled) this.lastCommit.delete(req.groupId)
    })
    try {
      await this.withCommitTimeout(appended)
    } catch (e) {
      this.onError(e, 'appending offset commit')
      const code = appendErrorCode(e, true)
      this.dropIfUnused(group)
      return errors.map((p) => p.errorCode === ErrorCode.NONE ? { ...p, errorCode: code } : p)
    }
    return errors
  }

  /** Rejects with REQUEST_TIMED_OUT when `p` has not settled within offsets.commit.timeout.ms (on the coordinator clock). */
  private withCommitTimeout(p: Promise<void>): Promise<void> {
    const key = `c\u0000${++this.commitSeq}`
    return new Promise<void>((resolve, reject) => {
      this.timers.schedule(key, this.config.offsetCommitTimeoutMs, () => {
        reject(Object.assign(new Error('offset commit not appended within offsets.commit.timeout.ms'), { code: 'REQUEST_TIMED_OUT' }))
      })
      p.then(resolve, reject).finally(() => this.timers.cancel(key))
    })
  }

  /**
   * Offsets of a committed transaction (TxnOffsetCommit, then EndTxn commit), written as ordinary
   * commits without membership checks. Rejects when the append fails.
   */
  async applyCommittedOffsets(groupId: string, offsets: CommitRequest['offsets']): Promise<void> {
    if (offsets.length === 0) return
    if (!this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId, this.now()))
    const now = BigInt(this.now())
    const records: GroupRecord[] = offsets.map((o) => ({
      type: 'offset', group: groupId, topic: o.topic, partition: o.partition,
      value: { offset: BigInt(o.offset), leaderEpoch: o.leaderEpoch, metadata: o.metadata ?? '', commitTimestamp: now, expireTimestamp: -1n, topicId: ZERO_UUID },
    }))
    await this.append(groupId, records)
    for (const r of records) this.replay(r)
  }

  private trackInFlight(groupId: string, records: readonly GroupRecord[], delta: number): void {
    let m = this.inFlightCommits.get(groupId)
    if (!m) this.inFlightCommits.set(groupId, m = new Map())
    for (const r of records) {
      if (r.type !== 'offset') continue
      const key = `${r.topic}\u0000${r.partition}`
      const e = m.get(key) ?? { topic: r.topic, partition: r.partition, n: 0 }
      e.n += delta
      if (e.n <= 0) m.delete(key)
      else m.set(key, e)
    }
    if (m.size === 0) this.inFlightCommits.delete(groupId)
  }

  private validateCommit(group: ClassicGroup, req: MemberRef): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
    if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS
    const member = group.members.get(req.memberId)
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    this.scheduleMemberExpiry(group, member)
    return ErrorCode.NONE
  }

  /** Resolves once every offset commit of `groupId` received so far is appended (or failed). */
  commitsSettled(groupId: string): Promise<void> {
    return this.lastCommit.get(groupId) ?? Promise.resolve()
  }

  /** `topics` null means every committed offset of the group. */
  fetchOffsets(groupId: string, topics: readonly TopicPartitions[] | null): OffsetFetchResult {
    const err = this.checkGroup(groupId, true)
    if (err !== ErrorCode.NONE) {
      const offsets = (topics ?? []).flatMap((t) => t.partitions.map((p) => missing(t.topic, p, err)))
      return { errorCode: err, offsets }
    }
    if (topics === null) return { errorCode: ErrorCode.NONE, offsets: this.offsets.all(groupId).map(fetched) }
    const offsets: FetchedOffset[] = []
    for (const t of topics) {
      for (const p of t.partitions) {
        const c = this.offsets.get(groupId, t.topic, p)
        offsets.push(c ? fetched(c) : missing(t.topic, p, ErrorCode.NONE))
      }
    }
    return { errorCode: ErrorCode.NONE, offsets }
  }

  async deleteOffsets(groupId: string, topics: readonly TopicPartitions[]): Promise<{ errorCode: number, partitions: PartitionError[] }> {
    const err = this.checkGroup(groupId, false)
    if (err !== ErrorCode.NONE) return { errorCode: err, partitions: [] }
    if (this.deleting.has(groupId)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, partitions: [] }
    const group = this.groups.get(groupId)
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] }
    let subscribed: Set<string> | null = null
    if (!group.is('Empty')) {
      if (group.protocolType !== 'consumer' || group.subscribedTopics === null) return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] }
      subscribed = group.subscribedTopics
    }
    const partitions: PartitionError[] = []
    const records: GroupRecord[] = []
    for (const t of topics) {
      for (const p of t.partitions) {
        let code: number = ErrorCode.NONE
        if (subscribed?.has(t.topic)) code = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC
        else if (!this.partitionExists(t.topic, p)) code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        else if (this.offsets.get(groupId, t.topic, p)) records.push({ type: 'offset', group: groupId, topic: t.topic, partition: p, value: null })
        partitions.push({ topic: t.topic, partition: p, errorCode: code })
      }
    }
    try {
      await this.append(groupId, records)
    } catch (e) {
      this.onError(e, 'appending offset deletion')
      const code = appendErrorCode(e, false)
      return { errorCode: code, partitions: [] }
    }
    for (const r of records) this.replay(r)
    return { errorCode: ErrorCode.NONE, partitions }
  }

  // ---------------------------------------------------------------- admin

  describeGroup(groupId: string): GroupDescription {
    const err = this.checkGroup(groupId, true)
    const dead = { groupId, state: 'Dead', protocolType: '', protocolData: '', members: [] }
    if (err !== ErrorCode.NONE) return { ...dead, errorCode: err }
    const group = this.groups.get(groupId)
    if (!group) return { ...dead, errorCode: ErrorCode.NONE }
    const stable = group.is('Stable')
    return {
      groupId,
      errorCode: ErrorCode.NONE,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? group.protocolName ?? '' : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? group.metadataOf(m, group.protocolName) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    }
  }

  /** Groups that are not Dead; filters match case-insensitively (ListGroups v4 states, v5 types). */
  listGroups(statesFilter: readonly string[] = [], typesFilter: readonly string[] = []): GroupListing[] {
    if (typesFilter.length > 0 && !typesFilter.some((t) => t.toLowerCase() === 'classic')) return []
    const states = new Set(statesFilter.map((s) => s.toLowerCase()))
    const out: GroupListing[] = []
    for (const g of this.groups.values()) {
      if (g.is('Dead') || this.loading.has(this.partitionFor(g.groupId))) continue
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state })
    }
    return out
  }

  /** Members handed an id with MEMBER_ID_REQUIRED that have not joined yet, over all groups. */
  get pendingMemberCount(): number {
    return this.pendingTotal
  }

  get isLoading(): boolean {
    return this.loading.size > 0
  }

  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string, errorCode: number }[]> {
    return Promise.all(groupIds.map(async (groupId) => ({ groupId, errorCode: await this.deleteGroup(groupId) })))
  }

  private deleteGroup(groupId: string): Promise<number> {
    const err = this.checkGroup(groupId, true)
    if (err !== ErrorCode.NONE) return Promise.resolve(err)
    const inFlight = this.deleting.get(groupId)
    if (inFlight) return inFlight
    const group = this.groups.get(groupId)
    if (!group || group.is('Dead')) return Promise.resolve(ErrorCode.GROUP_ID_NOT_FOUND)
    if (!group.is('Empty')) return Promise.resolve(ErrorCode.NON_EMPTY_GROUP)
    return this.writeDeletion(groupId, this.tombstones(groupId), 'appending group deletion')
  }

  /**
   * Appends a group's tombstones (its offsets', then the group's) and replays them once appended.
   * Resolves with NONE or the error the append maps to; memory is unchanged after a failure.
   */
  private writeDeletion(groupId: string, records: readonly GroupRecord[], what: string): Promise<number> {
    const done = this.append(groupId, records).then(() => {
      for (const r of records) this.replay(r)
      return ErrorCode.NONE as number
    }, (e: unknown) => {
      this.onError(e, what)
      return appendErrorCode(e, false)
    }).finally(() => this.deleting.delete(groupId))
    this.deleting.set(groupId, done)
    return done
  }

  private tombstones(groupId: string): GroupRecord[] {
    const partitions = new Map<string, { topic: string, partition: number }>()
    for (const o of this.offsets.all(groupId)) partitions.set(`${o.topic}\u0000${o.partition}`, o)
    for (const [k, o] of this.inFlightCommits.get(groupId) ?? []) partitions.set(k, o)
    const records: GroupRecord[] = [...partitions.values()].map((o) => ({ type: 'offset', group: groupId, topic: o.topic, partition: o.partition, value: null }))
    records.push({ type: 'group', group: groupId, value: null })
    return records
  }

  // ---------------------------------------------------------------- retention and topic deletion

  /** Starts the periodic offsets.retention.check (the broker does; tests call expireOffsets directly). */
  startRetention(): void {
    const run = (): void => {
      this.expireOffsets().catch((e: unknown) => this.onError(e, 'expiring offsets'))
      this.timers.schedule(RETENTION_KEY, this.config.offsetsRetentionCheckIntervalMs, run)
    }
    this.timers.schedule(RETENTION_KEY, this.config.offsetsRetentionCheckIntervalMs, run)
  }

  /**
   * Drops expired offsets (Kafka's rules, KIP-211): in an Empty group every offset expires
   * `offsets.retention.minutes` after the group became empty (or after its commit, for groups
   * without a protocol); in an active consumer group only offsets of topics no member subscribes
   * to expire (from their commit time); an explicit expire timestamp wins. Offsets of topics that no
   * longer exist go too. An Empty group left without offsets is deleted. Returns how many offsets went.
   */
  async expireOffsets(): Promise<number> {
    const now = this.now()
    const retention = this.config.offsetsRetentionMs
    const pending: Promise<number>[] = []
    for (const groupId of new Set([...this.groups.keys(), ...this.offsets.groups()])) {
      if (this.loading.has(this.partitionFor(groupId)) || this.deleting.has(groupId)) continue
      const group = this.groups.get(groupId)
      const records: GroupRecord[] = []
      const empty = !group || group.is('Empty')
      const consumer = group?.protocolType === 'consumer'
      const tomb = (o: CommittedOffset): GroupRecord => ({ type: 'offset', group: groupId, topic: o.topic, partition: o.partition, value: null })
      if (empty || (consumer && group.subscribedTopics !== null)) {
        for (const o of this.offsets.all(groupId)) {
          const gone = !this.partitionExists(o.topic, o.partition)
          let expired: boolean
          if (o.expireTimestamp !== null) expired = now >= o.expireTimestamp
          else if (empty) {
            const base = consumer && group.stateTimestamp !== null ? Math.max(group.stateTimestamp, o.commitTimestamp) : o.commitTimestamp
            expired = now >= base + retention
          } else {
            expired = !group!.subscribedTopics!.has(o.topic) && now >= o.commitTimestamp + retention
          }
          if (expired || gone) records.push(tomb(o))
        }
      } else {
        for (const o of this.offsets.all(groupId)) if (!this.partitionExists(o.topic, o.partition)) records.push(tomb(o))
      }
      const offsetsRemoved = records.length
      // An Empty group left without offsets goes too (not while a commit or a new member is on its way).
      const deleteGroup = group !== undefined && group.is('Empty') && group.pendingMembers.size === 0 &&
        !this.inFlightCommits.has(groupId) && this.offsets.count(groupId) === offsetsRemoved
      if (deleteGroup) {
        records.push({ type: 'group', group: groupId, value: null })
        pending.push(this.writeDeletion(groupId, records, 'appending offset expiry').then((code) => code === ErrorCode.NONE ? offsetsRemoved : 0))
      } else if (offsetsRemoved > 0) {
        pending.push(this.append(groupId, records).then(() => {
          for (const r of records) this.replay(r)
          return offsetsRemoved
        }, (e: unknown) => {
          this.onError(e, 'appending offset expiry')
          return 0
        }))
      }
    }
    let removed = 0
    for (const n of await Promise.all(pending)) removed += n
    return removed
  }

  /** Offsets of deleted topics are removed at once (tombstones written). */
  async onTopicsDeleted(topics: readonly string[]): Promise<void> {
    const names = new Set(topics)
    const pending: Promise<void>[] = []
    for (const groupId of [...this.offsets.groups()]) {
      const records: GroupRecord[] = this.offsets.all(groupId).filter((o) => names.has(o.topic))
        .map((o) => ({ type: 'offset', group: groupId, topic: o.topic, partition: o.partition, value: null }))
      if (records.length === 0) continue
      pending.push(this.append(groupId, records).then(() => {
        for (const r of records) this.replay(r)
      }, (e: unknown) => this.onError(e, 'appending offset removal')))
    }
    await Promise.all(pending)
  }

  // ---------------------------------------------------------------- records and loading

  /** The GroupMetadataValue record of a group as it stands (with an optional assignment override). */
  groupRecord(group: ClassicGroup, assignmentOf: (m: Member) => Buffer = (m) => m.assignment): GroupRecord {
    const value: GroupMetadataValue = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.members.size > 0 ? group.leaderId : null,
      currentStateTimestamp: BigInt(group.stateTimestamp ?? -1),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: group.metadataOf(m, group.protocolName),
        assignment: assignmentOf(m),
      })),
    }
    return { type: 'group', group: group.groupId, value }
  }

  /**
   * Applies one record to the durable state: the only way offsets change, and how groups are
   * rebuilt at load. A group record replaces the group (Stable with members, else Empty).
   */
  replay(rec: GroupRecord): void {
    if (rec.type === 'offset') {
      this.offsets.apply(rec.group, rec.topic, rec.partition, rec.value)
      if (rec.value !== null && !this.groups.has(rec.group)) this.groups.set(rec.group, new ClassicGroup(rec.group, this.now()))
      return
    }
    const existing = this.groups.get(rec.group)
    if (existing) this.forgetGroup(existing, ErrorCode.NOT_COORDINATOR)
    if (rec.value === null) {
      // Offsets committed after the tombstone keep an Empty group, as a load would rebuild it.
      if (this.offsets.has(rec.group)) this.groups.set(rec.group, new ClassicGroup(rec.group, this.now()))
      else this.groups.delete(rec.group)
      return
    }
    const v = rec.value
    const g = new ClassicGroup(rec.group, this.now())
    g.protocolType = v.protocolType === '' ? null : v.protocolType
    g.generationId = v.generation
    g.protocolName = v.protocol
    for (const mm of v.members) {
      g.add({
        memberId: mm.memberId,
        groupInstanceId: mm.groupInstanceId,
        clientId: mm.clientId,
        clientHost: mm.clientHost,
        rebalanceTimeoutMs: mm.rebalanceTimeout >= 0 ? mm.rebalanceTimeout : mm.sessionTimeout,
        sessionTimeoutMs: mm.sessionTimeout,
        protocolType: g.protocolType ?? '',
        protocols: [{ name: v.protocol ?? '', metadata: mm.subscription }],
        assignment: mm.assignment,
        awaitingJoin: null,
        awaitingSync: null,
        isNew: false,
      })
    }
    g.protocolType = v.protocolType === '' ? null : v.protocolType
    g.leaderId = v.leader
    g.state = v.members.length > 0 ? 'Stable' : 'Empty'
    g.stateTimestamp = v.currentStateTimestamp >= 0n ? Number(v.currentStateTimestamp) : null
    g.subscribedTopics = g.computeSubscribedTopics()
    this.groups.set(rec.group, g)
  }

  /** Answers everything parked for a group and cancels its timers (replaced by replay, unloaded, shut down). */
  private forgetGroup(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      group.invokeJoin(m, joinError(m.memberId, errorCode))
      group.invokeSync(m, syncError(errorCode))
      this.timers.cancel(memberKey(group.groupId, m.memberId))
    }
    for (const id of group.pendingMembers) this.timers.cancel(memberKey(group.groupId, id))
    this.pendingTotal -= group.pendingMembers.size
    group.pendingMembers.clear()
    this.timers.cancel(joinKey(group.groupId))
    this.timers.cancel(syncKey(group.groupId))
    this.initialDelay.delete(group.groupId)
  }

  /** Marks a __consumer_offsets partition as loading: its groups answer COORDINATOR_LOAD_IN_PROGRESS. */
  beginLoad(partition: number): void {
    this.loading.add(partition)
  }

  /** Loading done: members of loaded groups get a fresh session timeout to heartbeat within. */
  completeLoad(partition: number): void {
    this.loading.delete(partition)
    for (const g of this.groups.values()) {
      if (this.partitionFor(g.groupId) !== partition) continue
      for (const m of g.members.values()) this.scheduleMemberExpiry(g, m)
    }
  }

  /** Shutdown: every parked answer gets NOT_COORDINATOR; timers stop. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const g of this.groups.values()) this.forgetGroup(g, ErrorCode.NOT_COORDINATOR)
    this.timers.cancel(RETENTION_KEY)
  }

  /** Durable state in a comparable form (tests compare live state with state rebuilt by replay). */
  snapshot(): unknown {
    const groups = [...this.groups.values()].filter((g) => !g.is('Dead')).sort((a, b) => a.groupId < b.groupId ? -1 : 1).map((g) => ({
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
    const offsets = [...this.offsets.groups()].sort().map((g) => ({ group: g, offsets: this.offsets.all(g).sort((a, b) => a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition) }))
    return { groups, offsets }
  }

  /** State names for the lag/CLI layer. */
  stateOf(groupId: string): GroupState | undefined {
    return this.groups.get(groupId)?.state
  }
}

function fetched(c: CommittedOffset): FetchedOffset {
  return { topic: c.topic, partition: c.partition, offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata, errorCode: ErrorCode.NONE }
}

function missing(topic: string, partition: number, errorCode: number): FetchedOffset {
  return { topic, partition, offset: -1, leaderEpoch: -1, metadata: '', errorCode }
}
