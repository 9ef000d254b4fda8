// Real clients against an embedded 3-broker cluster (startCluster): KafkaJS sees every broker and
// each partition's leader, replicas and ISR, creates a replication-factor-3 topic and produces with
// acks=all to leaders spread over the brokers, then consumes it all back; confluent_kafka
// (librdkafka) does the same with acks=all and enable.idempotence.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../src/broker/index.ts'
import type { Cluster } from '../../src/broker/index.ts'
import { runKafkaJs } from '../helpers/kafkajs.ts'
import { runPython } from '../helpers/run.ts'
import { createTopic, logBytes, until } from '../broker/replica/cluster-helpers.ts'
import { CK_PRODUCE } from './py-data-scripts.ts'
import { CK_CTP, CK_READ_ALL } from './txn-py-scripts.ts'

const CK_PRODUCE_CONSUME = `
import sys, json
from confluent_kafka import Producer, Consumer
from confluent_kafka.admin import AdminClient, NewTopic
b, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
a = AdminClient({'bootstrap.servers': b})
for t, f in a.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3, config={'min.insync.replicas': '2'})], request_timeout=15).items():
    f.result(20)
md = a.list_topics(topic, timeout=10)
brokers = sorted(md.brokers.keys())
parts = {str(p.id): {'leader': p.leader, 'replicas': sorted(p.replicas), 'isrs': sorted(p.isrs)} for p in md.topics[topic].partitions.values()}
errors = []
acked = [0]
def cb(err, msg):
    if err: errors.append(str(err))
    else: acked[0] += 1
p = Producer({'bootstrap.servers': b, 'acks': 'all', 'enable.idempotence': True, 'linger.ms': 5})
for i in range(n):
    p.produce(topic, key=('k%d' % i).encode(), value=str(i).encode(), on_delivery=cb)
    p.poll(0)
p.flush(30)
c = Consumer({'bootstrap.servers': b, 'group.id': 'ck-cluster', 'auto.offset.reset': 'earliest', 'enable.auto.commit': False})
c.subscribe([topic])
seen = set()
import time
deadline = time.time() + 40
while len(seen) < n and time.time() < deadline:
    m = c.poll(0.5)
    if m is None or m.error(): continue
    seen.add(int(m.value()))
c.close()
print(json.dumps({'brokers': brokers, 'partitions': parts, 'acked': acked[0], 'errors': errors[:5], 'consumed': len(seen)}))
`

