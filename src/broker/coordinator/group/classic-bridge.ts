// Classic members inside a consumer group (Kafka's classicGroupJoinToConsumerGroup and its
// Sync/Heartbeat/Leave siblings). They keep speaking JoinGroup/SyncGroup/Heartbeat/LeaveGroup.
// The broker computes their assignment like any consumer member's.
// - JoinGroup: takes the member's subscription and the partitions it still owns (from its
//   subscription), runs the heartbeat's steps (epoch, target, reconciliation) and answers at
//   once. The generation is the member epoch. There is no leader: nobody runs an assignor.
// - SyncGroup: answers the member's current assignment, serialized at its subscription's version.
// - Heartbeat: answers REBALANCE_IN_PROGRESS while the member must rejoin. That is when a newer
//   target exists, when it must revoke, or when partitions it waits for are free. A rejoin is
//   then due within the rebalance timeout, and the sync after a join within it too; missing
//   either fences the member, as does its own session timeout.
// - LeaveGroup: fences the members. When only classic members remain, the group goes back to
//   classic (group-migration.ts), as it does when a classic static member replaces the last
//   consumer-protocol member.
// Operations run in the consumer group's queue. One that finds the group gone (converted back or
// deleted meanwhile) answers `null`, and the coordinator hands it to the classic side.
import { randomUUID } from 'node:crypto'
import { ErrorCode } from '../../../protocol/errors.ts'
import { syncError, joinError } from './classic-membership.ts'
import { MemberState, newMember } from './consumer-group.ts'
import type { ConsumerGroup, ConsumerGroupMember } from './consumer-group.ts'
import { removalRecords } from './consumer-group-records.ts'
import { joinKey, syncKey } from './consumer-membership.ts'
import type { ConsumerMembership } from './consumer-membership.ts'
import { assignmentVersionOf, readSubscription, toIds, writeAssignment } from './consumer-protocol-data.ts'
import { validateDowngradeOnReplacement } from './group-migration.ts'
import type { ClassicSubscription } from './consumer-protocol-data.ts'
import type { GroupShardState } from './group-shard-state.ts'
import { appendErrorCode } from './group-shard-state.ts'
import { HeartbeatError, fail } from './member-heartbeat.ts'
import type { GroupRecord } from './records.ts'
import type { JoinRequest, MemberRef, SyncRequest } from './requests.ts'
import type { JoinResult, LeaveResult, MemberError, SyncResult } from './results.ts'

export class ClassicBridge {
  constructor(private readonly s: GroupShardState, private readonly c: ConsumerMembership) {}

  join(req: JoinRequest): Promise<JoinResult | null> {
    return this.run(req.groupId, () => this.doJoin(req), (code) => joinError(req.memberId, code), 'classic join to a consumer group')
  }

  sync(req: SyncRequest): Promise<SyncResult | null> {
    return this.run(req.groupId, async () => this.doSync(req), (code) => syncError(code), 'classic sync in a consumer group')
  }

  leave(groupId: string, members: readonly { memberId: string, groupInstanceId: string | null }[]): Promise<LeaveResult | null> {
    return this.run(groupId, () => this.doLeave(groupId, members), (code) => ({ errorCode: code, members: [] }), 'classic leave from a consumer group')
  }

  /** Heartbeat: answered from the group as it stands (it writes nothing). */
  heartbeat(group: ConsumerGroup, req: MemberRef): number {
    try {
      const member = this.classicMember(group, req.memberId, req.groupInstanceId)
      if (req.generationId !== member.memberEpoch) return ErrorCode.ILLEGAL_GENERATION
      this.c.scheduleSession(group.groupId, member.memberId)
      // Also when the group epoch moved without a new target (a member left): the rejoin computes it.
      const rejoin = member.memberEpoch < group.assignmentEpoch || group.groupEpoch > group.assignmentEpoch ||
        member.state === MemberState.UNREVOKED_PARTITIONS ||
        (member.state === MemberState.UNRELEASED_PARTITIONS && !group.waitingOnUnreleasedPartition(member))
      if (!rejoin) return ErrorCode.NONE
      this.scheduleJoinTimeoutIfAbsent(group.groupId, member)
      return ErrorCode.REBALANCE_IN_PROGRESS
    } catch (err) {
      if (err instanceof HeartbeatError) return err.code
      throw err
    }
  }

