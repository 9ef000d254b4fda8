// Exactly-once with Node clients against a real `samsa start` process: KafkaJS 2.2.4 idempotent
// producer and transactions (send, sendOffsets, commit, abort) read back by a KafkaJS
// read_committed group consumer and by librdkafka read_uncommitted; @platformatic/kafka 1.35
// transactions (it sends the batched AddPartitionsToTxn v5 form when advertised).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Producer, stringSerializers } from '@platformatic/kafka'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runKafkaJs } from '../helpers/kafkajs.ts'
import { runPython } from '../helpers/run.ts'
import { CK_READ_ALL } from './txn-py-scripts.ts'

type Row = [number, number, string]

describe('exactly-once with Node clients', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa()
  })
  after(async () => {
    await broker?.close()
  })

  const readAll = async (topic: string, iso: string, expected: number): Promise<Row[]> => {
    const r = await runPython(CK_READ_ALL, [broker.bootstrap, topic, iso, String(expected), '1.5'], { modules: ['confluent_kafka'], timeoutMs: 120_000 })
    return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { rows: Row[] }).rows
  }

  it('KafkaJS: idempotent producer; transactions with send, sendOffsets, commit and abort; read_committed group consumer', async () => {
    const { value } = await runKafkaJs([broker.bootstrap], async (kafka) => {
      const admin = kafka.admin()
      await admin.connect()
      try {
        await admin.createTopics({ topics: [{ topic: 'kjs-idem', numPartitions: 2 }, { topic: 'kjs-txn', numPartitions: 1 }], waitForLeaders: true })
        const idem = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
        await idem.connect()
        for (let i = 0; i < 10; i++) {
          await idem.send({ topic: 'kjs-idem', messages: Array.from({ length: 50 }, (_, j) => ({ key: `k${j % 5}`, value: `${i * 50 + j}` })) })
        }
        await idem.disconnect()
        const producer = kafka.producer({ transactionalId: 'kjs-tx', idempotent: true, maxInFlightRequests: 1 })
        await producer.connect()
        const t1 = await producer.transaction()
        await t1.send({ topic: 'kjs-txn', messages: Array.from({ length: 5 }, (_, i) => ({ value: `c1-${i}` })) })
        await t1.sendOffsets({ consumerGroupId: 'kjs-offsets', topics: [{ topic: 'kjs-idem', partitions: [{ partition: 0, offset: '42' }] }] })
        await t1.commit()
        const t2 = await producer.transaction()
        await t2.send({ topic: 'kjs-txn', messages: Array.from({ length: 3 }, (_, i) => ({ value: `a-${i}` })) })
        await t2.sendOffsets({ consumerGroupId: 'kjs-offsets', topics: [{ topic: 'kjs-idem', partitions: [{ partition: 1, offset: '7' }] }] })
        await t2.abort()
        const t3 = await producer.transaction()
        await t3.send({ topic: 'kjs-txn', messages: [{ value: 'c2-0' }] })
        await t3.commit()
        await producer.disconnect()
        const offsets = await admin.fetchOffsets({ groupId: 'kjs-offsets', topics: ['kjs-idem'] })
        // read_committed (KafkaJS's default) through a consumer group.
        const consumer = kafka.consumer({ groupId: 'kjs-reader' })
        await consumer.connect()
        const seen: string[] = []
        await consumer.subscribe({ topic: 'kjs-txn', fromBeginning: true })
        await new Promise<void>((resolve) => {
          void consumer.run({
            eachMessage: async ({ message }) => {
              seen.push(message.value!.toString())
              if (seen.length >= 6) resolve()
            },
          })
          setTimeout(resolve, 20_000)
        })
        await new Promise((r) => setTimeout(r, 500))
        await consumer.disconnect()
        return { offsets, seen }
      } finally {
        await admin.disconnect()
      }
    }, { timeoutMs: 90_000 })
    const parts = value.offsets[0]!.partitions.sort((a, b) => a.partition - b.partition)
    assert.deepEqual(parts.map((p) => p.offset), ['42', '-1'], 'committed offsets visible, aborted ones not')
    assert.deepEqual(value.seen, ['c1-0', 'c1-1', 'c1-2', 'c1-3', 'c1-4', 'c2-0'])
    const idem = await readAll('kjs-idem', 'read_uncommitted', 500)
    assert.equal(new Set(idem.map((r) => r[2])).size, 500)
    assert.equal(idem.length, 500)
    const all = (await readAll('kjs-txn', 'read_uncommitted', 9)).map((r) => r[2])
    assert.equal(all.filter((v) => v.startsWith('a-')).length, 3)
  })

  it('@platformatic/kafka: transactions commit and abort (batched AddPartitionsToTxn)', async () => {
    const producer = new Producer({
      clientId: 'samsa-test', bootstrapBrokers: [broker.bootstrap], retries: 3, serializers: stringSerializers,
      idempotent: true, transactionalId: 'plt-tx', autocreateTopics: true,
    })
    try {
      await producer.send({ messages: [{ topic: 'plt-txn', value: 'plain-0' }] })
      const t1 = await producer.beginTransaction()
      await t1.send({ messages: [{ topic: 'plt-txn', value: 'c-0' }, { topic: 'plt-txn', value: 'c-1' }] })
      await t1.commit()
      const t2 = await producer.beginTransaction()
      await t2.send({ messages: [{ topic: 'plt-txn', value: 'x-0' }] })
      await t2.abort()
    } finally {
      await producer.close()
    }
    const committed = (await readAll('plt-txn', 'read_committed', 3)).map((r) => r[2])
    assert.deepEqual(committed, ['plain-0', 'c-0', 'c-1'])
  })
})
