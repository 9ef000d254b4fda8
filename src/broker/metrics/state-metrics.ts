// Metrics computed from broker state when /metrics is scraped: partitions and offsets under
// kafka_exporter's names (so its Grafana dashboards work unchanged), consumer lag per group in
// records and in seconds, and Samsa's own partition and purgatory gauges. Nothing here runs on
// the request path.
import { Gauge } from 'prom-client'
import type { Registry } from 'prom-client'
import { BASE_TIMESTAMP, MAGIC, RECORD_BATCH_OVERHEAD, readInt64 } from '../../protocol/records/batch-header.ts'
import type { BrokerContext } from '../context.ts'
import type { Partition } from '../replica/partition.ts'
import { allLagOf } from '../coordinator/group/group-of.ts'

type Labels<L extends string> = Partial<Record<L, string | number>>

/** A gauge whose values are all recomputed at each scrape by `fill`. */
function scraped<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[],
  fill: (set: (labels: Labels<L>, value: number) => void) => void | Promise<void>): void {
  new Gauge<L>({
    name, help, labelNames, registers: [registry],
    async collect() {
      this.reset()
      await fill((labels, value) => this.set(labels, value))
    },
  })
}

export function registerStateMetrics(registry: Registry, ctx: BrokerContext): void {
  const hosted = (): Partition[] => [...ctx.replicas.allPartitions()]
  const tp = (p: Partition) => ({ topic: p.topic, partition: p.index })

  scraped(registry, 'kafka_brokers', 'Number of brokers in the cluster.', [], (set) => {
    set({}, Math.max(1, ctx.metadata.image.brokers.size))
  })
  scraped(registry, 'kafka_topic_partitions', 'Number of partitions of a topic.', ['topic'], (set) => {
    for (const t of ctx.metadata.topics()) set({ topic: t.name }, t.partitions)
  })
  scraped(registry, 'kafka_topic_partition_current_offset', 'Newest offset of a partition (its high watermark).', ['topic', 'partition'], (set) => {
    for (const p of hosted()) set(tp(p), p.highWatermark)
  })
  scraped(registry, 'kafka_topic_partition_oldest_offset', 'Oldest offset of a partition (its log start offset).', ['topic', 'partition'], (set) => {
    for (const p of hosted()) set(tp(p), p.logStartOffset)
  })
  scraped(registry, 'kafka_topic_partition_leader', 'Leader broker id of a partition.', ['topic', 'partition'], (set) => {
    for (const s of states(ctx)) set({ topic: s.topic, partition: s.partition }, s.leader)
  })
  scraped(registry, 'kafka_topic_partition_replicas', 'Number of replicas of a partition.', ['topic', 'partition'], (set) => {
    for (const s of states(ctx)) set({ topic: s.topic, partition: s.partition }, s.replicas.length)
  })
  scraped(registry, 'kafka_topic_partition_in_sync_replica', 'Number of in-sync replicas of a partition.', ['topic', 'partition'], (set) => {
    for (const s of states(ctx)) set({ topic: s.topic, partition: s.partition }, s.isr.length)
  })
  scraped(registry, 'kafka_topic_partition_under_replicated_partition', '1 when a partition has fewer in-sync replicas than replicas.', ['topic', 'partition'], (set) => {
    for (const s of states(ctx)) set({ topic: s.topic, partition: s.partition }, s.isr.length < s.replicas.length ? 1 : 0)
  })
  scraped(registry, 'kafka_topic_partition_leader_is_preferred', '1 when a partition is led by its first replica.', ['topic', 'partition'], (set) => {
    for (const s of states(ctx)) set({ topic: s.topic, partition: s.partition }, s.leader === s.replicas[0] ? 1 : 0)
  })

  scraped(registry, 'samsa_partitions_led', 'Partitions this broker leads.', [], (set) => {
    set({}, hosted().filter((p) => p.isLeader).length)
  })
  scraped(registry, 'samsa_partitions_under_replicated', 'Partitions this broker leads with fewer in-sync replicas than replicas.', [], (set) => {
    set({}, hosted().filter((p) => p.isLeader && p.isr.length < p.replicas.length).length)
  })
  scraped(registry, 'samsa_partitions_offline', 'Partitions of the cluster without a leader.', [], (set) => {
    set({}, states(ctx).filter((s) => s.leader < 0).length)
  })
  scraped(registry, 'samsa_log_size_bytes', 'Bytes of a partition\'s log segments on this broker.', ['topic', 'partition'], (set) => {
    for (const p of hosted()) set(tp(p), p.sizeInBytes)
  })
  scraped(registry, 'samsa_purgatory_size', 'Requests waiting in a purgatory (fetch long-polls, acks=all produces).', ['purgatory'], (set) => {
    set({ purgatory: 'fetch' }, ctx.replicas.fetchPurgatory.size)
    set({ purgatory: 'produce' }, ctx.replicas.producePurgatory.size)
  })

  registerLagMetrics(registry, ctx)
}

