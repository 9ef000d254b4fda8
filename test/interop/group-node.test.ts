// Consumer groups with Node clients against a real `samsa start`: KafkaJS 2.2.4 (JoinGroup v5 with
// the MEMBER_ID_REQUIRED round trip, eachMessage and eachBatch, pause/resume, seek, two members
// sharing partitions) and @platformatic/kafka 1.35.0 (FindCoordinator v6 batched keys, JoinGroup
// v9, OffsetFetch v9 multi-group form, OffsetCommit v9).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import type { Consumer as KafkaJsConsumer, Kafka } from 'kafkajs'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runKafkaJs } from '../helpers/kafkajs.ts'

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const GROUP_TIMEOUTS = { sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10_000 }

describe('consumer groups: Node clients', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa({
      settings: { 'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '1000', 'offsets.topic.num.partitions': '5' },
    })
  })
  after(async () => {
    await broker?.close()
  })

  async function produceKafkaJs(kafka: Kafka, topic: string, partitions: number, from: number, n: number): Promise<void> {
    const producer = kafka.producer()
    await producer.connect()
    try {
      await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: String(from + i), partition: (from + i) % partitions })) })
    } finally {
      await producer.disconnect()
    }
  }

  it('KafkaJS: two members share partitions (eachMessage); one leaves; the other takes over; no loss or duplicates', async () => {
    const { value } = await runKafkaJs([broker.bootstrap], async (kafka) => {
      const admin = kafka.admin()
      await admin.connect()
      await admin.createTopics({ topics: [{ topic: 'kjs-grp', numPartitions: 4 }], waitForLeaders: true })
      await admin.disconnect()
      await produceKafkaJs(kafka, 'kjs-grp', 4, 0, 100)
      const seen = new Map<number, string[]>()
      const assigned = new Map<string, number[]>()
      const consumers: KafkaJsConsumer[] = []
      const start = async (name: string): Promise<KafkaJsConsumer> => {
        const c = kafka.consumer({ groupId: 'kjs-group', ...GROUP_TIMEOUTS, maxWaitTimeInMs: 200 })
        c.on(c.events.GROUP_JOIN, (e) => { assigned.set(name, (e.payload.memberAssignment['kjs-grp'] ?? []).slice().sort()) })
        await c.connect()
        await c.subscribe({ topics: ['kjs-grp'], fromBeginning: true })
        await c.run({
          eachMessage: async ({ message }) => {
            const v = Number(message.value!.toString())
            seen.set(v, [...(seen.get(v) ?? []), name])
          },
        })
        consumers.push(c)
        return c
      }
      try {
        const a = await start('a')
        await start('b')
        await until('both members assigned', () => (assigned.get('a')?.length ?? 0) > 0 && (assigned.get('b')?.length ?? 0) > 0 &&
          assigned.get('a')!.length + assigned.get('b')!.length === 4, 30_000)
        await until('100 messages', () => seen.size >= 100, 30_000)
        const split = Object.fromEntries(assigned)
        await a.disconnect()
        await until('b owns every partition', () => assigned.get('b')?.length === 4, 30_000)
        await produceKafkaJs(kafka, 'kjs-grp', 4, 100, 100)
        await until('200 messages', () => seen.size >= 200, 30_000)
        await new Promise((r) => setTimeout(r, 300))
        return { split, dupes: [...seen.values()].filter((x) => x.length > 1).length, count: seen.size }
      } finally {
        for (const c of consumers) await c.disconnect()
      }
    }, { timeoutMs: 90_000 })
    assert.deepEqual([...value.split.a, ...value.split.b].sort(), [0, 1, 2, 3])
    assert.equal(value.count, 200)
    assert.equal(value.dupes, 0)
  })

  it('KafkaJS eachBatch with pause/resume and seek; a restarted consumer resumes from the commits', async () => {
    const { value } = await runKafkaJs([broker.bootstrap], async (kafka) => {
      const admin = kafka.admin()
      await admin.connect()
      await admin.createTopics({ topics: [{ topic: 'kjs-batch', numPartitions: 1 }], waitForLeaders: true })
      await produceKafkaJs(kafka, 'kjs-batch', 1, 0, 50)
      const offsets: number[] = []
      let paused = false
      let resumedAfterPause = false
      let sought = false
      const c = kafka.consumer({ groupId: 'kjs-batch-group', ...GROUP_TIMEOUTS, maxWaitTimeInMs: 100, maxBytes: 200 })
      await c.connect()
      await c.subscribe({ topics: ['kjs-batch'], fromBeginning: true })
      try {
        await c.run({
          eachBatchAutoResolve: true,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) offsets.push(Number(m.offset))
            if (!paused) {
              paused = true
              c.pause([{ topic: 'kjs-batch' }])
              setTimeout(() => { resumedAfterPause = true; c.resume([{ topic: 'kjs-batch' }]) }, 300)
            }
          },
        })
        await until('first pass', () => offsets.includes(49), 30_000)
        c.seek({ topic: 'kjs-batch', partition: 0, offset: '40' })
        sought = true
        await until('re-read after seek', () => offsets.filter((o) => o === 45).length >= 2, 30_000)
      } finally {
        await c.disconnect()
      }
      const committedBefore = await admin.fetchOffsets({ groupId: 'kjs-batch-group', topics: ['kjs-batch'] })
      await produceKafkaJs(kafka, 'kjs-batch', 1, 50, 5)
      const again: number[] = []
      const c2 = kafka.consumer({ groupId: 'kjs-batch-group', ...GROUP_TIMEOUTS, maxWaitTimeInMs: 100 })
      await c2.connect()
      await c2.subscribe({ topics: ['kjs-batch'], fromBeginning: true })
      try {
        await c2.run({ eachMessage: async ({ message }) => { again.push(Number(message.offset)) } })
        await until('5 new messages', () => again.length >= 5, 30_000)
        await new Promise((r) => setTimeout(r, 300))
      } finally {
        await c2.disconnect()
      }
      const groups = await admin.listGroups()
      const described = await admin.describeGroups(['kjs-batch-group'])
      await admin.disconnect()
      return { offsets, resumedAfterPause, sought, committedBefore, again, groups, described }
    }, { timeoutMs: 90_000 })
    assert.ok(value.resumedAfterPause)
    assert.deepEqual(value.offsets.slice(0, 50), Array.from({ length: 50 }, (_, i) => i), 'first pass in order, pause/resume lost nothing')
    assert.equal(value.offsets[50], 40, 'seek moved back to offset 40')
    assert.equal(value.committedBefore[0].partitions[0].offset, '50')
    assert.deepEqual(value.again, [50, 51, 52, 53, 54])
    assert.ok(value.groups.groups.some((g) => g.groupId === 'kjs-batch-group' && g.protocolType === 'consumer'))
    assert.equal(value.described.groups[0].state, 'Empty')
  })

  it('@platformatic/kafka group consumer: consume, commit, list commits, resume', async () => {
    const common = { clientId: 'samsa-test', bootstrapBrokers: [broker.bootstrap], retries: 3 }
    const producer = new Producer({ ...common, serializers: stringSerializers, idempotent: false, autocreateTopics: true })
    try {
      await producer.send({ messages: Array.from({ length: 30 }, (_, i) => ({ topic: 'plt-grp', key: `k${i}`, value: `${i}`, partition: 0 })) })
      const read = async (n: number): Promise<{ values: number[], commits: unknown }> => {
        const consumer = new Consumer({ ...common, groupId: 'plt-group', deserializers: stringDeserializers, ...GROUP_TIMEOUTS })
        try {
          const stream = await consumer.consume({ topics: ['plt-grp'], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'earliest', autocommit: false, maxWaitTime: 200 })
          const values: number[] = []
          for await (const m of stream) {
            values.push(Number(m.value))
            await m.commit()
            if (values.length >= n) break
          }
          await stream.close()
          const commits = await consumer.listCommittedOffsets({ topics: [{ topic: 'plt-grp', partitions: [0] }] })
          return { values, commits }
        } finally {
          await consumer.close(true)
        }
      }
      const first = await read(30)
      assert.deepEqual(first.values, Array.from({ length: 30 }, (_, i) => i))
      assert.deepEqual([...(first.commits as Map<string, bigint[]>).get('plt-grp')!], [30n])
      await producer.send({ messages: Array.from({ length: 3 }, (_, i) => ({ topic: 'plt-grp', key: 'x', value: `${30 + i}`, partition: 0 })) })
      const second = await read(3)
      assert.deepEqual(second.values, [30, 31, 32])
    } finally {
      await producer.close()
    }
  })
})
