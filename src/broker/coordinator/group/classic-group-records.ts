// A classic group and its GroupMetadata record, both ways: the record stored for a group as it
// stands, and the group a replayed record rebuilds (Stable with members, else Empty).
import { ClassicGroup } from './classic-group.ts'
import type { Member } from './classic-group.ts'
import type { GroupMetadataValue, GroupRecord } from './records.ts'

/** The GroupMetadataValue record of a group as it stands (with an optional assignment override). */
export function groupRecordOf(group: ClassicGroup, assignmentOf: (m: Member) => Buffer = (m) => m.assignment): GroupRecord {
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

/** The group a GroupMetadata record describes, as replay rebuilds it. */
export function groupFromRecord(groupId: string, v: GroupMetadataValue, now: number): ClassicGroup {
  const g = new ClassicGroup(groupId, now)
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
  return g
}
