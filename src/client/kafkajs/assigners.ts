// KafkaJS's partition assigners for `consumer({ partitionAssigners })`: an assigner factory gets
// { cluster, groupId, logger } and returns { name, version, protocol({ topics }), assign({ members,
// topics }) } that work on bytes encoded with AssignerProtocol. They run on samsa/client's classic
// group membership through its bytes-level assignor hooks. PartitionAssigners.roundRobin is
// samsa/client's round-robin under KafkaJS's protocol name.
import { Reader, Writer } from '../../protocol/primitives/index.ts'
import { readConsumerProtocolSubscription, sizeConsumerProtocolSubscription, writeConsumerProtocolSubscription } from '../../protocol/generated/data/consumer-protocol-subscription.ts'
import { readConsumerProtocolAssignment, sizeConsumerProtocolAssignment, writeConsumerProtocolAssignment } from '../../protocol/generated/data/consumer-protocol-assignment.ts'
import { roundRobinAssignor } from '../consumer/assignors.ts'
import type { Assignor } from '../consumer/assignors.ts'
import type { Logger } from './logger.ts'
import type { PartitionMetadata } from './types.ts'

export interface MemberMetadataValue { version: number; topics: string[]; userData?: Buffer }
export interface MemberAssignmentValue { version: number; assignment: Record<string, number[]>; userData?: Buffer }

/** KafkaJS's AssignerProtocol: the consumer protocol's subscription and assignment, version-0 bodies. */
export const AssignerProtocol = {
  MemberMetadata: {
    encode({ version, topics, userData = Buffer.alloc(0) }: MemberMetadataValue): Buffer {
      const v = { topics, userData, ownedPartitions: [], generationId: -1, rackId: null }
      const w = new Writer(2 + sizeConsumerProtocolSubscription(v, 0))
      w.int16(version)
      writeConsumerProtocolSubscription(w, v, 0)
      return w.finish()
    },
    decode(buffer: Buffer): Required<MemberMetadataValue> {
      const r = new Reader(buffer)
      const version = r.int16()
      const s = readConsumerProtocolSubscription(r, 0)
      return { version, topics: s.topics, userData: s.userData ?? Buffer.alloc(0) }
    },
  },
  MemberAssignment: {
    encode({ version, assignment, userData = Buffer.alloc(0) }: MemberAssignmentValue): Buffer {
      const v = { assignedPartitions: Object.entries(assignment).map(([topic, partitions]) => ({ topic, partitions })), userData }
      const w = new Writer(2 + sizeConsumerProtocolAssignment(v, 0))
      w.int16(version)
      writeConsumerProtocolAssignment(w, v, 0)
      return w.finish()
    },
    /** null for an empty assignment (a member the leader gave nothing to), as KafkaJS. */
    decode(buffer: Buffer): Required<MemberAssignmentValue> | null {
      if (buffer.length < 2) return null
      const r = new Reader(buffer)
      const version = r.int16()
      const a = readConsumerProtocolAssignment(r, 0)
      return { version, assignment: Object.fromEntries(a.assignedPartitions.map((tp) => [tp.topic, tp.partitions])), userData: a.userData ?? Buffer.alloc(0) }
    },
  },
}

export interface AssignerCluster {
  /** Partition metadata of a topic the group subscribes to (fetched before assign() runs). */
  findTopicPartitionMetadata(topic: string): PartitionMetadata[]
}

export interface KafkaJsAssigner {
  name: string
  version: number
  protocol(subscription: { topics: string[] }): { name: string; metadata: Buffer }
  assign(group: { members: { memberId: string; memberMetadata: Buffer }[]; topics: string[] }): Promise<{ memberId: string; memberAssignment: Buffer }[]>
}

export type PartitionAssigner = (config: { cluster: AssignerCluster; groupId: string; logger: Logger }) => KafkaJsAssigner

/** samsa/client's round-robin (Java's rules) under KafkaJS's name, so facade and KafkaJS members share a group. */
export const kafkaJsRoundRobin: Assignor = { ...roundRobinAssignor, name: 'RoundRobinAssigner' }

const roundRobin: PartitionAssigner = ({ cluster }) => ({
  name: kafkaJsRoundRobin.name,
  version: 0,
  protocol: ({ topics }) => ({ name: kafkaJsRoundRobin.name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics }) }),
  async assign({ members, topics }) {
    const counts = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length]))
    const parts = kafkaJsRoundRobin.assign(members.map((m) => ({ memberId: m.memberId, groupInstanceId: null, topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata).topics, userData: null })), counts)
    return members.map((m) => ({ memberId: m.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: Object.fromEntries(parts.get(m.memberId) ?? []) }) }))
  },
})

export const PartitionAssigners = { roundRobin }

/** A KafkaJS assigner as a samsa/client assignor (the built-in round-robin stays native). */
export function toAssignor(factory: PartitionAssigner, config: Parameters<PartitionAssigner>[0]): Assignor {
  if (factory === roundRobin) return kafkaJsRoundRobin
  const a = factory(config)
  return {
    name: a.name,
    assign: () => {
      throw new Error(`${a.name} assigns through assignBytes`)
    },
    subscriptionBytes: (topics) => a.protocol({ topics: [...topics] }).metadata,
    assignBytes: async (members, partitions) => {
      const out = await a.assign({ members: members.map((m) => ({ memberId: m.memberId, memberMetadata: m.metadata })), topics: [...partitions.keys()] })
      return new Map(out.map((x) => [x.memberId, x.memberAssignment]))
    },
  }
}
