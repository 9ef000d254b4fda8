// ShareGroupHeartbeat (KIP-932) on the group coordinator shard, in Kafka's order: find or create
// the share group and member (fencing stale epochs), take the member's subscription, bump the
// group epoch when members, subscriptions or the subscribed topics changed, compute a new target
// assignment (the `simple` assignor) when the group epoch is ahead of it, and give the member its
// target at once (share partitions are not owned exclusively, so there is no revocation round).
// What changed is written as ShareGroup* records and applied by replay; operations on one group run
// one at a time; a member silent for group.share.session.timeout.ms is removed.
import { createHash } from 'node:crypto'
import { ErrorCode } from '../../../protocol/errors.ts'
import { assignmentFromList, assignmentToList, sameAssignment } from './consumer-group.ts'
import type { Assignment } from './consumer-group.ts'
import type { GroupShardState } from './group-shard-state.ts'
import { GroupQueue, fail, heartbeatError, runHeartbeat } from './member-heartbeat.ts'
import type { HeartbeatResult } from './member-heartbeat.ts'
import type { GroupRecord } from './records.ts'
import { SHARE_LEAVE_GROUP_MEMBER_EPOCH, ShareGroup, newShareMember, simpleAssign } from './share-group.ts'
import type { ShareGroupMember } from './share-group.ts'
import type { ShareGroupRecord } from './share-group-records.ts'
import { addStatePartitions, removeStateTopic, statePartitionsOf, statePartitionsValue } from './share-group-state-partitions.ts'
import type { TopicLookup } from './subscribed-topic-ids.ts'

export interface ShareHeartbeatRequest {
  readonly groupId: string
  readonly memberId: string
  readonly memberEpoch: number
  readonly rackId: string | null
  readonly subscribedTopicNames: readonly string[] | null
  readonly clientId: string
  readonly clientHost: string
}

export type ShareHeartbeatResult = HeartbeatResult

export class ShareMembership {
  private readonly queue = new GroupQueue()

  constructor(private readonly s: GroupShardState, private readonly topics: TopicLookup, private readonly onRemoved: (groupId: string, memberId: string) => void = () => {}) {}

  get groups(): Map<string, ShareGroup> {
    return this.s.shareGroups
  }

  heartbeat(req: ShareHeartbeatRequest): Promise<ShareHeartbeatResult> {
    const early = this.checkRequest(req)
    if (early) return Promise.resolve(early)
    return runHeartbeat(this.s, this.queue, req.groupId, 'share group heartbeat', () => this.doHeartbeat(req))
  }

  /** Request validation before any group state is read (Kafka's InvalidRequestException cases). */
  private checkRequest(req: ShareHeartbeatRequest): ShareHeartbeatResult | null {
    const invalid = (msg: string) => heartbeatError(ErrorCode.INVALID_REQUEST, msg)
    if (!this.s.config.rebalanceProtocols.includes('share')) return heartbeatError(ErrorCode.UNSUPPORTED_VERSION, 'share groups are not enabled (group.coordinator.rebalance.protocols)')
    if (req.groupId === '') return invalid("GroupId can't be empty.")
    const err = this.s.checkGroup(req.groupId, false)
    if (err !== ErrorCode.NONE) return heartbeatError(err, null)
    if (req.memberId === '') return invalid("MemberId can't be empty.")
    if (req.rackId === '') return invalid("RackId can't be empty.")
    if (req.memberEpoch === 0) {
      if (req.subscribedTopicNames === null || req.subscribedTopicNames.length === 0) return invalid('SubscribedTopicNames must be set in first request.')
    } else if (req.memberEpoch < SHARE_LEAVE_GROUP_MEMBER_EPOCH) {
      return invalid('MemberEpoch is invalid.')
    }
    return null
  }

