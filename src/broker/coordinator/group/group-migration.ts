// Online migration of groups with members between the classic and the consumer protocol (Kafka's
// GroupMetadataManager convertToConsumerGroup / convertToClassicGroup, policy
// group.consumer.migration.policy).
// - Upgrade: a ConsumerGroupHeartbeat joins a classic group whose members use the "consumer"
//   protocol type. Each classic member becomes a consumer-group member at the classic generation,
//   Stable, owning what its last classic assignment gave it (which is also its target), and
//   carrying its session timeout and protocols (ClassicMemberMetadata). The group epoch and the
//   assignment epoch are the generation. So nothing is owned twice: the new member gets a partition
//   only once the classic member holding it has rejoined without it.
// - Downgrade: the last consumer-protocol member leaves (or is fenced) and only classic members
//   remain. The consumer group's records get tombstones, and a classic group at the group epoch
//   is written with each member's target assignment. The classic side then starts a rebalance.
// Both conversions are records, so a restart replays them like any other change.
import type { ClassicGroup } from './classic-group.ts'
import { ClassicGroup as ClassicGroupClass } from './classic-group.ts'
import { groupRecordOf } from './classic-group-records.ts'
import { ConsumerGroup, MemberState, addPartition, assignmentToList, newMember } from './consumer-group.ts'
import type { Assignment, ConsumerGroupMember } from './consumer-group.ts'
import { currentRecord, memberRecord } from './consumer-group-records.ts'
import { assignmentVersionOf, readAssignment, readSubscription, toIds, writeAssignment } from './consumer-protocol-data.ts'
import { downgradeEnabled, upgradeEnabled } from './group-config.ts'
import type { GroupCoordinatorConfig } from './group-config.ts'
import type { GroupRecord } from './records.ts'
import type { SubscribedTopics } from './subscribed-topic-ids.ts'

/** Why a classic group with members cannot become a consumer group, or null when it can. */
export function validateOnlineUpgrade(classic: ClassicGroup, config: GroupCoordinatorConfig): string | null {
  const id = classic.groupId
  if (!upgradeEnabled(config.migrationPolicy)) return `Cannot upgrade classic group ${id} to consumer group because online upgrade is disabled.`
  if (classic.protocolType !== 'consumer') return `Cannot upgrade classic group ${id} to consumer group because the group does not use the consumer embedded protocol.`
  if (classic.size > config.consumerMaxSize) return `Cannot upgrade classic group ${id} to consumer group because the group size exceeds the consumer group maximum size.`
  return null
}

/**
 * The consumer group a classic group converts into, built in memory as its records replay it,
 * and those records (the classic group's tombstone first). A string says why it cannot.
 */
export function consumerGroupFromClassic(classic: ClassicGroup, topics: SubscribedTopics): { group: ConsumerGroup, records: GroupRecord[] } | string {
  const id = classic.groupId
  const gen = classic.generationId
  const group = new ConsumerGroup(id)
  const members: ConsumerGroupMember[] = []
  for (const cm of classic.members.values()) {
    let assigned: Assignment = new Map()
    let subscription
    try {
      const a = readAssignment(cm.assignment)
      if (a.userData !== null && a.userData.length > 0) {
        return `Cannot upgrade classic group ${id} to consumer group because an unsupported custom assignor is in use. Please refer to the documentation or switch to a default assignor before re-attempting the upgrade.`
      }
      for (const tp of toIds(a.partitions, (n) => topics.topicId(n))) for (const p of tp.partitions) addPartition(assigned, tp.topicId, p)
      subscription = readSubscription(classic.metadataOf(cm, classic.protocolName ?? cm.protocols[0]?.name ?? null))
    } catch {
      return `Cannot upgrade classic group ${id} to consumer group because the embedded consumer protocol is malformed.`
    }
    // A partition claimed by two members (a stale assignment) stays with the first only.
    assigned = withoutClaimed(group, assigned)
    const m: ConsumerGroupMember = {
      ...newMember(cm.memberId),
      instanceId: cm.groupInstanceId, rackId: subscription.rackId, clientId: cm.clientId, clientHost: cm.clientHost,
      subscribedTopicNames: subscription.topics, rebalanceTimeoutMs: cm.rebalanceTimeoutMs,
      classic: { sessionTimeoutMs: cm.sessionTimeoutMs, protocols: cm.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) },
    }
    group.members.set(m.memberId, m)
    group.setCurrentAssignment(m, gen, gen, MemberState.STABLE, assigned, new Map())
    group.targetAssignment.set(m.memberId, assigned)
    members.push(m)
  }
  group.groupEpoch = gen
  group.assignmentEpoch = gen
  group.metadataHash = topics.metadataHash(members)
  const records: GroupRecord[] = [{ type: 'group', group: id, value: null }]
  for (const m of members) records.push(memberRecord(id, m))
  records.push({ type: 'cg-epoch', group: id, value: { epoch: gen, metadataHash: group.metadataHash } })
  for (const m of members) records.push({ type: 'cg-target', group: id, memberId: m.memberId, value: { topicPartitions: assignmentToList(m.assigned) } })
  records.push({ type: 'cg-target-epoch', group: id, value: { assignmentEpoch: gen, assignmentTimestamp: 0n } })
  for (const m of members) records.push(currentRecord(id, m.memberId, m))
  return { group, records }
}

