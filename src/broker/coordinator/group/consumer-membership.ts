// ConsumerGroupHeartbeat (KIP-848) on the group coordinator shard, in Kafka's order: find or
// create the group and member (fencing stale epochs), take the member's subscription, bump the
// group epoch when subscriptions or the subscribed topics changed, compute a new target
// assignment when the group epoch is ahead of it, reconcile the member towards its target
// (current-assignment.ts), then persist what changed as ConsumerGroup* records and apply them by
// replay. Operations on one group run one at a time (heartbeats, session and revocation
// timeouts), so each is computed from the state every earlier one left, and a failed append
// leaves memory untouched. Timers: session expiry (group.consumer.session.timeout.ms from every
// heartbeat) and the rebalance timeout of a member asked to revoke partitions.
import { randomUUID } from 'node:crypto'
import { ErrorCode } from '../../../protocol/errors.ts'
import { ASSIGNORS } from './assignors.ts'
import {
  ConsumerGroup, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH, MemberState, assignmentFromList,
  assignmentToList, newMember, sameAssignment,
} from './consumer-group.ts'
import type { Assignment, ConsumerGroupMember } from './consumer-group.ts'
import { currentRecord, memberRecord, removalRecords } from './consumer-group-records.ts'
import type { ConsumerGroupRecord } from './consumer-group-records.ts'
import { reconcile } from './current-assignment.ts'
import type { OwnedPartitions, ReconciledAssignment } from './current-assignment.ts'
import { consumerGroupFromClassic, downgradeRecords, validateOnlineDowngrade, validateOnlineUpgrade } from './group-migration.ts'
import type { ClassicGroup } from './classic-group.ts'
import type { GroupShardState } from './group-shard-state.ts'
import { GroupQueue, fail, heartbeatError, runHeartbeat } from './member-heartbeat.ts'
import type { HeartbeatResult } from './member-heartbeat.ts'
import type { GroupRecord } from './records.ts'
import { SubscribedTopics } from './subscribed-topic-ids.ts'
import type { RegexView, TopicLookup } from './subscribed-topic-ids.ts'
import { DESCRIBE_ANY, refreshRegexes, regexView } from './regex-resolution.ts'
import type { TopicFilter } from './regex-resolution.ts'

export interface ConsumerHeartbeatRequest {
  readonly groupId: string
  readonly memberId: string
  readonly memberEpoch: number
  readonly instanceId: string | null
  readonly rackId: string | null
  readonly rebalanceTimeoutMs: number
  readonly subscribedTopicNames: readonly string[] | null
  readonly subscribedTopicRegex: string | null
  readonly serverAssignor: string | null
  readonly topicPartitions: OwnedPartitions
  readonly clientId: string
  readonly clientHost: string
  readonly version: number
  /** Under an authorizer: DESCRIBE on a topic for this request's principal and host (regex subscriptions). */
  readonly describable?: TopicFilter | null
}

export type ConsumerHeartbeatResult = HeartbeatResult

/** What the consumer side asks of the classic side when a group changes type with members in it. */
export interface ClassicGroupHooks {
  /** Upgrade appended: the classic group's parked answers say REBALANCE_IN_PROGRESS, its timers stop. */
  forget(group: ClassicGroup, errorCode: number): void
  /** Downgrade replayed: the new classic group's members get sessions and (when asked) a rebalance starts. */
  converted(groupId: string, rebalance: boolean): void
}

/** Steps 1-3 of a heartbeat or of a classic member's join: what the member becomes. */
export interface Advanced {
  readonly next: ReconciledAssignment
  readonly changed: boolean
  readonly assignedChanged: boolean
}

export class ConsumerMembership {
  private readonly queue = new GroupQueue()
  readonly topics: SubscribedTopics

  constructor(private readonly s: GroupShardState, lookup: TopicLookup, private readonly classic: ClassicGroupHooks,
    /** Whether an authorizer decides requests: regexes then resolve to the topics each member may describe. */
    private readonly authorizing: () => boolean = () => false) {
    this.topics = new SubscribedTopics(lookup)
  }

  /** The regex members' topics under an authorizer (undefined without one: every match). */
  private viewOf(group: ConsumerGroup): RegexView | undefined {
    return this.authorizing() ? regexView(group, () => this.topics.namesById()) : undefined
  }

