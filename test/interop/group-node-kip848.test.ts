// @platformatic/kafka 1.35.0 with `groupProtocol: 'consumer'` (ConsumerGroupHeartbeat, KIP-848)
// against a real `samsa start`: one member takes every partition, a second joins and the
// partitions split, the second closes (leaves with epoch -1) and the first takes them back. At
// every sample no partition is assigned to both, and every record produced is consumed.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import type { MessagesStream } from '@platformatic/kafka'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'

const TOPIC = 'plt848'

describe('KIP-848 consumer protocol: @platformatic/kafka', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa({
      settings: { 'offsets.topic.num.partitions': '3', 'group.consumer.heartbeat.interval.ms': '250', 'group.consumer.session.timeout.ms': '10000' },
    })
  })
  after(async () => {
    await broker?.close()
  })

  it('join, consume, rebalance as a member comes and goes, close', { timeout: 20_000 }, async () => {
    const common = { clientId: 'samsa-kip848', bootstrapBrokers: [broker.bootstrap], retries: 3 }
    const admin = new Admin(common)
    const producer = new Producer({ ...common, serializers: stringSerializers, idempotent: false })
    const consumers: Consumer<string, string, string, string>[] = []
    const streams: MessagesStream<string, string, string, string>[] = []
    const seen = new Set<number>()
    try {
      await admin.createTopics({ topics: [TOPIC], partitions: 4, replicas: 1 })
      await producer.send({ messages: Array.from({ length: 40 }, (_, i) => ({ topic: TOPIC, key: `k${i}`, value: `${i}`, partition: i % 4 })) })

      const start = async (): Promise<Consumer<string, string, string, string>> => {
        const c = new Consumer({ ...common, groupId: 'plt-848', groupProtocol: 'consumer', deserializers: stringDeserializers, rebalanceTimeout: 60_000 })
        consumers.push(c)
        const stream = await c.consume({ topics: [TOPIC], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'earliest', autocommit: 100, maxWaitTime: 200 })
        streams.push(stream)
        stream.on('data', (m) => seen.add(Number(m.value)))
        return c
      }
      const owned = (c: Consumer<string, string, string, string>): number[] =>
        (c.assignments ?? []).filter((a) => a.topic === TOPIC).flatMap((a) => a.partitions).sort()
      // Samples both members' assignments until `cond`; fails if a partition is ever in both.
      const until = async (what: string, cond: () => boolean): Promise<void> => {
        const end = Date.now() + 15_000
        for (;;) {
          const all = consumers.filter((c) => !c.closed).flatMap(owned)
          assert.equal(new Set(all).size, all.length, `a partition is assigned twice: ${JSON.stringify(consumers.map(owned))}`)
          if (cond()) return
          if (Date.now() > end) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(consumers.map(owned))}, seen ${seen.size}`)
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      }

      const first = await start()
      await until('the first member to own every partition and read every record', () => owned(first).length === 4 && seen.size === 40)
      const second = await start()
      await until('the partitions to split two and two', () => owned(first).length === 2 && owned(second).length === 2)
      await producer.send({ messages: Array.from({ length: 40 }, (_, i) => ({ topic: TOPIC, key: `k${i}`, value: `${40 + i}`, partition: i % 4 })) })
      await until('both members to read the new records', () => seen.size === 80)
      await streams[1].close()
      await second.close()
      await until('the first member to own every partition again', () => owned(first).length === 4)
      await producer.send({ messages: Array.from({ length: 8 }, (_, i) => ({ topic: TOPIC, key: `k${i}`, value: `${80 + i}`, partition: i % 4 })) })
      await until('the remaining member to read what followed', () => seen.size === 88)
    } finally {
      for (const s of streams) {
        try { await s.close() } catch {}
      }
      for (const c of consumers) {
        try { await c.close(true) } catch {}
      }
      await producer.close()
      await admin.close()
    }
  })
})
