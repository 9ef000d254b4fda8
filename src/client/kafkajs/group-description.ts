// A consumer group's description in KafkaJS's shape: member metadata and assignment as the raw
// consumer-protocol bytes KafkaJS hands out (decode them with AssignerProtocol).
import type { GroupDescription as SamsaGroupDescription } from '../admin/admin.ts'
import { encodeAssignment, encodeSubscription } from '../consumer/assignors.ts'
import type { GroupDescription } from './types.ts'

export function groupDescription(g: SamsaGroupDescription): GroupDescription {
  return {
    groupId: g.groupId, state: g.state, protocol: g.protocol, protocolType: g.protocolType,
    members: g.members.map((m) => {
      const parts = new Map<string, number[]>()
      for (const tp of m.assignment) (parts.get(tp.topic) ?? parts.set(tp.topic, []).get(tp.topic)!).push(tp.partition)
      return {
        memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost,
        memberMetadata: g.protocolType === 'consumer' ? encodeSubscription(m.topics) : Buffer.alloc(0),
        memberAssignment: g.protocolType === 'consumer' ? encodeAssignment(parts) : Buffer.alloc(0),
      }
    }),
  }
}
