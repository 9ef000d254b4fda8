// Classic group membership (the classic half of Kafka's GroupMetadataManager): JoinGroup,
// SyncGroup, Heartbeat and LeaveGroup, and the rebalance and session timers, on the shard's
// clock and timer queue. Membership changes the live group directly and stores its GroupMetadata
// record where Kafka's classic coordinator does (sync complete, group emptied, static member
// replaced), without replaying it live; the durable fields equal what replay of those records
// rebuilds. Rebalance bookkeeping (parked JoinGroup/SyncGroup answers, pending members, timers)
// is ephemeral as in Kafka: after a restart, members heartbeat or rejoin.
//
// Every parked answer is eventually given (a response pipeline waits for it): on completion, on
// member removal, when superseded by a newer request, or at shutdown/resignation (forgetGroup).
import { ErrorCode } from '../../../protocol/errors.ts'
import { ClassicGroup } from './classic-group.ts'
import type { Member } from './classic-group.ts'
import { groupRecordOf } from './classic-group-records.ts'
import { appendErrorCode } from './group-shard-state.ts'
import type { GroupShardState } from './group-shard-state.ts'
import type { JoinRequest, MemberRef, SyncRequest } from './requests.ts'
import type { JoinResult, JoinResultMember, LeaveResult, MemberError, SyncResult } from './results.ts'

/** Pending (MEMBER_ID_REQUIRED) members one group may hold: bounds memory under JoinGroup floods. */
export const MAX_PENDING_MEMBERS_PER_GROUP = 10_000
/** Pending members over all groups (a flood of distinct group ids): about 20 MB at most. */
export const MAX_PENDING_MEMBERS_TOTAL = 100_000

const EMPTY = Buffer.alloc(0)
const memberKey = (g: string, m: string): string => `m\u0000${g}\u0000${m}`
const joinKey = (g: string): string => `j\u0000${g}`
const syncKey = (g: string): string => `s\u0000${g}`

export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: '', memberId, members: [], skipAssignment: false }
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY }
}

export class ClassicMembership {
  /** Join timer kind per group: the initial delay does not complete early. */
  private readonly initialDelay = new Map<string, number>()
  /** Pending members over all groups. */
  pendingTotal = 0

  constructor(private readonly s: GroupShardState) {}

  // ---------------------------------------------------------------- JoinGroup

