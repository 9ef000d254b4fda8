// Data directories written before the metadata store (cluster-metadata.json format version 1: one
// document with the cluster id and every topic) are read once and rewritten as store keys, so
// existing topics keep their ids, partition counts and configs. Every partition is led by the node
// that wrote the file, at leader epoch 0 (a single node never changed it).
import { CLUSTER_ID_KEY, partitionKey, topicKey } from './metadata-records.ts'
import type { PartitionRecord, TopicRecord } from './metadata-records.ts'

interface V1Topic {
  name: string
  topicId: string
  partitions: number
  configs: Record<string, string>
  internal: boolean
}

function validTopic(t: unknown): t is V1Topic {
  const o = t as Record<string, unknown>
  return typeof o === 'object' && o !== null && typeof o.name === 'string' && typeof o.topicId === 'string' &&
    Number.isInteger(o.partitions) && (o.partitions as number) > 0 && typeof o.configs === 'object' && o.configs !== null &&
    typeof o.internal === 'boolean'
}

/** The keys of a version-1 file, or undefined when `parsed` is not one. `nodeId` leads every partition. */
export function migrateV1(parsed: Record<string, unknown>, nodeId: number): { key: string, value: string }[] | undefined {
  if (parsed.version !== 1 || typeof parsed.clusterId !== 'string' || !Array.isArray(parsed.topics) || !parsed.topics.every(validTopic)) {
    return undefined
  }
  const leader = Number.isInteger(parsed.nodeId) ? parsed.nodeId as number : nodeId
  const out = [{ key: CLUSTER_ID_KEY, value: parsed.clusterId }]
  for (const t of parsed.topics) {
    const topic: TopicRecord = { topicId: t.topicId, configs: t.configs, internal: t.internal }
    out.push({ key: topicKey(t.name), value: JSON.stringify(topic) })
    const state: PartitionRecord = { replicas: [leader], isr: [leader], leader, leaderEpoch: 0, partitionEpoch: 0 }
    for (let i = 0; i < t.partitions; i++) out.push({ key: partitionKey(t.topicId, i), value: JSON.stringify(state) })
  }
  return out
}