  /** Runs `fn` after every earlier operation on the group has settled. */
  private async doHeartbeat(req: ShareHeartbeatRequest): Promise<ShareHeartbeatResult> {
    const gate = this.s.checkGroup(req.groupId, false)
    if (gate !== ErrorCode.NONE) fail(gate, '')
    if (req.memberEpoch === SHARE_LEAVE_GROUP_MEMBER_EPOCH) return this.leave(req)
    const records: GroupRecord[] = []
    const group = this.groupFor(req)
    const existing = group.members.get(req.memberId)
    if (!existing && group.members.size >= this.s.config.shareMaxSize) {
      fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The share group has reached its maximum capacity of ${this.s.config.shareMaxSize} members.`)
    }
    let member: ShareGroupMember
    if (req.memberEpoch === 0) member = existing ? { ...existing, memberEpoch: 0, previousMemberEpoch: 0, assigned: new Map() } : newShareMember(req.memberId)
    else {
      if (!existing) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of share group ${req.groupId}.`)
      member = existing!
      if (req.memberEpoch !== member.memberEpoch && req.memberEpoch !== member.previousMemberEpoch) {
        fail(ErrorCode.FENCED_MEMBER_EPOCH, `The share group member has a ${req.memberEpoch > member.memberEpoch ? 'greater' : 'smaller'} member epoch (${req.memberEpoch}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`)
      }
    }

    // 1. The subscription; the group epoch moves when it, the members or the topics changed.
    const updated: ShareGroupMember = {
      ...member,
      rackId: req.rackId ?? member.rackId,
      subscribedTopicNames: req.subscribedTopicNames ? [...req.subscribedTopicNames] : member.subscribedTopicNames,
      clientId: req.clientId,
      clientHost: req.clientHost,
    }
    const isNew = existing === undefined
    const subChanged = subscriptionChanged(member, updated)
    if (isNew || subChanged || member.rackId !== updated.rackId || member.clientId !== updated.clientId || member.clientHost !== updated.clientHost) {
      records.push(memberRecord(group.groupId, updated))
    }
    const members = new Map(group.members)
    members.set(req.memberId, updated)
    const hash = this.metadataHash(members.values())
    let groupEpoch = group.groupEpoch
    if (isNew || subChanged || hash !== group.metadataHash) {
      groupEpoch += 1
      records.push({ type: 'sg-epoch', group: group.groupId, value: { epoch: groupEpoch, metadataHash: hash } })
    }

    // 2. A new target assignment when the group epoch is ahead of it.
    let targetEpoch = group.assignmentEpoch
    let target: Assignment = group.targetAssignment.get(req.memberId) ?? new Map()
    if (groupEpoch > group.assignmentEpoch) {
      const targets = this.computeTarget(members)
      for (const [id, a] of targets) {
        const before = group.targetAssignment.get(id)
        if (!before || !sameAssignment(before, a)) {
          records.push({ type: 'sg-target', group: group.groupId, memberId: id, value: { topicPartitions: assignmentToList(a) } })
        }
      }
      records.push({ type: 'sg-target-epoch', group: group.groupId, value: { assignmentEpoch: groupEpoch, assignmentTimestamp: BigInt(this.s.now()) } })
      targetEpoch = groupEpoch
      target = targets.get(req.memberId) ?? new Map()
    }

    // The subscribed partitions not yet marked as having state are marked (describe/delete ask about these).
    const marked = addStatePartitions(group.statePartitions, this.subscribedPartitions(updated))
    if (marked) records.push({ type: 'sg-state-partitions', group: group.groupId, value: statePartitionsValue(marked) })