function states(ctx: BrokerContext) {
  const out = []
  for (const t of ctx.metadata.topics()) out.push(...t.states)
  return out
}

/** kafka_exporter's consumer group metrics, plus lag in seconds (Samsa's own). */
function registerLagMetrics(registry: Registry, ctx: BrokerContext): void {
  const groupLabels = ['consumergroup', 'topic', 'partition'] as const
  scraped(registry, 'kafka_consumergroup_current_offset', 'Committed offset of a consumer group in a partition.', groupLabels, (set) => {
    for (const g of allLagOf(ctx)) for (const p of g.partitions) set({ consumergroup: g.groupId, topic: p.topic, partition: p.partition }, p.committedOffset)
  })
  scraped(registry, 'kafka_consumergroup_current_offset_sum', 'Sum of a consumer group\'s committed offsets over a topic.', ['consumergroup', 'topic'], (set) => {
    for (const g of allLagOf(ctx)) for (const [topic, v] of sumByTopic(g.partitions, (p) => p.committedOffset)) set({ consumergroup: g.groupId, topic }, v)
  })
  scraped(registry, 'kafka_consumergroup_lag', 'Records a consumer group has yet to consume in a partition (high watermark - committed offset).', groupLabels, (set) => {
    for (const g of allLagOf(ctx)) for (const p of g.partitions) if (p.lag !== undefined) set({ consumergroup: g.groupId, topic: p.topic, partition: p.partition }, p.lag)
  })
  scraped(registry, 'kafka_consumergroup_lag_sum', 'Records a consumer group has yet to consume in a topic.', ['consumergroup', 'topic'], (set) => {
    for (const g of allLagOf(ctx)) for (const [topic, v] of sumByTopic(g.partitions, (p) => p.lag ?? 0)) set({ consumergroup: g.groupId, topic }, v)
  })
  scraped(registry, 'kafka_consumergroup_members', 'Members of a consumer group.', ['consumergroup'], (set) => {
    for (const g of allLagOf(ctx)) set({ consumergroup: g.groupId }, ctx.coordinators.group.coordinator.group(g.groupId)?.members.size ?? 0)
  })
  scraped(registry, 'samsa_consumergroup_lag_seconds',
    'Age of the oldest record a consumer group has yet to consume in a partition (0 when caught up), from the timestamp of the batch holding its committed offset.',
    groupLabels, async (set) => {
      const now = ctx.clock.now()
      for (const g of allLagOf(ctx)) {
        for (const p of g.partitions) {
          if (p.lag === undefined) continue
          const age = p.lag === 0 ? 0 : await oldestUnconsumedAge(ctx, p.topic, p.partition, p.committedOffset, now)
          if (age !== undefined) set({ consumergroup: g.groupId, topic: p.topic, partition: p.partition }, age)
        }
      }
    })
}

function sumByTopic<T extends { topic: string }>(parts: readonly T[], value: (p: T) => number): Map<string, number> {
  const sums = new Map<string, number>()
  for (const p of parts) sums.set(p.topic, (sums.get(p.topic) ?? 0) + value(p))
  return sums
}

/** Seconds since the first timestamp of the batch holding `offset` (record batches v2 only). */
async function oldestUnconsumedAge(ctx: BrokerContext, topic: string, index: number, offset: number, now: number): Promise<number | undefined> {
  const p = ctx.replicas.partition(topic, index)
  if (!p || offset >= p.highWatermark) return undefined
  try {
    const r = await p.readBatchAt(Math.max(offset, p.logStartOffset), 1, p.highWatermark)
    const first = r.batches[0]
    if (!first || first.length < RECORD_BATCH_OVERHEAD || first[MAGIC] !== 2) return undefined
    return Math.max(0, (now - readInt64(first, BASE_TIMESTAMP)) / 1000)
  } catch {
    return undefined // truncated or deleted meanwhile: no figure this scrape
  }
}