  joinGroup(req: JoinRequest): Promise<JoinResult> {
    return new Promise((resolve) => {
      const err = this.s.checkGroup(req.groupId, false)
      if (err !== ErrorCode.NONE) return resolve(joinError(req.memberId, err))
      if (this.s.deleting.has(req.groupId)) return resolve(joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE))
      // The coordinator sends joins for consumer groups to the classic bridge; one that got here
      // raced a conversion.
      if (this.s.consumerGroups.has(req.groupId) || this.s.shareGroups.has(req.groupId)) return resolve(joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL))
      const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.s.config
      if (req.sessionTimeoutMs < min || req.sessionTimeoutMs > max) return resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT))
      let metadataBytes = 0
      for (const p of req.protocols) metadataBytes += p.metadata.length + p.name.length
      if (metadataBytes > this.s.config.maxMemberMetadataBytes) return resolve(joinError(req.memberId, ErrorCode.INVALID_REQUEST))
      const isUnknown = req.memberId === ''
      let group = this.s.groups.get(req.groupId)
      let created = false
      if (!group) {
        if (!isUnknown) return resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID))
        group = new ClassicGroup(req.groupId, this.s.now())
        this.s.groups.set(req.groupId, group)
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
    const max = this.s.config.maxGroupSize
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
    const newMemberId = this.s.newMemberId(req.groupInstanceId ?? req.clientId)
    if (req.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(req.groupInstanceId)
      if (oldMemberId === undefined) this.addMemberAndRebalance(group, newMemberId, req, resolve)
      else this.updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, req, resolve)
      return
    }
    if (req.requireKnownMemberId) {
      if (group.pendingMembers.size >= Math.min(MAX_PENDING_MEMBERS_PER_GROUP, this.s.config.maxGroupSize) ||
        this.pendingTotal >= MAX_PENDING_MEMBERS_TOTAL) {
        return resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED))
      }
      group.pendingMembers.add(newMemberId)
      this.pendingTotal++
      this.s.timers.schedule(memberKey(group.groupId, newMemberId), req.sessionTimeoutMs, () => this.expirePending(group, newMemberId))
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
      this.s.timers.cancel(memberKey(group.groupId, memberId))
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
    this.scheduleMemberExpiry(group, member, this.s.config.newMemberJoinTimeoutMs)
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
        this.s.append(group.groupId, [groupRecordOf(group)]).then(() => {
          const isLeader = group.isLeader(newMemberId)
          const skip = isLeader && req.supportSkipAssignment
          resolve(this.joinAnswer(group, member, skip, currentLeader, skip))
        }, (err: unknown) => {
          this.s.onError(err, 'storing static member replacement')
          if (this.s.groups.get(group.groupId) === group && group.generationId === generation && group.members.get(newMemberId) === member) {
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
    this.s.timers.cancel(memberKey(group.groupId, old.memberId))
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
    this.s.timers.cancel(syncKey(group.groupId))
    group.pendingSyncMembers.clear()
    const initial = group.is('Empty')
    group.transitionTo('PreparingRebalance', this.s.now())
    const delay = this.s.config.initialRebalanceDelayMs
    if (initial && delay > 0) {
      this.initialDelay.set(group.groupId, Math.max(group.rebalanceTimeoutMs() - delay, 0))
      this.s.timers.schedule(joinKey(group.groupId), delay, () => this.onInitialDelayExpired(group))
    } else {
      this.initialDelay.delete(group.groupId)
      this.s.timers.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () => this.completeJoin(group))
    }
  }

  /** group.initial.rebalance.delay.ms: keep waiting while members keep arriving, up to the rebalance timeout. */
  private onInitialDelayExpired(group: ClassicGroup): void {
    const remaining = this.initialDelay.get(group.groupId) ?? 0
    if (group.newMemberAdded && remaining > 0) {
      group.newMemberAdded = false
      const delay = Math.min(this.s.config.initialRebalanceDelayMs, remaining)
      this.initialDelay.set(group.groupId, Math.max(remaining - this.s.config.initialRebalanceDelayMs, 0))
      this.s.timers.schedule(joinKey(group.groupId), delay, () => this.onInitialDelayExpired(group))
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
    this.s.timers.cancel(joinKey(group.groupId))
    this.initialDelay.delete(group.groupId)
    if (!group.is('PreparingRebalance') || this.s.groups.get(group.groupId) !== group) return
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) {
        group.invokeSync(m, syncError(ErrorCode.REBALANCE_IN_PROGRESS))
        group.remove(m.memberId)
        this.s.timers.cancel(memberKey(group.groupId, m.memberId))
      }
    }
    if (!this.electJoinedLeader(group) && group.size > 0) {
      // Only static members that have not rejoined: wait another rebalance timeout (or their sessions).
      this.s.timers.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () => this.completeJoin(group))
      return
    }
    group.newMemberAdded = false
    group.initNextGeneration(this.s.now())
    if (group.is('Empty')) {
      this.s.append(group.groupId, [groupRecordOf(group)]).catch((err: unknown) => this.s.onError(err, 'storing empty group'))
      return
    }
    for (const m of group.members.values()) {
      group.invokeJoin(m, this.joinAnswer(group, m, group.isLeader(m.memberId)))
      m.isNew = false
      this.scheduleMemberExpiry(group, m)
      group.pendingSyncMembers.add(m.memberId)
    }
    // Members that never send SyncGroup are removed after the rebalance timeout.
    this.s.timers.schedule(syncKey(group.groupId), group.rebalanceTimeoutMs(), () => this.expirePendingSync(group))
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
    if (this.s.groups.get(group.groupId) !== group) return
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return
    if (group.pendingSyncMembers.size === 0) return
    for (const id of [...group.pendingSyncMembers]) {
      const m = group.members.get(id)
      if (!m) continue
      group.invokeSync(m, syncError(ErrorCode.REBALANCE_IN_PROGRESS))
      group.remove(id)
      this.s.timers.cancel(memberKey(group.groupId, id))
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

  scheduleMemberExpiry(group: ClassicGroup, member: Member, ms = member.sessionTimeoutMs): void {
    const id = member.memberId
    this.s.timers.schedule(memberKey(group.groupId, id), ms, () => this.onMemberExpired(group, id))
  }

  private onMemberExpired(group: ClassicGroup, memberId: string): void {
    if (this.s.groups.get(group.groupId) !== group) return
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
    this.s.timers.cancel(memberKey(group.groupId, m.memberId))
    switch (group.state) {
      case 'Stable': case 'CompletingRebalance': this.maybePrepareRebalance(group); break
      case 'PreparingRebalance': break
      default: return
    }
    this.tryCompleteJoin(group)
  }

  /** A group created by a request that added nothing is forgotten again (bounded memory under floods). */
  dropIfUnused(group: ClassicGroup): void {
    if (group.is('Empty') && group.generationId === 0 && group.size === 0 && group.pendingMembers.size === 0 &&
      !this.s.offsets.has(group.groupId) && this.s.groups.get(group.groupId) === group) {
      this.s.groups.delete(group.groupId)
    }
  }

  // ---------------------------------------------------------------- SyncGroup

  syncGroup(req: SyncRequest): Promise<SyncResult> {
    return new Promise((resolve) => {
      const err = this.s.checkGroup(req.groupId, false)
      if (err !== ErrorCode.NONE) return resolve(syncError(err))
      const group = this.s.groups.get(req.groupId)
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
    if (group.pendingSyncMembers.size === 0) this.s.timers.cancel(syncKey(group.groupId))
  }

  private storeAssignment(group: ClassicGroup, assignments: SyncRequest['assignments']): void {
    const byMember = new Map<string, Buffer>()
    for (const a of assignments) if (group.has(a.memberId)) byMember.set(a.memberId, a.assignment)
    const generation = group.generationId
    const current = (): boolean => this.s.groups.get(group.groupId) === group && group.is('CompletingRebalance') && group.generationId === generation
    this.s.append(group.groupId, [groupRecordOf(group, (m) => byMember.get(m.memberId) ?? EMPTY)]).then(() => {
      if (!current()) return
      for (const m of group.members.values()) {
        m.assignment = byMember.get(m.memberId) ?? EMPTY
        group.invokeSync(m, { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment })
      }
      group.transitionTo('Stable', this.s.now())
    }, (err: unknown) => {
      this.s.onError(err, 'storing group assignment')
      if (!current()) return
      this.resetAndPropagateAssignmentError(group, appendErrorCode(err, false))
      this.maybePrepareRebalance(group)
    })
  }

  // ---------------------------------------------------------------- Heartbeat / LeaveGroup

  heartbeat(req: MemberRef): number {
    const err = this.s.checkGroup(req.groupId, false)
    if (err !== ErrorCode.NONE) return err
    const group = this.s.groups.get(req.groupId)
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
    const err = this.s.checkGroup(groupId, false)
    if (err !== ErrorCode.NONE) return { errorCode: err, members: [] }
    const group = this.s.groups.get(groupId)
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
      this.s.timers.cancel(memberKey(group.groupId, memberId))
      this.tryCompleteJoin(group)
      return ErrorCode.NONE
    }
    const m = group.members.get(memberId)
    if (!m) return ErrorCode.UNKNOWN_MEMBER_ID
    this.removeMemberAndUpdateGroup(group, m)
    return ErrorCode.NONE
  }

  /**
   * A consumer group just became this classic group (online downgrade): its members get sessions
   * and, unless a replacing static member kept everything as it was, must rejoin.
   */
  convertedFromConsumer(groupId: string, rebalance: boolean): void {
    const group = this.s.groups.get(groupId)
    if (!group || !group.is('Stable')) return
    for (const m of group.members.values()) this.scheduleMemberExpiry(group, m)
    if (rebalance) this.prepareRebalance(group)
  }

  /** Answers everything parked for a group and cancels its timers (replaced by replay, unloaded, shut down). */
  forgetGroup(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      group.invokeJoin(m, joinError(m.memberId, errorCode))
      group.invokeSync(m, syncError(errorCode))
      this.s.timers.cancel(memberKey(group.groupId, m.memberId))
    }
    for (const id of group.pendingMembers) this.s.timers.cancel(memberKey(group.groupId, id))
    this.pendingTotal -= group.pendingMembers.size
    group.pendingMembers.clear()
    this.s.timers.cancel(joinKey(group.groupId))
    this.s.timers.cancel(syncKey(group.groupId))
    this.initialDelay.delete(group.groupId)
  }

}
