// Node clients against a real `samsa start` process. KafkaJS 2.2.4: producer (gzip and plain),
// offsets through its admin client (ListOffsets, by timestamp) and its Broker.fetch (no group
// needed); kcat reads the records back too. @platformatic/kafka 1.35.0 (which sends the
// highest advertised version of each API: Produce 11, Fetch 17 by topic id, ListOffsets 10):
// producer, and its consumer's fetch/listOffsets without a group.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CompressionTypes } from 'kafkajs'
import type { Kafka } from 'kafkajs'
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runKafkaJs } from '../helpers/kafkajs.ts'
import { runKcat } from '../helpers/run.ts'

/**
 * KafkaJS has no consumer without a group; its Broker.fetch is reached through the cluster factory
 * the Kafka instance keeps under a private symbol. Returns [offset, key, value, header h] rows.
 */
async function lowLevelFetch(kafka: Kafka, topic: string, partition: number, offset: number): Promise<string[][]> {
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')!
  const createCluster = (kafka as unknown as Record<symbol, (o: object) => KafkaJsCluster>)[sym]!
  const cluster = createCluster({ isolationLevel: 1 })
  await cluster.connect()
  try {
    await cluster.addTargetTopic(topic)
    const broker = await cluster.findBroker({ nodeId: String(cluster.brokerPool.metadata.brokers[0]!.nodeId) })
    const res = await broker.fetch({ isolationLevel: 1, maxWaitTime: 100, topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: 1 << 20 }] }] })
    return res.responses[0]!.partitions[0]!.messages.map((m) => [m.offset, String(m.key), String(m.value), String(m.headers?.h ?? '')])
  } finally {
    await cluster.disconnect()
  }
}

interface KafkaJsCluster {
  connect(): Promise<void>
  disconnect(): Promise<void>
  addTargetTopic(topic: string): Promise<void>
  brokerPool: { metadata: { brokers: { nodeId: number }[] } }
  findBroker(o: { nodeId: string }): Promise<{
    fetch(o: object): Promise<{ responses: { partitions: { messages: { offset: string; key: Buffer; value: Buffer; headers?: Record<string, Buffer> }[] }[] }[] }>
  }>
}

describe('Node clients', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa({ settings: { 'num.partitions': '3' } })
  })
  after(async () => {
    await broker?.close()
  })

  it('KafkaJS produces (plain and gzip), lists offsets and fetches; kcat reads the records back too', async () => {
    const t0 = Date.now()
    const { value } = await runKafkaJs([broker.bootstrap], async (kafka) => {
      const admin = kafka.admin()
      await admin.connect()
      try {
        await admin.createTopics({ topics: [{ topic: 'kjs-data', numPartitions: 2 }], waitForLeaders: true })
        const producer = kafka.producer()
        await producer.connect()
        try {
          const first = await producer.send({
            topic: 'kjs-data',
            messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0, headers: { h: `x${i}` }, timestamp: String(t0 + i) })),
          })
          const second = await producer.send({
            topic: 'kjs-data',
            compression: CompressionTypes.GZIP,
            messages: Array.from({ length: 10 }, (_, i) => ({ key: `g${i}`, value: `z${i}`, partition: 0, timestamp: String(t0 + 100 + i) })),
          })
          const offsets = await admin.fetchTopicOffsets('kjs-data')
          const byTime = await admin.fetchTopicOffsetsByTimestamp('kjs-data', t0 + 105)
          const fetched = await lowLevelFetch(kafka, 'kjs-data', 0, 3)
          return { first, second, offsets, byTime, fetched }
        } finally {
          await producer.disconnect()
        }
      } finally {
        await admin.disconnect()
      }
    })
    assert.equal(value.first[0]!.errorCode, 0)
    assert.equal(value.first[0]!.baseOffset, '0')
    assert.equal(value.second[0]!.baseOffset, '10')
    const p0 = value.offsets.find((o) => o.partition === 0)!
    assert.deepEqual([p0.low, p0.high, p0.offset], ['0', '20', '20'])
    assert.equal(value.byTime.find((o) => o.partition === 0)!.offset, '15')
    // KafkaJS decoding our Fetch v11 response (from offset 3: the whole first batch comes back).
    assert.deepEqual(value.fetched.slice(0, 4), [['0', 'k0', 'v0', 'x0'], ['1', 'k1', 'v1', 'x1'], ['2', 'k2', 'v2', 'x2'], ['3', 'k3', 'v3', 'x3']])
    assert.deepEqual(value.fetched.at(-1), ['19', 'g9', 'z9', ''])
    const got = (await runKcat(broker.bootstrap, ['-C', '-t', 'kjs-data', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k=%s %h\\n'])).stdout.split('\n').filter(Boolean)
    assert.equal(got.length, 20)
    assert.equal(got[3], 'k3=v3 h=x3')
    assert.equal(got[19], 'g9=z9 ')
  })

  it('@platformatic/kafka produces and fetches by topic id without a group', async () => {
    const common = { clientId: 'samsa-test', bootstrapBrokers: [broker.bootstrap], retries: 3 }
    const producer = new Producer({ ...common, serializers: stringSerializers, idempotent: false, autocreateTopics: true })
    const consumer = new Consumer({ ...common, groupId: 'unused', deserializers: stringDeserializers })
    try {
      const sent = await producer.send({
        acks: -1,
        messages: Array.from({ length: 30 }, (_, i) => ({ topic: 'plt-data', key: `k${i}`, value: `v${i}`, partition: i % 3, headers: new Map([['h', `${i}`]]) })),
      })
      assert.equal(sent.offsets?.length, 3)
      const metadata = await consumer.metadata({ topics: ['plt-data'] })
      const topic = metadata.topics.get('plt-data')!
      assert.equal(topic.partitionsCount, 3)
      const offsets = await consumer.listOffsets({ topics: ['plt-data'] })
      assert.deepEqual([...offsets.get('plt-data')!], [10n, 10n, 10n])
      const earliest = await consumer.listOffsets({ topics: ['plt-data'], timestamp: -2n })
      assert.deepEqual([...earliest.get('plt-data')!], [0n, 0n, 0n])
      const res = await consumer.fetch({
        node: [...metadata.brokers.keys()][0]!,
        maxWaitTime: 500,
        topics: [{ topicId: topic.id, partitions: [0, 1, 2].map((partition) => ({ partition, fetchOffset: 0n, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 })) }],
      })
      assert.equal(res.sessionId, 0)
      const parts = res.responses[0]!.partitions
      assert.deepEqual(parts.map((p) => p.errorCode), [0, 0, 0])
      for (const p of parts) {
        const values = (p.records ?? []).flatMap((b) => b.records.map((r) => [Number(b.firstOffset) + r.offsetDelta, r.value?.toString()]))
        assert.equal(values.length, 10, `partition ${p.partitionIndex}`)
        assert.deepEqual(values[0], [0, `v${p.partitionIndex}`])
        assert.deepEqual(values[9], [9, `v${27 + p.partitionIndex}`])
        assert.equal(p.highWatermark, 10n)
      }
    } finally {
      await producer.close()
      await consumer.close()
    }
  })
})
