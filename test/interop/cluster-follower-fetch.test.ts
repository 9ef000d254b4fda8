// KIP-392 with a real client: librdkafka (confluent_kafka) with client.rack set to a follower's
// rack consumes a replication-factor-3 partition from a 3-broker startCluster (broker.rack r0/r1/
// r2, replica.selector.class = Kafka's RackAwareReplicaSelector). The leader points it at the
// follower; the follower's per-topic bytes-out counter shows it served the records, the other
// follower served none, and every record arrives once, in order.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../src/broker/index.ts'
import type { Cluster } from '../../src/broker/index.ts'
import { runPython } from '../helpers/run.ts'
import { createTopic, partitionState, produce, replicaOf, until } from '../broker/replica/cluster-helpers.ts'

const CK_CONSUME_RACK = `
import sys, json, time
from confluent_kafka import Consumer, TopicPartition
b, topic, n, rack = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = Consumer({'bootstrap.servers': b, 'group.id': 'ff-rack', 'client.rack': rack, 'enable.auto.commit': False,
              'fetch.wait.max.ms': 100, 'topic.metadata.refresh.interval.ms': 1000})
c.assign([TopicPartition(topic, 0, 0)])
values = []
deadline = time.time() + 12
while len(values) < n and time.time() < deadline:
    m = c.poll(0.2)
    if m is None or m.error(): continue
    values.append(m.value().decode())
c.close()
print(json.dumps({'values': values}))
`

async function bytesOut(cluster: Cluster, nodeId: number, topic: string): Promise<number> {
  const m = cluster.broker(nodeId).running!.context.metrics.registry.getSingleMetric('samsa_topic_bytes_out_total')
  const values = (await m!.get()).values as { labels: Record<string, unknown>, value: number }[]
  return values.find((v) => v.labels.topic === topic)?.value ?? 0
}

describe('librdkafka client.rack against a rack-aware 3-broker cluster (KIP-392)', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({
      brokers: 3, logger: process.env.SAMSA_TEST_LOG as 'warn' | undefined,
      config: { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' },
      brokerConfig: (id) => ({ 'broker.rack': `r${id}` }),
    })
  })
  after(async () => {
    await cluster?.close()
  })

  it('the consumer reads every record from the follower in its rack', async () => {
    await createTopic(cluster, 'rackt', 1, 3)
    await until('a full ISR', async () => (await partitionState(cluster, 'rackt', 0)).isr.length === 3)
    const { leader, replicas } = await partitionState(cluster, 'rackt', 0)
    const [near, far] = replicas.filter((id) => id !== leader) as [number, number]
    const n = 200
    for (let i = 0; i < n; i += 50) assert.equal((await produce(cluster, leader, 'rackt', 0, 50, -1, `b${i / 50}`)).errorCode, 0)
    await until('the follower knows the HW', () => replicaOf(cluster, near, 'rackt', 0).highWatermark === n)
    const nearBefore = await bytesOut(cluster, near, 'rackt')
    const r = await runPython(CK_CONSUME_RACK, [cluster.bootstrap, 'rackt', String(n), `r${near}`], { modules: ['confluent_kafka'], timeoutMs: 18_000 })
    const { values } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { values: string[] }
    assert.equal(values.length, n, 'every record arrives')
    const expected = Array.from({ length: n }, (_, i) => `b${Math.floor(i / 50)}-${i % 50}`)
    assert.deepEqual(values, expected, 'every record once, in order')
    assert.ok(await bytesOut(cluster, near, 'rackt') > nearBefore, 'the follower in the client\'s rack served fetches')
    assert.equal(await bytesOut(cluster, far, 'rackt'), 0, 'the other follower served none')
  })
})
