// Offset APIs shared by the consumer and the admin client: committed offsets of a group
// (OffsetFetch, OffsetCommit) and log offsets by time (ListOffsets, routed to each leader).
import { ZERO_UUID } from '../protocol/primitives/index.ts'
import { ApiKey } from '../protocol/generated/api-keys.ts'
import type { OffsetFetchResponse } from '../protocol/generated/messages/offset-fetch.ts'
import type { OffsetCommitResponse } from '../protocol/generated/messages/offset-commit.ts'
import type { ListOffsetsResponse } from '../protocol/generated/messages/list-offsets.ts'
import type { Cluster } from './cluster.ts'
import { KafkaError } from './errors.ts'
import { retry } from './retry.ts'

export interface TopicPartition {
  topic: string
  partition: number
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number
  metadata?: string | null
}

/** ListOffsets' special timestamps. */
export const LATEST = -1
export const EARLIEST = -2

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`

function groupByTopic<T extends TopicPartition>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>()
  for (const it of items) {
    let l = m.get(it.topic)
    if (l === undefined) m.set(it.topic, (l = []))
    l.push(it)
  }
  return m
}

/** Committed offsets of `groupId` (-1 where nothing is committed); null partitions = all. */
export async function fetchCommitted(cluster: Cluster, groupId: string, partitions: readonly TopicPartition[] | null): Promise<TopicPartitionOffset[]> {
  return retry(async () => {
    const conn = await cluster.coordinator(groupId, 0)
    const byTopic = partitions === null ? null : [...groupByTopic(partitions)].map(([name, ps]) => ({ name, topicId: ZERO_UUID, partitionIndexes: ps.map((p) => p.partition) }))
    const v = conn.version(ApiKey.OffsetFetch)
    const res = await conn.request<OffsetFetchResponse>(ApiKey.OffsetFetch, v >= 8
      ? { groupId: '', topics: [], requireStable: true, groups: [{ groupId, memberId: null, memberEpoch: -1, topics: byTopic }] }
      : { groupId, topics: byTopic, requireStable: v >= 7, groups: [] })
    const out: TopicPartitionOffset[] = []
    const fail = (code: number) => {
      if (code === 16 || code === 15) cluster.forgetCoordinator(groupId, 0)
      throw new KafkaError(code, { api: 'OffsetFetch' })
    }
    if (v >= 8) {
      const g = res.groups[0]!
      if (g.errorCode !== 0) fail(g.errorCode)
      for (const t of g.topics) for (const p of t.partitions) {
        if (p.errorCode !== 0) throw new KafkaError(p.errorCode, { topic: t.name, partition: p.partitionIndex, api: 'OffsetFetch' })
        out.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset), metadata: p.metadata })
      }
    } else {
      if (res.errorCode !== 0) fail(res.errorCode)
      for (const t of res.topics) for (const p of t.partitions) {
        if (p.errorCode !== 0) throw new KafkaError(p.errorCode, { topic: t.name, partition: p.partitionIndex, api: 'OffsetFetch' })
        out.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset), metadata: p.metadata })
      }
    }
    return out
  }, cluster.retryOptions)
}

export interface GroupIdentity {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

/** Commits offsets for a group member (generation -1 and member '' for a standalone commit). */
export async function commitOffsets(cluster: Cluster, who: GroupIdentity, offsets: readonly TopicPartitionOffset[]): Promise<void> {
  if (offsets.length === 0) return
  const topics = [...groupByTopic(offsets)].map(([name, ps]) => ({
    name, topicId: ZERO_UUID,
    partitions: ps.map((p) => ({ partitionIndex: p.partition, committedOffset: BigInt(p.offset), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: p.metadata ?? null })),
  }))
  await retry(async () => {
    const conn = await cluster.coordinator(who.groupId, 0)
    const res = await conn.request<OffsetCommitResponse>(ApiKey.OffsetCommit, {
      groupId: who.groupId, generationIdOrMemberEpoch: who.generationId, memberId: who.memberId, groupInstanceId: who.groupInstanceId,
      retentionTimeMs: -1n, topics,
    })
    for (const t of res.topics) for (const p of t.partitions) {
      if (p.errorCode === 0) continue
      if (p.errorCode === 16 || p.errorCode === 15) cluster.forgetCoordinator(who.groupId, 0)
      throw new KafkaError(p.errorCode, { topic: t.name, partition: p.partitionIndex, api: 'OffsetCommit' })
    }
  }, cluster.retryOptions)
}

/**
 * The offset for each partition at `timestamp` (LATEST, EARLIEST, or ms: the first offset whose
 * timestamp is >= it, -1 when there is none). Requests go to each partition's leader.
 */
export async function listOffsets(cluster: Cluster, requests: readonly (TopicPartition & { timestamp: number })[], isolationLevel = 0): Promise<TopicPartitionOffset[]> {
  return retry(async () => {
    const byLeader = new Map<number, (TopicPartition & { timestamp: number })[]>()
    for (const r of requests) {
      const t = await cluster.topic(r.topic)
      const leader = t.partitions[r.partition]?.leader ?? -1
      if (leader < 0) throw new KafkaError(t.partitions[r.partition] === undefined ? 3 : 5, { topic: r.topic, partition: r.partition })
      let l = byLeader.get(leader)
      if (l === undefined) byLeader.set(leader, (l = []))
      l.push(r)
    }
    const parts = await Promise.all([...byLeader].map(async ([leader, reqs]) => {
      const conn = await cluster.nodeConnection(leader)
      const res = await conn.request<ListOffsetsResponse>(ApiKey.ListOffsets, {
        replicaId: -1, isolationLevel, timeoutMs: cluster.options.requestTimeoutMs,
        topics: [...groupByTopic(reqs)].map(([name, ps]) => ({
          name, partitions: ps.map((p) => ({ partitionIndex: p.partition, currentLeaderEpoch: -1, timestamp: BigInt(p.timestamp), maxNumOffsets: 1 })),
        })),
      })
      const out: TopicPartitionOffset[] = []
      for (const t of res.topics) for (const p of t.partitions) {
        if (p.errorCode !== 0) {
          cluster.invalidate(t.name)
          throw new KafkaError(p.errorCode, { topic: t.name, partition: p.partitionIndex, api: 'ListOffsets' })
        }
        out.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.offset) })
      }
      return out
    }))
    return parts.flat()
  }, cluster.retryOptions)
}