  get groups(): Map<string, ConsumerGroup> {
    return this.s.consumerGroups
  }

  heartbeat(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const early = this.checkRequest(req)
    if (early) return Promise.resolve(early)
    return runHeartbeat(this.s, this.queue, req.groupId, 'consumer group heartbeat', () => this.doHeartbeat(req))
  }

  /** Request validation before any group state is read (Kafka's InvalidRequestException cases). */
  private checkRequest(req: ConsumerHeartbeatRequest): ConsumerHeartbeatResult | null {
    const invalid = (msg: string) => heartbeatError(ErrorCode.INVALID_REQUEST, msg)
    if (!this.s.config.rebalanceProtocols.includes('consumer')) return heartbeatError(ErrorCode.UNSUPPORTED_VERSION, 'the consumer rebalance protocol is not enabled')
    if (req.groupId === '') return invalid("GroupId can't be empty.")
    const err = this.s.checkGroup(req.groupId, false)
    if (err !== ErrorCode.NONE) return heartbeatError(err, null)
    if (req.instanceId === '') return invalid("InstanceId can't be empty.")
    if (req.rackId === '') return invalid("RackId can't be empty.")
    if (req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || (req.memberEpoch === 0 && req.version >= 1)) {
      if (req.memberId === '') return invalid("MemberId can't be empty.")
    }
    if (req.memberEpoch === 0) {
      if (req.rebalanceTimeoutMs === -1) return invalid('RebalanceTimeoutMs must be provided in first request.')
      if (req.topicPartitions === null || req.topicPartitions.length > 0) return invalid('TopicPartitions must be empty when (re-)joining.')
      if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) return invalid('SubscribedTopicNames or SubscribedTopicRegex must be set in first request.')
    } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (req.memberId === '') return invalid("MemberId can't be empty.")
      if (req.instanceId === null) return invalid("InstanceId can't be null.")
    } else if (req.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      return invalid('MemberEpoch is invalid.')
    }
    if (req.subscribedTopicRegex !== null) {
      const re = this.topics.regex(req.subscribedTopicRegex)
      if (typeof re === 'string') return heartbeatError(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex ${req.subscribedTopicRegex} is invalid: ${re}`)
    }
    if (req.serverAssignor !== null && !this.assignorNames().includes(req.serverAssignor)) {
      return heartbeatError(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${this.assignorNames().join(', ')}.`)
    }
    return null
  }

  private assignorNames(): readonly string[] {
    return this.s.config.consumerAssignors.filter((n) => ASSIGNORS[n] !== undefined)
  }

  /** Runs `fn` after every earlier operation on the group has settled. */
  serially<T>(groupId: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.serially(groupId, fn)
  }

  private async doHeartbeat(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const gate = this.s.checkGroup(req.groupId, false)
    if (gate !== ErrorCode.NONE) fail(gate, '')
    if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return this.leave(req)
    const records: GroupRecord[] = []
    const { group, upgradedFrom } = this.groupFor(req, records)
    const memberId = req.memberId === '' ? randomUUID() : req.memberId
    if (group.members.size >= this.s.config.consumerMaxSize && !group.members.has(memberId)) {
      fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.s.config.consumerMaxSize} members.`)
    }
    const { member, replaced } = this.memberFor(group, req, memberId, records)
    const updated: ConsumerGroupMember = {
      ...member,
      instanceId: req.instanceId ?? member.instanceId,
      rackId: req.rackId ?? member.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
      serverAssignor: req.serverAssignor ?? member.serverAssignor,
      subscribedTopicNames: req.subscribedTopicNames ? [...req.subscribedTopicNames] : member.subscribedTopicNames,
      subscribedTopicRegex: req.subscribedTopicRegex ?? member.subscribedTopicRegex,
      clientId: req.clientId,
      clientHost: req.clientHost,
      // A classic member that switched to the consumer protocol (same static id) speaks it from now on.
      classic: null,
    }
    let regex: { view: RegexView, changed: boolean } | undefined
    const filter = req.describable ?? DESCRIBE_ANY
    const refresh = this.authorizing() ? this.refreshRegexes(group, updated, replaced, filter) : null
    if (this.authorizing()) regex = { view: regexView(group, () => this.topics.namesById(), refresh?.resolved), changed: refresh?.changed ?? false }
    const { next, changed, assignedChanged } = this.advance(group, member, updated, replaced, req.topicPartitions, records, regex)

    await this.s.write(group.groupId, records, upgradedFrom ? () => this.classic.forget(upgradedFrom, ErrorCode.REBALANCE_IN_PROGRESS) : undefined)
    const written = this.groups.get(group.groupId)
    if (regex && written) written.regexes.remember(memberId, filter, refresh, written.members)
    if (upgradedFrom) for (const m of group.members.values()) if (m.memberId !== memberId) this.scheduleSession(group.groupId, m.memberId)
    const after = this.groups.get(group.groupId)?.members.get(memberId)
    this.scheduleSession(group.groupId, memberId)
    if (after?.state === MemberState.UNREVOKED_PARTITIONS) {
      if (changed) this.scheduleRebalanceTimeout(group.groupId, memberId, after.memberEpoch, after.rebalanceTimeoutMs)
    } else {
      this.s.timers.cancel(rebalanceKey(group.groupId, memberId))
    }
    const full = req.memberEpoch === 0 || (req.rebalanceTimeoutMs !== -1 && req.subscribedTopicNames !== null && req.topicPartitions !== null)
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId,
      memberEpoch: next.memberEpoch,
      heartbeatIntervalMs: this.s.config.consumerHeartbeatIntervalMs,
      assignment: full || assignedChanged ? assignmentToList(next.assigned) : null,
    }
  }

  /** Kafka's regex refresh, due or not, for the group as this heartbeat leaves it (regex-resolution.ts). */
  private refreshRegexes(group: ConsumerGroup, updated: ConsumerGroupMember, replaced: ConsumerGroupMember | undefined, filter: TopicFilter) {
    const members = new Map(group.members)
    if (replaced) members.delete(replaced.memberId)
    members.set(updated.memberId, updated)
    return refreshRegexes({
      state: group.regexes, members, memberId: updated.memberId, filter, names: () => this.topics.names(),
      topicsVersion: () => this.topics.newTopicsVersion(), now: this.s.now(), intervalMs: this.s.config.consumerRegexRefreshIntervalMs,
    })
  }

  /**
   * Kafka's heartbeat steps 1-3, shared with classic members' joins: the member's subscription
   * (the group epoch moves when it, the rack or the subscribed topics changed), a new target
   * assignment when the group epoch is ahead of it, and the member reconciled towards its target.
   * Pushes the records and returns what the member becomes once they are replayed.
   */
  advance(group: ConsumerGroup, member: ConsumerGroupMember, updated: ConsumerGroupMember, replaced: ConsumerGroupMember | undefined,
    owned: OwnedPartitions, records: GroupRecord[], regex?: { readonly view: RegexView, readonly changed: boolean }): Advanced {
    const memberId = updated.memberId
    const isNew = !group.members.has(memberId)
    if (isNew || metadataChanged(member, updated)) records.push(memberRecord(group.groupId, updated))
    // The rack too: the assignors place partitions by rack (Kafka's, not rack-aware, do not bump).
    // A regex resolved to other topics moves it too (Kafka's handleRegularExpressionsResult).
    let bump = isNew && !replaced ? true : subscriptionChanged(member, updated) || member.rackId !== updated.rackId || regex?.changed === true
    const members = new Map(group.members)
    if (replaced) members.delete(replaced.memberId)
    members.set(memberId, updated)
    const view = regex ? regex.view : this.viewOf(group)
    const hash = this.topics.metadataHash(members.values(), view)
    if (hash !== group.metadataHash) bump = true
    let groupEpoch = group.groupEpoch
    if (bump) {
      groupEpoch += 1
      records.push({ type: 'cg-epoch', group: group.groupId, value: { epoch: groupEpoch, metadataHash: hash } })
    }

    let targetEpoch = group.assignmentEpoch
    let target: Assignment = group.targetAssignment.get(replaced?.memberId ?? memberId) ?? new Map()
    if (groupEpoch > group.assignmentEpoch) {
      const targets = this.computeTarget(group, members, view, replaced)
      for (const [id, a] of targets) {
        const before = group.targetAssignment.get(id === memberId && replaced ? replaced.memberId : id)
        if (!before || !sameAssignment(before, a) || (id === memberId && (isNew || replaced))) {
          records.push({ type: 'cg-target', group: group.groupId, memberId: id, value: { topicPartitions: assignmentToList(a) } })
        }
      }
      records.push({ type: 'cg-target-epoch', group: group.groupId, value: { assignmentEpoch: groupEpoch, assignmentTimestamp: BigInt(this.s.now()) } })
      targetEpoch = groupEpoch
      target = targets.get(memberId) ?? new Map()
    } else if (replaced) {
      records.push({ type: 'cg-target', group: group.groupId, memberId, value: { topicPartitions: assignmentToList(target) } })
    }

    const next = reconcile(updated, targetEpoch, target, owned, (t, p) => group.currentPartitionEpoch(t, p))
    if (next === null) fail(ErrorCode.FENCED_MEMBER_EPOCH, 'The consumer group member is in an unknown state. The member must abandon all its partitions and rejoin.')
    const changed = isNew || replaced !== undefined || next!.memberEpoch !== member.memberEpoch || next!.state !== member.state ||
      !sameAssignment(next!.assigned, member.assigned) || !sameAssignment(next!.pendingRevocation, member.pendingRevocation)
    if (changed) records.push(currentRecord(group.groupId, memberId, next!))
    // Decided before the write: replay updates `member` in place.
    return { next: next!, changed, assignedChanged: !sameAssignment(next!.assigned, member.assigned) }
  }

  /**
   * The consumer group, or a fresh one for a joining member. An empty classic group is taken over;
   * one with members is converted (Kafka's online upgrade) when the policy allows it: the group
   * answered from here on is built in memory as the conversion records will replay it.
   */
  private groupFor(req: ConsumerHeartbeatRequest, records: GroupRecord[]): { group: ConsumerGroup, upgradedFrom?: ClassicGroup } {
    const existing = this.groups.get(req.groupId)
    if (existing) return { group: existing }
    if (this.s.shareGroups.has(req.groupId)) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group.`)
    if (req.memberEpoch !== 0) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${req.groupId} not found.`)
    const classic = this.s.groups.get(req.groupId)
    if (classic && !classic.is('Empty') && !classic.is('Dead')) {
      const refused = validateOnlineUpgrade(classic, this.s.config)
      if (refused) fail(ErrorCode.GROUP_ID_NOT_FOUND, refused)
      const converted = consumerGroupFromClassic(classic, this.topics)
      if (typeof converted === 'string') fail(ErrorCode.GROUP_ID_NOT_FOUND, converted)
      const c = converted as Exclude<typeof converted, string>
      records.push(...c.records)
      return { group: c.group, upgradedFrom: classic }
    }
    if (classic && classic.generationId > 0) records.push({ type: 'group', group: req.groupId, value: null })
    return { group: new ConsumerGroup(req.groupId) }
  }

  /** The member this heartbeat is about, fenced as Kafka fences; `replaced` is a static member it takes over. */
  private memberFor(group: ConsumerGroup, req: ConsumerHeartbeatRequest, memberId: string, records: GroupRecord[]): { member: ConsumerGroupMember, replaced?: ConsumerGroupMember } {
    if (req.instanceId !== null) {
      const stat = group.staticMember(req.instanceId)
      if (req.memberEpoch === 0) {
        if (!stat) return { member: group.members.get(memberId) ?? newMember(memberId) }
        if (stat.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
          fail(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} cannot join the group because the instance id is owned by ${stat.memberId} member.`)
        }
        // The new instance inherits the departed one's assignment (no revocation round).
        records.push(...removalRecords(group.groupId, stat.memberId))
        const member: ConsumerGroupMember = { ...stat, memberId, memberEpoch: 0, previousMemberEpoch: 0 }
        return { member, replaced: stat }
      }
      if (!stat) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`)
      if (stat!.memberId !== memberId) fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${req.instanceId} was fenced by member ${stat!.memberId}.`)
      checkEpoch(stat!, req)
      return { member: stat! }
    }
    const existing = group.members.get(memberId)
    if (req.memberEpoch === 0) {
      // A rejoin (epoch 0, nothing owned): the member starts over from an empty assignment.
      if (existing) return { member: { ...existing, memberEpoch: 0, previousMemberEpoch: 0, state: MemberState.STABLE, assigned: new Map(), pendingRevocation: new Map() } }
      return { member: newMember(memberId) }
    }
    if (!existing) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`)
    checkEpoch(existing!, req)
    return { member: existing! }
  }

  /** The assignor most members ask for (ties and none: the first configured), as Kafka picks it. */
  preferredAssignor(members: Iterable<ConsumerGroupMember>): string {
    const names = this.assignorNames()
    const votes = new Map<string, number>()
    for (const m of members) if (m.serverAssignor) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1)
    let assignor = names[0] ?? 'uniform'
    let best = 0
    for (const n of names) if ((votes.get(n) ?? 0) > best) { best = votes.get(n)!; assignor = n }
    return assignor
  }

  private computeTarget(group: ConsumerGroup, members: ReadonlyMap<string, ConsumerGroupMember>, view: RegexView | undefined, replaced?: ConsumerGroupMember): Map<string, Assignment> {
    const assignor = this.preferredAssignor(members.values())
    const previous = new Map(group.targetAssignment)
    if (replaced) {
      const a = previous.get(replaced.memberId)
      previous.delete(replaced.memberId)
      for (const m of members.values()) if (m.instanceId === replaced.instanceId && a) previous.set(m.memberId, a)
    }
    const input = this.topics.assignorInput(members.values(), previous, view)
    return ASSIGNORS[assignor](input)
  }

  /**
   * A classic member joins an empty consumer group (Kafka's conversion back to classic): the
   * group's remaining records get tombstones, after its earlier operations; a group that gained a
   * member meanwhile stays (the join then answers INCONSISTENT_GROUP_PROTOCOL).
   */
  dropEmptyGroup(groupId: string): Promise<void> {
    return this.serially(groupId, async () => {
      const group = this.groups.get(groupId)
      if (!group || group.members.size > 0) return
      const records: GroupRecord[] = [...group.targetAssignment.keys()].map((memberId) => ({ type: 'cg-target', group: groupId, memberId, value: null }))
      records.push({ type: 'cg-target-epoch', group: groupId, value: null }, { type: 'cg-epoch', group: groupId, value: null })
      await this.s.write(groupId, records)
    })
  }

  /** MemberEpoch -1 (leave) or -2 (a static member leaves for now, keeping its assignment). */
  private async leave(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const group = this.groups.get(req.groupId)
    if (!group) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${req.groupId} not found.`)
    let member: ConsumerGroupMember | undefined
    if (req.instanceId === null) {
      member = group!.members.get(req.memberId)
      if (!member) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${req.groupId}.`)
    } else {
      member = group!.staticMember(req.instanceId)
      if (!member) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`)
      if (member!.memberId !== req.memberId) fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${member!.memberId}.`)
    }
    if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      await this.s.write(group!.groupId, [currentRecord(group!.groupId, member!.memberId, {
        memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, previousMemberEpoch: member!.previousMemberEpoch, state: member!.state,
        assigned: member!.assigned, pendingRevocation: new Map(),
      })])
      this.s.timers.cancel(rebalanceKey(group!.groupId, member!.memberId))
    } else {
      await this.fence(group!, member!)
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null }
  }

  /**
   * Removes members: their records become tombstones and the group epoch moves (a new target
   * follows). When only classic members remain, the group becomes a classic group instead
   * (Kafka's online downgrade), and the classic side starts a rebalance.
   */
  async fence(group: ConsumerGroup, ...fenced: ConsumerGroupMember[]): Promise<void> {
    if (validateOnlineDowngrade(group, fenced, this.s.config)) {
      await this.s.write(group.groupId, downgradeRecords(group, fenced, this.topics.namesById(), this.s.now()))
      for (const m of group.members.values()) this.cancelTimers(group.groupId, m.memberId)
      this.classic.converted(group.groupId, true)
      return
    }
    const rest = new Map(group.members)
    for (const m of fenced) rest.delete(m.memberId)
    const records: GroupRecord[] = fenced.flatMap((m) => removalRecords(group.groupId, m.memberId))
    records.push({ type: 'cg-epoch', group: group.groupId, value: { epoch: group.groupEpoch + 1, metadataHash: this.topics.metadataHash(rest.values(), this.viewOf(group)) } })
    await this.s.write(group.groupId, records)
    for (const m of fenced) this.cancelTimers(group.groupId, m.memberId)
  }

  /**
   * Kafka's downgrade when a classic static member replaces the last consumer-protocol member:
   * the joining member takes the replaced member's target; a rebalance follows only when its
   * subscription differs.
   */
  async downgradeReplacing(group: ConsumerGroup, replaced: ConsumerGroupMember, joining: ConsumerGroupMember): Promise<void> {
    const rebalance = subscriptionChanged(replaced, joining) || replaced.rackId !== joining.rackId
    await this.s.write(group.groupId, downgradeRecords(group, [replaced], this.topics.namesById(), this.s.now(), { member: joining, targetOf: replaced.memberId }))
    for (const m of group.members.values()) this.cancelTimers(group.groupId, m.memberId)
    this.classic.converted(group.groupId, rebalance)
  }

  cancelTimers(groupId: string, memberId: string): void {
    for (const key of [sessionKey, rebalanceKey, joinKey, syncKey]) this.s.timers.cancel(key(groupId, memberId))
  }

  /** A timer's fencing, if the member is still the one the timer was armed for. */
  fenceLater(groupId: string, memberId: string, stillDue: (m: ConsumerGroupMember) => boolean, why: string): void {
    void this.serially(groupId, async () => {
      if (this.s.checkGroup(groupId, false) !== ErrorCode.NONE) return
      const group = this.groups.get(groupId)
      const m = group?.members.get(memberId)
      if (!group || !m || !stillDue(m)) return
      await this.fence(group, m)
    }).catch((err: unknown) => this.s.onError(err, `fencing member ${memberId} of ${groupId} (${why})`))
  }

  /** A classic member's session is its own JoinGroup session timeout, as in Kafka. */
  scheduleSession(groupId: string, memberId: string): void {
    const m = this.groups.get(groupId)?.members.get(memberId)
    this.s.timers.schedule(sessionKey(groupId, memberId), m?.classic?.sessionTimeoutMs ?? this.s.config.consumerSessionTimeoutMs,
      () => this.fenceLater(groupId, memberId, () => true, 'session expired'))
  }

  private scheduleRebalanceTimeout(groupId: string, memberId: string, epoch: number, timeoutMs: number): void {
    this.s.timers.schedule(rebalanceKey(groupId, memberId), Math.max(0, timeoutMs),
      () => this.fenceLater(groupId, memberId, (m) => m.memberEpoch === epoch && m.state === MemberState.UNREVOKED_PARTITIONS, 'partitions not revoked within the rebalance timeout'))
  }

  /** Load done: every member of the partition's groups gets a fresh session (and revocation deadline). */
  completeLoad(partition: number): void {
    for (const g of this.groups.values()) {
      if (this.s.partitionFor(g.groupId) !== partition) continue
      for (const m of g.members.values()) {
        this.scheduleSession(g.groupId, m.memberId)
        if (m.state === MemberState.UNREVOKED_PARTITIONS && m.classic === null) this.scheduleRebalanceTimeout(g.groupId, m.memberId, m.memberEpoch, m.rebalanceTimeoutMs)
      }
    }
  }

  /** Resignation or shutdown: the groups' timers stop and the groups are forgotten. */
  unload(partition: number | null): void {
    for (const g of [...this.groups.values()]) {
      if (partition !== null && this.s.partitionFor(g.groupId) !== partition) continue
      for (const m of g.members.values()) this.cancelTimers(g.groupId, m.memberId)
      this.groups.delete(g.groupId)
    }
  }

  /** Applies one consumer-group record (live writes and load alike). */
  replay(rec: ConsumerGroupRecord): void {
    let group = this.groups.get(rec.group)
    if (!group) {
      if (rec.value === null) return
      group = new ConsumerGroup(rec.group)
      this.groups.set(rec.group, group)
      // A consumer group replaces an empty classic group of the same id (its offsets stay).
      this.s.groups.delete(rec.group)
    }
    switch (rec.type) {
      case 'cg-epoch':
        if (rec.value === null) {
          for (const m of group.members.values()) group.releasePartitions(m)
          this.groups.delete(rec.group)
        } else {
          group.groupEpoch = rec.value.epoch
          group.metadataHash = rec.value.metadataHash
        }
        return
      case 'cg-target-epoch':
        if (rec.value !== null) group.assignmentEpoch = rec.value.assignmentEpoch
        return
      case 'cg-target':
        if (rec.value === null) group.targetAssignment.delete(rec.memberId)
        else group.targetAssignment.set(rec.memberId, assignmentFromList(rec.value.topicPartitions))
        return
      case 'cg-member': {
        if (rec.value === null) {
          const m = group.members.get(rec.memberId)
          if (m) group.releasePartitions(m)
          group.members.delete(rec.memberId)
          group.regexes.forget(rec.memberId)
          return
        }
        const m = group.members.get(rec.memberId) ?? newMember(rec.memberId)
        const v = rec.value
        Object.assign(m, {
          instanceId: v.instanceId, rackId: v.rackId, clientId: v.clientId, clientHost: v.clientHost,
          subscribedTopicNames: [...v.subscribedTopicNames], subscribedTopicRegex: v.subscribedTopicRegex,
          serverAssignor: v.serverAssignor, rebalanceTimeoutMs: v.rebalanceTimeoutMs,
          classic: v.classicMemberMetadata === null ? null : {
            sessionTimeoutMs: v.classicMemberMetadata.sessionTimeoutMs,
            protocols: v.classicMemberMetadata.supportedProtocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
          },
        })
        group.members.set(rec.memberId, m)
        return
      }
      case 'cg-current': {
        let m = group.members.get(rec.memberId)
        if (!m) {
          if (rec.value === null) return
          m = newMember(rec.memberId)
          group.members.set(rec.memberId, m)
        }
        if (rec.value === null) group.setCurrentAssignment(m, 0, 0, MemberState.STABLE, new Map(), new Map())
        else {
          const v = rec.value
          group.setCurrentAssignment(m, v.memberEpoch, v.previousMemberEpoch, v.state,
            assignmentFromList(v.assignedPartitions), assignmentFromList(v.partitionsPendingRevocation))
        }
      }
    }
  }
}

function checkEpoch(m: ConsumerGroupMember, req: ConsumerHeartbeatRequest): void {
  const stale = `The consumer group member has a ${req.memberEpoch > m.memberEpoch ? 'greater' : 'smaller'} member epoch (${req.memberEpoch}) than the one known by the group coordinator (${m.memberEpoch}). The member must abandon all its partitions and rejoin.`
  if (req.memberEpoch > m.memberEpoch) fail(ErrorCode.FENCED_MEMBER_EPOCH, stale)
  // The previous epoch is accepted while the member owns no more than it is assigned: the
  // answer carrying the new epoch may have been lost.
  if (req.memberEpoch < m.memberEpoch && (req.memberEpoch !== m.previousMemberEpoch || !ownsSubsetOf(req.topicPartitions, m.assigned))) {
    fail(ErrorCode.FENCED_MEMBER_EPOCH, stale)
  }
}

function ownsSubsetOf(owned: OwnedPartitions, assigned: Assignment): boolean {
  if (owned === null) return false
  return owned.every((tp) => {
    const a = assigned.get(tp.topicId)
    return tp.partitions.every((p) => a?.has(p) === true)
  })
}

function subscriptionChanged(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  if (a.subscribedTopicRegex !== b.subscribedTopicRegex) return true
  const x = new Set(a.subscribedTopicNames)
  return x.size !== new Set(b.subscribedTopicNames).size || b.subscribedTopicNames.some((t) => !x.has(t))
}

function metadataChanged(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return subscriptionChanged(a, b) || a.instanceId !== b.instanceId || a.rackId !== b.rackId || a.clientId !== b.clientId ||
    a.clientHost !== b.clientHost || a.serverAssignor !== b.serverAssignor || a.rebalanceTimeoutMs !== b.rebalanceTimeoutMs ||
    !sameClassic(a.classic, b.classic)
}

function sameClassic(a: ConsumerGroupMember['classic'], b: ConsumerGroupMember['classic']): boolean {
  if (a === null || b === null) return a === b
  return a.sessionTimeoutMs === b.sessionTimeoutMs && a.protocols.length === b.protocols.length &&
    a.protocols.every((p, i) => p.name === b.protocols[i].name && p.metadata.equals(b.protocols[i].metadata))
}

const sessionKey = (groupId: string, memberId: string) => `cg-session\u0000${groupId}\u0000${memberId}`
const rebalanceKey = (groupId: string, memberId: string) => `cg-revoke\u0000${groupId}\u0000${memberId}`
/** A classic member told to rejoin must do so within its rebalance timeout; one that joined, sync. */
export const joinKey = (groupId: string, memberId: string) => `cg-join\u0000${groupId}\u0000${memberId}`
export const syncKey = (groupId: string, memberId: string) => `cg-sync\u0000${groupId}\u0000${memberId}`
