// Partition assignors of the classic consumer protocol, run by the group leader: 'range' and
// 'roundrobin' with Java's exact rules (so mixed Java/Node groups agree), and the consumer
// protocol's subscription/assignment encoding (int16 version + the generated body).
import { Reader, Writer } from '../../protocol/primitives/index.ts'
import { readConsumerProtocolSubscription, sizeConsumerProtocolSubscription, writeConsumerProtocolSubscription } from '../../protocol/generated/data/consumer-protocol-subscription.ts'
import { readConsumerProtocolAssignment, sizeConsumerProtocolAssignment, writeConsumerProtocolAssignment } from '../../protocol/generated/data/consumer-protocol-assignment.ts'
import type { TopicPartition } from '../offsets.ts'
import { cooperativeStickyAssignor } from './sticky-assignor.ts'

export interface GroupMember {
  memberId: string
  groupInstanceId: string | null
  topics: string[]
  userData: Buffer | null
  /** Partitions the member holds now (subscription v1+): what sticky assignors keep. */
  ownedPartitions?: TopicPartition[]
  /** The generation its owned partitions are from (subscription v2+), -1 when unknown. */
  generation?: number
}

/** memberId -> topic -> partitions. */
export type Assignment = Map<string, Map<string, number[]>>

/** An assignment with bytes for each member beside its partitions (the assignment's user data). */
export interface AssignmentWithUserData {
  partitions: Assignment
  /** memberId -> bytes that member's onAssignment() receives. */
  userData: Map<string, Buffer>
}

export interface Assignor {
  name: string
  /** 'cooperative' (KIP-429): members keep partitions across a rebalance and revoke only moved ones. Default 'eager'. */
  rebalanceProtocol?: 'eager' | 'cooperative'
  /** Bytes this member sends with its subscription (e.g. the tasks it owns); the leader's assign() sees them. */
  userData?(): Buffer | null
  /** `partitions`: topic -> partition count, for every topic any member subscribes to. */
  assign(members: readonly GroupMember[], partitions: ReadonlyMap<string, number>): Assignment
  /** Used instead of assign() when present: also gives each member bytes of its own (Kafka's Assignment userData). */
  assignWithUserData?(members: readonly GroupMember[], partitions: ReadonlyMap<string, number>): AssignmentWithUserData
  /** Every member (the leader too) is told its assignment's user data when a rebalance ends, before its rebalance listener. */
  onAssignment?(partitions: readonly TopicPartition[], userData: Buffer | null): void
  /**
   * Bytes-level assignors (KafkaJS's partitionAssigners encode their own metadata): this member's
   * subscription bytes, used instead of the standard encoding.
   */
  subscriptionBytes?(topics: readonly string[]): Buffer
  /** Bytes-level assignment, used instead of assign(): each member's subscription bytes in, its assignment bytes out. */
  assignBytes?(members: readonly { memberId: string; metadata: Buffer }[], partitions: ReadonlyMap<string, number>): Promise<Map<string, Buffer>>
}

const SUBSCRIPTION_VERSION = 1
const ASSIGNMENT_VERSION = 1

export function encodeSubscription(topics: string[], owned: readonly TopicPartition[] = [], userData: Buffer | null = null, generationId = -1): Buffer {
  const byTopic = new Map<string, number[]>()
  for (const tp of owned) (byTopic.get(tp.topic) ?? byTopic.set(tp.topic, []).get(tp.topic)!).push(tp.partition)
  const v = { topics, userData, ownedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), generationId, rackId: null }
  // v2 carries the generation of the owned partitions (sticky assignors settle double claims with it).
  const version = generationId >= 0 ? 2 : SUBSCRIPTION_VERSION
  const w = new Writer(2 + sizeConsumerProtocolSubscription(v, version))
  w.int16(version)
  writeConsumerProtocolSubscription(w, v, version)
  return w.finish()
}