    // 3. The member takes its target (no exclusive ownership, nothing to revoke first).
    const assignedChanged = !sameAssignment(target, member.assigned)
    if (isNew || member.memberEpoch !== targetEpoch || assignedChanged) {
      records.push({
        type: 'sg-current', group: group.groupId, memberId: req.memberId,
        value: { memberEpoch: targetEpoch, previousMemberEpoch: member.memberEpoch, state: 0, assignedPartitions: assignmentToList(target) },
      })
    }
    await this.s.write(group.groupId, records)
    this.scheduleSession(group.groupId, req.memberId)
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: req.memberId,
      memberEpoch: targetEpoch,
      heartbeatIntervalMs: this.s.config.shareHeartbeatIntervalMs,
      assignment: req.memberEpoch === 0 || assignedChanged || req.subscribedTopicNames !== null ? assignmentToList(target) : null,
    }
  }

  /** The share group, or a fresh one for a joining member; another group type with the id is refused. */
  private groupFor(req: ShareHeartbeatRequest): ShareGroup {
    const existing = this.groups.get(req.groupId)
    if (existing) return existing
    const classic = this.s.groups.get(req.groupId)
    if (this.s.consumerGroups.has(req.groupId) || (classic && !classic.is('Dead'))) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a share group.`)
    if (req.memberEpoch !== 0) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Share group ${req.groupId} not found.`)
    return new ShareGroup(req.groupId)
  }

  private computeTarget(members: ReadonlyMap<string, ShareGroupMember>): Map<string, Assignment> {
    const subs = new Map<string, Set<string>>()
    const partitions = new Map<string, number>()
    for (const m of members.values()) {
      const ids = new Set<string>()
      for (const name of m.subscribedTopicNames) {
        const t = this.topics.byName(name)
        if (!t) continue
        ids.add(t.topicId)
        partitions.set(t.topicId, t.partitions)
      }
      subs.set(m.memberId, ids)
    }
    return simpleAssign({ members: subs, partitions })
  }

  /** Every partition of the topics a member subscribes to that exist. */
  private subscribedPartitions(m: ShareGroupMember): Map<string, { name: string, partitions: number[] }> {
    const out = new Map<string, { name: string, partitions: number[] }>()
    for (const name of m.subscribedTopicNames) {
      const t = this.topics.byName(name)
      if (t) out.set(t.topicId, { name, partitions: Array.from({ length: t.partitions }, (_, i) => i) })
    }
    return out
  }

  /**
   * Marks (AlterShareGroupOffsets) or unmarks (DeleteShareGroupOffsets, `partitions` null) share-partitions
   * of a topic as having state, after the group's earlier operations.
   */
  updateStatePartitions(groupId: string, topicId: string, name: string, partitions: readonly number[] | null): Promise<void> {
    return this.queue.serially(groupId, async () => {
      const group = this.groups.get(groupId)
      if (!group) return
      const next = partitions === null ? removeStateTopic(group.statePartitions, topicId) : addStatePartitions(group.statePartitions, new Map([[topicId, { name, partitions }]]))
      if (next) await this.s.write(groupId, [{ type: 'sg-state-partitions', group: groupId, value: statePartitionsValue(next) }])
    })
  }

  /** Hash of the subscribed topics' names, ids and partition counts (changes bump the group epoch). */
  private metadataHash(members: Iterable<ShareGroupMember>): bigint {
    const names = new Set<string>()
    for (const m of members) for (const t of m.subscribedTopicNames) if (this.topics.byName(t)) names.add(t)
    if (names.size === 0) return 0n
    const h = createHash('sha256')
    for (const name of [...names].sort()) {
      const t = this.topics.byName(name)!
      h.update(`${name}\u0000${t.topicId}\u0000${t.partitions}\u0000`)
    }
    return h.digest().readBigInt64BE(0)
  }

  /** MemberEpoch -1: the member leaves; its records become tombstones and the group epoch moves. */
  private async leave(req: ShareHeartbeatRequest): Promise<ShareHeartbeatResult> {
    const group = this.groups.get(req.groupId)
    if (!group) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Share group ${req.groupId} not found.`)
    const member = group!.members.get(req.memberId)
    if (!member) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of share group ${req.groupId}.`)
    await this.remove(group!, member!)
    return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: SHARE_LEAVE_GROUP_MEMBER_EPOCH, heartbeatIntervalMs: 0, assignment: null }
  }

  private async remove(group: ShareGroup, member: ShareGroupMember): Promise<void> {
    const rest = new Map(group.members)
    rest.delete(member.memberId)
    await this.s.write(group.groupId, [
      { type: 'sg-current', group: group.groupId, memberId: member.memberId, value: null },
      { type: 'sg-target', group: group.groupId, memberId: member.memberId, value: null },
      { type: 'sg-member', group: group.groupId, memberId: member.memberId, value: null },
      { type: 'sg-epoch', group: group.groupId, value: { epoch: group.groupEpoch + 1, metadataHash: this.metadataHash(rest.values()) } },
    ])
    this.s.timers.cancel(sessionKey(group.groupId, member.memberId))
    this.onRemoved(group.groupId, member.memberId)
  }

  private scheduleSession(groupId: string, memberId: string): void {
    this.s.timers.schedule(sessionKey(groupId, memberId), this.s.config.shareSessionTimeoutMs, () => {
      void this.queue.serially(groupId, async () => {
        if (this.s.checkGroup(groupId, false) !== ErrorCode.NONE) return
        const group = this.groups.get(groupId)
        const m = group?.members.get(memberId)
        if (group && m) await this.remove(group, m)
      }).catch((err: unknown) => this.s.onError(err, `removing share member ${memberId} of ${groupId} (session expired)`))
    })
  }

  /** Load done: every member of the partition's share groups gets a fresh session. */
  completeLoad(partition: number): void {
    for (const g of this.groups.values()) {
      if (this.s.partitionFor(g.groupId) !== partition) continue
      for (const m of g.members.values()) this.scheduleSession(g.groupId, m.memberId)
    }
  }

  /** Resignation or shutdown: the groups' timers stop and the groups are forgotten. */
  unload(partition: number | null): void {
    for (const g of [...this.groups.values()]) {
      if (partition !== null && this.s.partitionFor(g.groupId) !== partition) continue
      for (const m of g.members.values()) this.s.timers.cancel(sessionKey(g.groupId, m.memberId))
      this.groups.delete(g.groupId)
    }
  }

  /** Applies one share-group record (live writes and load alike). */
  replay(rec: ShareGroupRecord): void {
    let group = this.groups.get(rec.group)
    if (!group) {
      if (rec.value === null) return
      group = new ShareGroup(rec.group)
      this.groups.set(rec.group, group)
    }
    switch (rec.type) {
      case 'sg-state-partitions':
        group.statePartitions = rec.value === null ? null : statePartitionsOf(rec.value)
        return
      case 'sg-epoch':
        if (rec.value === null) this.groups.delete(rec.group)
        else {
          group.groupEpoch = rec.value.epoch
          group.metadataHash = rec.value.metadataHash
        }
        return
      case 'sg-target-epoch':
        if (rec.value !== null) group.assignmentEpoch = rec.value.assignmentEpoch
        return
      case 'sg-target':
        if (rec.value === null) group.targetAssignment.delete(rec.memberId)
        else group.targetAssignment.set(rec.memberId, assignmentFromList(rec.value.topicPartitions))
        return
      case 'sg-member': {
        if (rec.value === null) {
          group.members.delete(rec.memberId)
          return
        }
        const m = group.members.get(rec.memberId) ?? newShareMember(rec.memberId)
        Object.assign(m, { rackId: rec.value.rackId, clientId: rec.value.clientId, clientHost: rec.value.clientHost, subscribedTopicNames: [...rec.value.subscribedTopicNames] })
        group.members.set(rec.memberId, m)
        return
      }
      case 'sg-current': {
        const m = group.members.get(rec.memberId)
        if (!m) return
        if (rec.value === null) Object.assign(m, { memberEpoch: 0, previousMemberEpoch: 0, assigned: new Map() })
        else Object.assign(m, { memberEpoch: rec.value.memberEpoch, previousMemberEpoch: rec.value.previousMemberEpoch, assigned: assignmentFromList(rec.value.assignedPartitions) })
      }
    }
  }
}

function subscriptionChanged(a: ShareGroupMember, b: ShareGroupMember): boolean {
  const x = new Set(a.subscribedTopicNames)
  return x.size !== new Set(b.subscribedTopicNames).size || b.subscribedTopicNames.some((t) => !x.has(t))
}

function memberRecord(groupId: string, m: ShareGroupMember): GroupRecord {
  return {
    type: 'sg-member', group: groupId, memberId: m.memberId,
    value: { rackId: m.rackId, clientId: m.clientId, clientHost: m.clientHost, subscribedTopicNames: [...m.subscribedTopicNames] },
  }
}

const sessionKey = (groupId: string, memberId: string) => `sg-session\u0000${groupId}\u0000${memberId}`