describe('real clients against startCluster({ brokers: 3 })', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({ brokers: 3, logger: process.env.SAMSA_TEST_LOG as 'warn' | undefined, config: { 'offsets.topic.num.partitions': 3, 'transaction.state.log.num.partitions': 3 } })
  })
  after(async () => {
    await cluster?.close()
  })

  it('KafkaJS: metadata lists the brokers, leaders and ISR; acks=all produce over RF=3 reaches every replica', async () => {
    const n = 300
    const { value } = await runKafkaJs(cluster.bootstrap.split(','), async (kafka) => {
      const admin = kafka.admin()
      await admin.connect()
      try {
        await admin.createTopics({ topics: [{ topic: 'kjs', numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true })
        const cl = await admin.describeCluster()
        const md = await admin.fetchTopicMetadata({ topics: ['kjs'] })
        const producer = kafka.producer()
        await producer.connect()
        try {
          for (let i = 0; i < n; i += 30) {
            await producer.send({ topic: 'kjs', acks: -1, messages: Array.from({ length: 30 }, (_, j) => ({ key: `k${i + j}`, value: String(i + j) })) })
          }
        } finally {
          await producer.disconnect()
        }
        const offsets = await admin.fetchTopicOffsets('kjs')
        return { brokers: cl.brokers.map((b) => b.nodeId).sort(), partitions: md.topics[0]!.partitions, total: offsets.reduce((s, o) => s + Number(o.high), 0) }
      } finally {
        await admin.disconnect()
      }
    })
    assert.deepEqual(value.brokers, [0, 1, 2])
    assert.equal(value.partitions.length, 3)
    for (const p of value.partitions) {
      assert.deepEqual([...p.replicas].sort(), [0, 1, 2])
      assert.deepEqual([...p.isr].sort(), [0, 1, 2])
    }
    assert.deepEqual(value.partitions.map((p) => p.leader).sort(), [0, 1, 2], 'leaders spread over the brokers')
    assert.equal(value.total, n)
    // Every replica of every partition holds the same bytes.
    for (let i = 0; i < 3; i++) {
      await until(`replicas of kjs-${i} agree`, async () => {
        const logs = await Promise.all([0, 1, 2].map((id) => logBytes(cluster, id, 'kjs', i)))
        return logs.every((l) => l.equals(logs[0]!))
      })
    }
  })

  it('confluent_kafka: idempotent acks=all producer and a consumer group over RF=3', async () => {
    const n = 2000
    const r = await runPython(CK_PRODUCE_CONSUME, [cluster.bootstrap, 'ck', String(n)], { modules: ['confluent_kafka'], timeoutMs: 90_000 })
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { brokers: number[], partitions: Record<string, { leader: number, replicas: number[], isrs: number[] }>, acked: number, errors: string[], consumed: number }
    assert.deepEqual(out.brokers, [0, 1, 2])
    for (const p of Object.values(out.partitions)) assert.deepEqual(p.replicas, [0, 1, 2])
    assert.deepEqual(out.errors, [])
    assert.equal(out.acked, n)
    assert.equal(out.consumed, n)
  })

  it('KafkaJS: transactions over partitions led by every broker commit and abort everywhere', async () => {
    const { value } = await runKafkaJs(cluster.bootstrap.split(','), async (kafka) => {
      const admin = kafka.admin()
      await admin.connect()
      try {
        await admin.createTopics({ topics: [{ topic: 'kjs-tx', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true })
        const producer = kafka.producer({ transactionalId: 'kjs-cluster-tx', idempotent: true, maxInFlightRequests: 1 })
        await producer.connect()
        try {
          const messages = (tag: string) => [0, 1, 2].map((partition) => ({ partition, value: `${tag}-${partition}` }))
          const t1 = await producer.transaction()
          await t1.send({ topic: 'kjs-tx', messages: messages('c') })
          await t1.commit()
          const t2 = await producer.transaction()
          await t2.send({ topic: 'kjs-tx', messages: messages('a') })
          await t2.abort()
        } finally {
          await producer.disconnect()
        }
        const md = await admin.fetchTopicMetadata({ topics: ['kjs-tx'] })
        return { leaders: md.topics[0]!.partitions.map((p) => p.leader).sort() }
      } finally {
        await admin.disconnect()
      }
    }, { timeoutMs: 60_000 })
    assert.deepEqual(value.leaders, [0, 1, 2])
    // Every leader saw both markers: nothing left open, the LSO at the log end.
    for (let i = 0; i < 3; i++) {
      await until(`kjs-tx-${i} stable`, () => cluster.brokers.some((b) => {
        const p = b.running?.context.replicas.partition('kjs-tx', i)
        return p !== undefined && p.isLeader && p.logEndOffset === 4 && p.lastStableOffset === 4
      }))
    }
  })

  it('confluent_kafka consume-transform-produce in a group across a SIGKILL of the group coordinator\'s broker: the output holds every input exactly once', { timeout: 240_000 }, async (t) => {
    const n = 3000
    await createTopic(cluster, 'ctp-in', 3, 3)
    await createTopic(cluster, 'ctp-out', 3, 3)
    const py = async <T>(source: string, args: string[]): Promise<T> =>
      JSON.parse((await runPython(source, args, { modules: ['confluent_kafka'], timeoutMs: 200_000 })).stdout.trim().split('\n').at(-1)!) as T
    assert.equal((await py<{ acked: number }>(CK_PRODUCE, [cluster.bootstrap, 'ctp-in', String(n)])).acked, n)
    const running = py<{ commits: number, aborts: number, fatal: number, retries: number }>(CK_CTP, [cluster.bootstrap, 'ctp-in', 'ctp-out', 'ctp-cluster', String(n)])
    // Once transactions flow, the group's coordinator dies (the broker leading its __consumer_offsets
    // partition): the producer's TxnOffsetCommit must find the new one.
    await until('a first transaction committed', () => cluster.brokers.some((b) => [0, 1, 2].some((i) => (b.running?.context.replicas.partition('ctp-out', i)?.lastStableOffset ?? 0) > 0)), 60_000)
    const offsets = cluster.brokers.find((b) => b.running)!.running!.context.coordinators.group.partitionFor('ctp-cluster')
    const leads = (b: (typeof cluster.brokers)[number]) => b.running?.context.replicas.partition('__consumer_offsets', offsets)?.isLeader === true
    const coordinator = cluster.brokers.find(leads)!.nodeId
    await cluster.kill(coordinator)
    await until('another broker coordinates the group', () => cluster.brokers.some((b) => b.nodeId !== coordinator && leads(b)), 20_000)
    await cluster.restart(coordinator)
    const stats = await running
    t.diagnostic(`transactions: ${JSON.stringify(stats)}; killed broker ${coordinator}`)
    assert.ok(stats.commits > 0)
    const out = (await py<{ rows: [number, number, string][] }>(CK_READ_ALL, [cluster.bootstrap, 'ctp-out', 'read_committed', String(n), '3'])).rows
    const values = out.map((r) => r[2])
    assert.equal(new Set(values).size, values.length, 'no duplicates in the committed output')
    assert.equal(values.length, n, 'every input record in the output')
  })
})