  private run<T>(groupId: string, fn: () => Promise<T>, error: (code: number) => T, what: string): Promise<T | null> {
    return this.c.serially(groupId, async () => {
      const gate = this.s.checkGroup(groupId, false)
      if (gate !== ErrorCode.NONE) return error(gate)
      if (!this.c.groups.has(groupId)) return null
      try {
        return await fn()
      } catch (err) {
        if (err instanceof HeartbeatError) return error(err.code)
        this.s.onError(err, what)
        return error(appendErrorCode(err, false))
      }
    })
  }

  private async doJoin(req: JoinRequest): Promise<JoinResult> {
    const group = this.c.groups.get(req.groupId)!
    if (this.s.config.migrationPolicy === 'disabled') {
      fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Cannot join the consumer group ${req.groupId} with the classic protocol because the group migration is disabled.`)
    }
    const unknown = req.memberId === ''
    const memberId = unknown ? randomUUID() : req.memberId
    if (!group.members.has(memberId) && group.staticMember(req.groupInstanceId ?? '') === undefined && group.members.size >= this.s.config.consumerMaxSize) {
      fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.s.config.consumerMaxSize} members.`)
    }
    if (!group.supportsClassicProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
      fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Member ${memberId}'s protocols are not supported.`)
    }
    // JoinGroup v4+: a new dynamic member first learns its id.
    if (unknown && req.groupInstanceId === null && req.requireKnownMemberId) return joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED)
    let subscription: ClassicSubscription
    try {
      subscription = readSubscription(req.protocols[0].metadata)
    } catch {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `Member ${memberId}'s subscription does not parse.`)
    }
    const records: GroupRecord[] = []
    const { member, replaced } = this.memberFor(group, memberId, unknown, req.groupInstanceId, records)
    const updated: ConsumerGroupMember = {
      ...member,
      instanceId: req.groupInstanceId ?? member.instanceId,
      rackId: subscription.rackId ?? member.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: subscription.topics,
      subscribedTopicRegex: null,
      clientId: req.clientId,
      clientHost: req.clientHost,
      classic: { sessionTimeoutMs: req.sessionTimeoutMs, protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) },
    }
    if (replaced && validateDowngradeOnReplacement(group, replaced, this.s.config)) {
      // The replaced member was the last on the consumer protocol: the group becomes classic,
      // the joining member holding what the replaced one had.
      await this.c.downgradeReplacing(group, replaced, updated)
      return {
        errorCode: ErrorCode.NONE, generationId: group.groupEpoch, protocolType: 'consumer', protocolName: req.protocols[0].name,
        leaderId: '', memberId, members: [], skipAssignment: false,
      }
    }
    const owned = toIds(subscription.ownedPartitions, (n) => this.c.topics.topicId(n))
    const { next } = this.c.advance(group, member, updated, replaced, owned, records)
    await this.s.write(group.groupId, records)
    this.s.timers.cancel(joinKey(group.groupId, memberId))
    this.c.scheduleSession(group.groupId, memberId)
    this.s.timers.schedule(syncKey(group.groupId, memberId), Math.max(0, req.rebalanceTimeoutMs),
      () => this.c.fenceLater(group.groupId, memberId, (m) => m.classic !== null, 'the member failed to sync within timeout'))
    return {
      errorCode: ErrorCode.NONE, generationId: next.memberEpoch, protocolType: 'consumer', protocolName: req.protocols[0].name,
      leaderId: '', memberId, members: [], skipAssignment: false,
    }
  }

  /** The joining member: a known one, a new one, or a static member taking over its instance id's place. */
  private memberFor(group: ConsumerGroup, memberId: string, unknown: boolean, instanceId: string | null, records: GroupRecord[]): { member: ConsumerGroupMember, replaced?: ConsumerGroupMember } {
    if (instanceId === null) return { member: group.members.get(memberId) ?? newMember(memberId) }
    const stat = group.staticMember(instanceId)
    if (!stat) return { member: group.members.get(memberId) ?? newMember(memberId) }
    if (stat.memberId === memberId) return { member: stat }
    if (!unknown) fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${stat.memberId}.`)
    // The new instance inherits the departed one's assignment (no revocation round).
    records.push(...removalRecords(group.groupId, stat.memberId))
    this.c.cancelTimers(group.groupId, stat.memberId)
    return { member: { ...stat, memberId, memberEpoch: 0, previousMemberEpoch: 0 }, replaced: stat }
  }

  private doSync(req: SyncRequest): SyncResult {
    const group = this.c.groups.get(req.groupId)!
    const member = this.classicMember(group, req.memberId, req.groupInstanceId)
    if (req.generationId !== member.memberEpoch) fail(ErrorCode.ILLEGAL_GENERATION, '')
    const protocolName = member.classic!.protocols[0]?.name ?? null
    if ((req.protocolType !== null && req.protocolType !== 'consumer') || (req.protocolName !== null && req.protocolName !== protocolName)) {
      fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, '')
    }
    if (group.assignmentEpoch > member.memberEpoch && member.state !== MemberState.UNREVOKED_PARTITIONS) {
      this.scheduleJoinTimeoutIfAbsent(group.groupId, member)
      fail(ErrorCode.REBALANCE_IN_PROGRESS, '')
    }
    this.s.timers.cancel(syncKey(group.groupId, member.memberId))
    this.c.scheduleSession(group.groupId, member.memberId)
    const version = assignmentVersionOf(member.classic!.protocols[0]?.metadata)
    return { errorCode: ErrorCode.NONE, protocolType: req.protocolType, protocolName: req.protocolName, assignment: writeAssignment(member.assigned, this.c.topics.namesById(), version) }
  }

  private async doLeave(groupId: string, members: readonly { memberId: string, groupInstanceId: string | null }[]): Promise<LeaveResult> {
    const group = this.c.groups.get(groupId)!
    const out: MemberError[] = []
    const leaving = new Map<string, ConsumerGroupMember>()
    for (const { memberId, groupInstanceId } of members) {
      let code: number = ErrorCode.NONE
      const m = groupInstanceId === null ? group.members.get(memberId) : group.staticMember(groupInstanceId)
      if (!m) code = ErrorCode.UNKNOWN_MEMBER_ID
      else if (groupInstanceId !== null && memberId !== '' && m.memberId !== memberId) code = ErrorCode.FENCED_INSTANCE_ID
      else leaving.set(m.memberId, m)
      out.push({ memberId, groupInstanceId, errorCode: code })
    }
    if (leaving.size > 0) await this.c.fence(group, ...leaving.values())
    return { errorCode: ErrorCode.NONE, members: out }
  }

  /** Kafka's validateConsumerGroupMember + throwIfMemberDoesNotUseClassicProtocol. */
  private classicMember(group: ConsumerGroup, memberId: string, instanceId: string | null): ConsumerGroupMember {
    const member = group.members.get(memberId)
    if (!member) {
      if (instanceId !== null && group.staticMember(instanceId)) fail(ErrorCode.FENCED_INSTANCE_ID, '')
      return fail(ErrorCode.UNKNOWN_MEMBER_ID, '')
    }
    if (instanceId !== null && member.instanceId !== instanceId) fail(ErrorCode.FENCED_INSTANCE_ID, '')
    if (member.classic === null) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} does not use the classic protocol.`)
    return member
  }

  private scheduleJoinTimeoutIfAbsent(groupId: string, member: ConsumerGroupMember): void {
    const key = joinKey(groupId, member.memberId)
    if (this.s.timers.has(key)) return
    this.s.timers.schedule(key, Math.max(0, member.rebalanceTimeoutMs),
      () => this.c.fenceLater(groupId, member.memberId, (m) => m.classic !== null, 'the classic member failed to join within the rebalance timeout'))
  }
}