/** The topics of a subscription, read as version 0 whatever its version says (bytes-level assignors may write only those). */
export function subscriptionTopics(buf: Buffer): string[] {
  const r = new Reader(buf)
  r.int16()
  return readConsumerProtocolSubscription(r, 0).topics
}

export function decodeSubscription(memberId: string, groupInstanceId: string | null, buf: Buffer): GroupMember {
  const r = new Reader(buf)
  // Later versions only append fields: read what we know.
  const version = Math.min(r.int16(), 3)
  const s = readConsumerProtocolSubscription(r, version)
  return {
    memberId, groupInstanceId, topics: s.topics, userData: s.userData,
    ownedPartitions: s.ownedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    generation: s.generationId,
  }
}

export function encodeAssignment(parts: ReadonlyMap<string, number[]> | undefined, userData: Buffer | null = null): Buffer {
  const v = { assignedPartitions: [...(parts ?? [])].map(([topic, partitions]) => ({ topic, partitions })), userData }
  const w = new Writer(2 + sizeConsumerProtocolAssignment(v, ASSIGNMENT_VERSION))
  w.int16(ASSIGNMENT_VERSION)
  writeConsumerProtocolAssignment(w, v, ASSIGNMENT_VERSION)
  return w.finish()
}

export function decodeAssignment(buf: Buffer): TopicPartition[] {
  return decodeAssignmentWithUserData(buf).partitions
}

export function decodeAssignmentWithUserData(buf: Buffer): { partitions: TopicPartition[]; userData: Buffer | null } {
  if (buf.length === 0) return { partitions: [], userData: null }
  const r = new Reader(buf)
  const version = Math.min(r.int16(), 3)
  const a = readConsumerProtocolAssignment(r, version)
  return { partitions: a.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))), userData: a.userData }
}

const byId = (a: GroupMember, b: GroupMember): number => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)

function emptyAssignment(members: readonly GroupMember[]): Assignment {
  return new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]))
}

function give(a: Assignment, memberId: string, topic: string, partition: number): void {
  const m = a.get(memberId)!
  let l = m.get(topic)
  if (l === undefined) m.set(topic, (l = []))
  l.push(partition)
}

/** Per topic, consecutive ranges: the first (partitions % members) members get one extra. */
export const rangeAssignor: Assignor = {
  name: 'range',
  assign(members, partitions) {
    const out = emptyAssignment(members)
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort()
    for (const topic of topics) {
      const n = partitions.get(topic) ?? 0
      const subs = members.filter((m) => m.topics.includes(topic)).sort(byId)
      if (n === 0 || subs.length === 0) continue
      const each = Math.floor(n / subs.length)
      const extra = n % subs.length
      let p = 0
      subs.forEach((m, i) => {
        const count = each + (i < extra ? 1 : 0)
        for (let k = 0; k < count; k++) give(out, m.memberId, topic, p++)
      })
    }
    return out
  },
}

/** All partitions sorted by topic and number, dealt in turn to the members subscribed to each. */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  assign(members, partitions) {
    const out = emptyAssignment(members)
    const sorted = [...members].sort(byId)
    if (sorted.length === 0) return out
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort()
    let next = 0
    for (const topic of topics) {
      const n = partitions.get(topic) ?? 0
      for (let p = 0; p < n; p++) {
        for (let tries = 0; tries < sorted.length; tries++) {
          const m = sorted[next % sorted.length]!
          next++
          if (m.topics.includes(topic)) {
            give(out, m.memberId, topic, p)
            break
          }
        }
      }
    }
    return out
  },
}

export const ASSIGNORS: Readonly<Record<string, Assignor>> = {
  range: rangeAssignor, roundrobin: roundRobinAssignor, 'cooperative-sticky': cooperativeStickyAssignor,
  // Kafka's class names, as Java configs spell them.
  'org.apache.kafka.clients.consumer.RangeAssignor': rangeAssignor,
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': roundRobinAssignor,
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': cooperativeStickyAssignor,
}
