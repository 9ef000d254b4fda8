// Under-replicated partitions on /metrics in a 3-broker cluster (startCluster): a follower killed
// drops out of the ISR after replica.lag.time.max.ms, and the leader's /metrics shows the
// partition under-replicated (Kafka's gauge per partition and Samsa's count of led partitions);
// the follower restarted catches up and both return to 0. Read as Prometheus would.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/index.ts'
import { createTopic, partitionState, produce, until } from '../replica/cluster-helpers.ts'

interface Sample { labels?: Record<string, string>, value?: string }
interface Family { name: string, metrics: Sample[] }
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[]

describe('under-replicated partitions on /metrics', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({ brokers: 3, config: { 'admin.listeners': 'http://127.0.0.1:0', 'replica.lag.time.max.ms': 1500, 'auto.leader.rebalance.enable': false } })
  })
  after(async () => {
    await cluster?.close()
  })

  /** Samsa's count on broker `id` and Kafka's per-partition gauge for urp-0, from one scrape. */
  const scrape = async (id: number): Promise<{ count: number, partition: number }> => {
    const a = cluster.broker(id).running!.admin[0]!
    const res = await fetch(`http://${a.host}:${a.port}/metrics`)
    assert.equal(res.status, 200)
    const families = parsePrometheus(await res.text())
    const one = (name: string, labels: Record<string, string> = {}) => {
      const m = families.find((f) => f.name === name)?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))
      assert.ok(m?.value !== undefined, `${name} ${JSON.stringify(labels)} on broker ${id}`)
      return Number(m.value)
    }
    return { count: one('samsa_partitions_under_replicated'), partition: one('kafka_topic_partition_under_replicated_partition', { topic: 'urp', partition: '0' }) }
  }

  it('rises when a follower falls out of the ISR and returns to 0 when it catches up', { timeout: 20_000 }, async () => {
    await createTopic(cluster, 'urp', 1, 3)
    const s = await partitionState(cluster, 'urp', 0)
    const leader = s.leader
    const controller = cluster.broker(leader).running!.context.metadata.image.controllerId
    const follower = s.replicas.find((id) => id !== leader && id !== controller)!
    assert.equal((await produce(cluster, leader, 'urp', 0, 10, -1)).errorCode, 0)
    await until('a full ISR', async () => (await partitionState(cluster, 'urp', 0)).isr.length === 3)
    assert.deepEqual(await scrape(leader), { count: 0, partition: 0 })

    await cluster.kill(follower)
    await until('the leader reports the partition under-replicated', async () => {
      const m = await scrape(leader)
      return m.count === 1 && m.partition === 1
    }, 12_000)
    assert.ok(!(await partitionState(cluster, 'urp', 0)).isr.includes(follower))

    await cluster.restart(follower)
    assert.equal((await produce(cluster, leader, 'urp', 0, 10, -1)).errorCode, 0)
    await until('the restarted follower is back in the ISR and the gauges are 0', async () => {
      const m = await scrape(leader)
      return m.count === 0 && m.partition === 0
    }, 12_000)
  })
})
