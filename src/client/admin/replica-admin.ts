// Replica placement through the admin API: AlterPartitionReassignments (move a partition's
// replicas; the data is copied by replication), ListPartitionReassignments (the moves under way)
// and ElectLeaders (preferred or unclean leader election), sent to the controller as Kafka's
// admin client does. Per-partition outcomes are returned, not thrown, where Kafka's admin client
// gives a result per partition (ElectLeaders: ELECTION_NOT_NEEDED is an answer, not a failure).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { AlterPartitionReassignmentsResponse } from '../../protocol/generated/messages/alter-partition-reassignments.ts'
import type { ListPartitionReassignmentsResponse } from '../../protocol/generated/messages/list-partition-reassignments.ts'
import type { ElectLeadersResponse } from '../../protocol/generated/messages/elect-leaders.ts'
import type { Connection } from '../net/connection.ts'
import { KafkaError } from '../errors.ts'
import type { TopicPartition } from '../offsets.ts'

type Run = <T>(fn: () => Promise<T>) => Promise<T>

export interface PartitionReassignment extends TopicPartition {
  /** The target replica list (first = preferred leader); null cancels a reassignment under way. */
  replicas: number[] | null
}

export interface OngoingReassignment extends TopicPartition {
  replicas: number[]
  addingReplicas: number[]
  removingReplicas: number[]
}

export interface ElectionResult extends TopicPartition {
  /** null: elected; otherwise Kafka's error (e.g. ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE). */
  error: KafkaError | null
}

const ELECTION_TYPES = { preferred: 0, unclean: 1 } as const
export type ElectionType = keyof typeof ELECTION_TYPES

/** Groups partitions by topic, keeping the first-seen topic order. */
function byTopic<T extends TopicPartition, R>(items: readonly T[], each: (t: T) => R): Map<string, R[]> {
  const out = new Map<string, R[]>()
  for (const it of items) {
    let list = out.get(it.topic)
    if (list === undefined) out.set(it.topic, (list = []))
    list.push(each(it))
  }
  return out
}

/** A partition's outcome of AlterPartitionReassignments. */
export interface ReassignmentResult extends TopicPartition {
  /** null: started (or cancelled); otherwise Kafka's error (e.g. NO_REASSIGNMENT_IN_PROGRESS, INVALID_REPLICA_ASSIGNMENT). */
  error: KafkaError | null
}

/** Starts (or cancels, with `replicas: null`) reassignments; a request-level error is thrown, each partition's outcome returned. */
export async function reassignPartitions(conn: () => Promise<Connection>, run: Run,
  moves: readonly PartitionReassignment[], timeoutMs: number): Promise<ReassignmentResult[]> {
  const topics = [...byTopic(moves, (m) => ({ partitionIndex: m.partition, replicas: m.replicas }))]
    .map(([name, partitions]) => ({ name, partitions }))
  const res = await run(async () => (await conn()).request<AlterPartitionReassignmentsResponse>(ApiKey.AlterPartitionReassignments, {
    timeoutMs, allowReplicationFactorChange: true, topics,
  }))
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { message: res.errorMessage, api: 'AlterPartitionReassignments' })
  return res.responses.flatMap((t) => t.partitions.map((p) => ({
    topic: t.name,
    partition: p.partitionIndex,
    error: p.errorCode === 0 ? null : new KafkaError(p.errorCode, { topic: t.name, partition: p.partitionIndex, message: p.errorMessage, api: 'AlterPartitionReassignments' }),
  })))
}

/** Starts (or cancels) reassignments; throws the first partition's error. */
export async function alterPartitionReassignments(conn: () => Promise<Connection>, run: Run,
  moves: readonly PartitionReassignment[], timeoutMs: number): Promise<void> {
  const failed = (await reassignPartitions(conn, run, moves, timeoutMs)).find((r) => r.error !== null)
  if (failed) throw failed.error
}

/** The reassignments under way, for the given partitions or all of them. */
export async function listPartitionReassignments(conn: () => Promise<Connection>, run: Run,
  partitions: readonly TopicPartition[] | undefined, timeoutMs: number): Promise<OngoingReassignment[]> {
  const topics = partitions === undefined
    ? null
    : [...byTopic(partitions, (p) => p.partition)].map(([name, partitionIndexes]) => ({ name, partitionIndexes }))
  const res = await run(async () => (await conn()).request<ListPartitionReassignmentsResponse>(ApiKey.ListPartitionReassignments, { timeoutMs, topics }))
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { message: res.errorMessage, api: 'ListPartitionReassignments' })
  return res.topics.flatMap((t) => t.partitions.map((p) => ({
    topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas,
  })))
}

/**
 * Elects leaders for the given partitions (all partitions when omitted, as Kafka's admin client
 * does with null). A request-level error is thrown; each partition's outcome is returned.
 */
export async function electLeaders(conn: () => Promise<Connection>, run: Run, type: ElectionType,
  partitions: readonly TopicPartition[] | undefined, timeoutMs: number): Promise<ElectionResult[]> {
  const electionType = ELECTION_TYPES[type]
  if (electionType === undefined) throw new TypeError(`election type must be 'preferred' or 'unclean', not ${String(type)}`)
  const topicPartitions = partitions === undefined
    ? null
    : [...byTopic(partitions, (p) => p.partition)].map(([topic, list]) => ({ topic, partitions: list }))
  const res = await run(async () => (await conn()).request<ElectLeadersResponse>(ApiKey.ElectLeaders, { electionType, topicPartitions, timeoutMs }))
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { api: 'ElectLeaders' })
  return res.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => ({
    topic: t.topic,
    partition: p.partitionId,
    error: p.errorCode === 0 ? null : new KafkaError(p.errorCode, { topic: t.topic, partition: p.partitionId, message: p.errorMessage, api: 'ElectLeaders' }),
  })))
}
