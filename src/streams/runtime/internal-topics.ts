// Before a KafkaStreams instance joins its group: the partition count of every sub-topology
// (source topics must exist; repartition topics take the count of the topics feeding them),
// the co-partitioning check of joined topics, and the creation of repartition topics and
// compacted changelog topics (`<application.id>-<store>-changelog`, one partition per task).
import type { Admin } from '../../client/index.ts'
import { KafkaError } from '../../client/index.ts'
import { TopologyError } from '../errors.ts'
import type { Subtopology, Topology } from '../processor/topology.ts'

export interface TopicPlan {
  /** Partition count per raw topic name (sources and repartition topics). */
  partitions: Map<string, number>
  /** Per sub-topology id: its task count. */
  taskCounts: Map<number, number>
  /** Internal topics to create: name on the broker -> (partitions, configs). */
  internal: Map<string, { partitions: number; configs: Record<string, string> }>
}

export async function planTopics(admin: Admin, topology: Topology, subs: Subtopology[], resolve: (raw: string) => string, changelog: (store: string) => string): Promise<TopicPlan> {
  const partitions = new Map<string, number>()
  const external = [...new Set(subs.flatMap((s) => s.sourceTopics).filter((t) => !topology.repartitionTopics.has(t)))]
  const infos = external.length === 0 ? [] : await admin.describeTopics(external)
  for (const t of external) {
    const info = infos.find((i) => i.name === t)
    if (info === undefined || info.partitions.length === 0) throw new TopologyError(`source topic ${t} does not exist (create it before starting)`)
    partitions.set(t, info.partitions.length)
  }
  for (const [t, n] of topology.repartitionTopics) if (n !== null) partitions.set(t, n)
  // Which sub-topology writes each repartition topic.
  const writers = new Map<string, Subtopology[]>()
  for (const s of subs) for (const name of s.nodes) {
    const n = topology.nodes.get(name)!
    if (n.kind === 'sink' && typeof n.topic === 'string' && topology.repartitionTopics.has(n.topic)) (writers.get(n.topic) ?? writers.set(n.topic, []).get(n.topic)!).push(s)
  }
  // Fixed point: a repartition topic gets the largest count among the sources of its writers;
  // co-partition groups then align on the count of their fixed (external or set) members.
  for (let round = 0; round < subs.length + topology.copartitionGroups.length + 2; round++) {
    for (const [t, ws] of writers) {
      if (partitions.has(t)) continue
      const counts = ws.flatMap((s) => s.sourceTopics.map((x) => partitions.get(x))).filter((x): x is number => x !== undefined)
      if (counts.length > 0) partitions.set(t, Math.max(...counts))
    }
    for (const group of topology.copartitionGroups) {
      const fixed = group.filter((t) => !topology.repartitionTopics.has(t) || topology.repartitionTopics.get(t) !== null)
      const known = (fixed.length > 0 ? fixed : group).map((t) => partitions.get(t)).filter((x): x is number => x !== undefined)
      if (known.length === 0) continue
      const n = Math.max(...known)
      for (const t of group) if (topology.repartitionTopics.has(t) && topology.repartitionTopics.get(t) === null) partitions.set(t, n)
    }
  }
  for (const group of topology.copartitionGroups) {
    const counts = new Set(group.map((t) => partitions.get(t)))
    if (counts.size > 1) throw new TopologyError(`topics ${group.join(', ')} are joined but not co-partitioned: partition counts ${group.map((t) => partitions.get(t)).join(', ')}`)
  }
  const taskCounts = new Map<number, number>()
  const internal = new Map<string, { partitions: number; configs: Record<string, string> }>()
  for (const s of subs) {
    const counts = s.sourceTopics.map((t) => partitions.get(t))
    if (counts.some((c) => c === undefined)) throw new TopologyError(`cannot tell the partition count of sub-topology ${s.id} (${s.sourceTopics.join(', ')})`)
    const n = Math.max(...(counts as number[]))
    taskCounts.set(s.id, n)
    for (const store of s.stores) if (topology.stores.get(store)!.logged) internal.set(changelog(store), { partitions: n, configs: { 'cleanup.policy': 'compact' } })
  }
  for (const t of topology.repartitionTopics.keys()) internal.set(resolve(t), { partitions: partitions.get(t)!, configs: { 'cleanup.policy': 'delete' } })
  return { partitions, taskCounts, internal }
}

/** Creates the internal topics that do not exist yet (another instance may create them at the same time). */
export async function createInternalTopics(admin: Admin, plan: TopicPlan, replicationFactor: number): Promise<void> {
  const existing = new Set(await admin.listTopics())
  const missing = [...plan.internal].filter(([t]) => !existing.has(t))
  if (missing.length === 0) return
  try {
    await admin.createTopics(missing.map(([topic, t]) => ({ topic, numPartitions: t.partitions, replicationFactor, configs: t.configs })))
  } catch (err) {
    if (!(err instanceof KafkaError && err.code === 36)) throw err // TOPIC_ALREADY_EXISTS: a peer won the race
  }
}
