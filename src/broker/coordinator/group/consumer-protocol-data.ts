// The embedded consumer protocol of classic members, read and written by the coordinator itself
// when those members live in a consumer group (Kafka's online migration): their subscription
// (topics, owned partitions, rack) and the assignment the broker computed for them, serialized at
// the version their subscription declared. Clients often declare a version whose fields they do
// not send (KafkaJS: v1 without owned partitions), so a subscription that does not parse at its
// version is read as v0 (owns nothing known).
import { Reader, Writer } from '../../../protocol/primitives/index.ts'
import { readConsumerProtocolSubscription } from '../../../protocol/generated/data/consumer-protocol-subscription.ts'
import {
  readConsumerProtocolAssignment, sizeConsumerProtocolAssignment, writeConsumerProtocolAssignment,
} from '../../../protocol/generated/data/consumer-protocol-assignment.ts'
import type { Assignment } from './consumer-group.ts'

export interface ClassicSubscription {
  readonly version: number
  readonly topics: string[]
  readonly ownedPartitions: { topic: string, partitions: number[] }[]
  readonly rackId: string | null
}

/** Throws when not even v0 parses. */
export function readSubscription(metadata: Buffer): ClassicSubscription {
  const declared = new Reader(metadata).int16()
  if (declared < 0) throw new RangeError(`consumer protocol subscription version ${declared}`)
  const version = Math.min(declared, 3)
  try {
    const r = new Reader(metadata)
    r.int16()
    const s = readConsumerProtocolSubscription(r, version)
    return { version: declared, topics: s.topics, ownedPartitions: s.ownedPartitions, rackId: s.rackId }
  } catch {
    const r = new Reader(metadata)
    r.int16()
    const s = readConsumerProtocolSubscription(r, 0)
    return { version: declared, topics: s.topics, ownedPartitions: [], rackId: null }
  }
}

/** The version a member's assignment is written at: its subscription's, within what the schema knows. */
export function assignmentVersionOf(metadata: Buffer | undefined): number {
  if (!metadata || metadata.length < 2) return 0
  return Math.max(0, Math.min(new Reader(metadata).int16(), 3))
}

/** A classic assignment's partitions by topic name, and its user data (null or empty when none). */
export function readAssignment(buf: Buffer): { partitions: { topic: string, partitions: number[] }[], userData: Buffer | null } {
  if (buf.length === 0) return { partitions: [], userData: null }
  const r = new Reader(buf)
  const version = Math.max(0, Math.min(r.int16(), 3))
  const a = readConsumerProtocolAssignment(r, version)
  return { partitions: a.assignedPartitions, userData: a.userData }
}

/** Serializes an assignment of topic ids for a classic member (ids without a name are left out). */
export function writeAssignment(a: Assignment, names: ReadonlyMap<string, string>, version: number): Buffer {
  const assignedPartitions: { topic: string, partitions: number[] }[] = []
  for (const [topicId, parts] of a) {
    const topic = names.get(topicId)
    if (topic !== undefined && parts.size > 0) assignedPartitions.push({ topic, partitions: [...parts].sort((x, y) => x - y) })
  }
  const v = { assignedPartitions, userData: null }
  const w = new Writer(2 + sizeConsumerProtocolAssignment(v, version))
  w.int16(version)
  writeConsumerProtocolAssignment(w, v, version)
  return w.finish()
}

/** Topic names → ids, unknown topics left out. */
export function toIds(list: readonly { topic: string, partitions: readonly number[] }[], idOf: (name: string) => string | undefined): { topicId: string, partitions: number[] }[] {
  const out: { topicId: string, partitions: number[] }[] = []
  for (const tp of list) {
    const topicId = idOf(tp.topic)
    if (topicId !== undefined) out.push({ topicId, partitions: [...tp.partitions] })
  }
  return out
}