function withoutClaimed(group: ConsumerGroup, a: Assignment): Assignment {
  const out: Assignment = new Map()
  for (const [topicId, parts] of a) for (const p of parts) if (group.currentPartitionEpoch(topicId, p) === -1) addPartition(out, topicId, p)
  return out
}

/** Kafka's validateOnlineDowngradeWithFencedMembers: whether fencing `fenced` turns the group classic. */
export function validateOnlineDowngrade(group: ConsumerGroup, fenced: readonly ConsumerGroupMember[], config: GroupCoordinatorConfig): boolean {
  const leaving = new Set(fenced.map((m) => m.memberId))
  const rest = [...group.members.values()].filter((m) => !leaving.has(m.memberId))
  if (rest.length === 0 || rest.some((m) => m.classic === null)) return false
  if (!downgradeEnabled(config.migrationPolicy)) return false
  return rest.length <= config.maxGroupSize && sharesProtocol(rest)
}

/** Whether the classic members have a protocol in common (the classic group selects one). */
function sharesProtocol(members: readonly ConsumerGroupMember[]): boolean {
  const first = members[0]?.classic?.protocols ?? []
  return first.some((p) => members.every((m) => m.classic?.protocols.some((q) => q.name === p.name) === true))
}

/**
 * Kafka's validateOnlineDowngradeWithReplacedMember: a classic static member takes the place of
 * the group's only consumer-protocol member.
 */
export function validateDowngradeOnReplacement(group: ConsumerGroup, replaced: ConsumerGroupMember, config: GroupCoordinatorConfig): boolean {
  if (replaced.classic !== null) return false
  for (const m of group.members.values()) if (m.memberId !== replaced.memberId && m.classic === null) return false
  const rest = [...group.members.values()].filter((m) => m.memberId !== replaced.memberId)
  return downgradeEnabled(config.migrationPolicy) && group.members.size <= config.maxGroupSize && (rest.length === 0 || sharesProtocol(rest))
}

/** A classic member joining as part of a downgrade, holding the target of the member it replaces. */
export interface JoiningMember {
  readonly member: ConsumerGroupMember
  readonly targetOf: string
}

/**
 * The consumer group's tombstones, then the classic group that replaces it (Stable at the group
 * epoch; each remaining member holds its target assignment, written at its subscription's version).
 */
export function downgradeRecords(group: ConsumerGroup, fenced: readonly ConsumerGroupMember[], names: ReadonlyMap<string, string>, now: number, joining?: JoiningMember): GroupRecord[] {
  const id = group.groupId
  const records: GroupRecord[] = []
  for (const m of group.members.values()) {
    records.push(
      { type: 'cg-current', group: id, memberId: m.memberId, value: null },
      { type: 'cg-target', group: id, memberId: m.memberId, value: null },
      { type: 'cg-member', group: id, memberId: m.memberId, value: null },
    )
  }
  for (const memberId of group.targetAssignment.keys()) {
    if (!group.members.has(memberId)) records.push({ type: 'cg-target', group: id, memberId, value: null })
  }
  records.push({ type: 'cg-target-epoch', group: id, value: null }, { type: 'cg-epoch', group: id, value: null })
  const leaving = new Set(fenced.map((m) => m.memberId))
  const classic = new ClassicGroupClass(id, now)
  classic.generationId = group.groupEpoch
  const members = [...group.members.values()].filter((m) => !leaving.has(m.memberId) && m.classic !== null)
  if (joining) members.push(joining.member)
  const targetOf = (memberId: string) => group.targetAssignment.get(joining && memberId === joining.member.memberId ? joining.targetOf : memberId)
  for (const m of members) {
    if (m.classic === null) continue
    classic.add({
      memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs, sessionTimeoutMs: m.classic.sessionTimeoutMs, protocolType: 'consumer',
      protocols: m.classic.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      assignment: Buffer.alloc(0), awaitingJoin: null, awaitingSync: null, isNew: false,
    })
  }
  classic.protocolName = classic.selectProtocol()
  classic.state = 'Stable'
  records.push(groupRecordOf(classic, (cm) => writeAssignment(targetOf(cm.memberId) ?? new Map(), names,
    assignmentVersionOf(classic.metadataOf(cm, classic.protocolName)))))
  return records
}
