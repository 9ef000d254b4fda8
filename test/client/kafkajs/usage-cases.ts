// KafkaJS-style usage, written once and run twice against a Samsa broker: with the real KafkaJS
// (kafkajs.test.ts) and with the facade samsa/client/kafkajs (facade.test.ts). Both runs must pass
// the same assertions, which is the proof that code written for KafkaJS runs on the facade by
// changing the import. Only KafkaJS's public API is used here.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type * as KafkaJs from 'kafkajs'
import { testBroker } from '../helpers.ts'
import type { Broker } from '../../../src/broker/index.ts'

/** What a test needs from the library under test (KafkaJS or the facade). */
export type KafkaJsLike = Pick<typeof KafkaJs, 'Kafka' | 'logLevel' | 'CompressionTypes' | 'KafkaJSError' | 'KafkaJSProtocolError' | 'KafkaJSAggregateError'>

let seq = 0
const unique = (p: string): string => `${p}-${process.pid}-${++seq}`

/** Resolves when `pred` holds, checked after each call of `poke`; rejects after `ms`. */
function waitFor(what: string, ms: number, pred: () => boolean): { poke: () => void; done: Promise<void> } {
  let resolve!: () => void
  let reject!: (e: Error) => void
  const done = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
  const poke = () => {
    if (pred()) {
      clearTimeout(timer)
      resolve()
    }
  }
  return { poke, done }
}

const str = (b: Buffer | string | null | undefined): string | null => (b === null || b === undefined ? null : b.toString())

export function kafkaJsUsageCases(label: string, lib: KafkaJsLike): void {
  const { Kafka, logLevel, CompressionTypes, KafkaJSError, KafkaJSProtocolError, KafkaJSAggregateError } = lib

  describe(`KafkaJS usage (${label})`, { timeout: 180_000 }, () => {
    let broker: Broker
    let kafka: KafkaJs.Kafka
    const logs: string[] = []
    let admin: KafkaJs.Admin

    before(async () => {
      broker = await testBroker({ 'group.initial.rebalance.delay.ms': 0, 'num.partitions': 3 })
      kafka = new Kafka({
        clientId: 'usage', brokers: [broker.bootstrap], connectionTimeout: 3_000, requestTimeout: 10_000,
        retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 500 },
        logLevel: logLevel.ERROR, logCreator: () => (e) => void logs.push(`${e.namespace} ${e.log.message}`),
      })
      admin = kafka.admin()
      await admin.connect()
    })
    after(async () => {
      await admin?.disconnect()
      await broker?.close()
    })

    it('admin: create, list, describe, grow and delete topics', { timeout: 20_000 }, async () => {
      const t = unique('adm')
      assert.equal(await admin.createTopics({ topics: [{ topic: t, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '86400000' }] }], waitForLeaders: true }), true)
      assert.equal(await admin.createTopics({ topics: [{ topic: t, numPartitions: 2 }], waitForLeaders: true }), false, 'an existing topic is not created again')
      assert.ok((await admin.listTopics()).includes(t))
      const md = await admin.fetchTopicMetadata({ topics: [t] })
      assert.equal(md.topics.length, 1)
      assert.equal(md.topics[0]!.name, t)
      assert.deepEqual(md.topics[0]!.partitions.map((p) => p.partitionId).sort(), [0, 1])
      for (const p of md.topics[0]!.partitions) {
        assert.equal(p.partitionErrorCode, 0)
        assert.ok(p.leader >= 0)
        assert.deepEqual(p.replicas, [p.leader])
      }
      await admin.createPartitions({ topicPartitions: [{ topic: t, count: 4 }] })
      const md2 = await admin.fetchTopicMetadata({ topics: [t] })
      assert.equal(md2.topics[0]!.partitions.length, 4)

      const cfg = await admin.describeConfigs({ resources: [{ type: 2, name: t, configNames: ['retention.ms', 'cleanup.policy'] }], includeSynonyms: false })
      const entries = new Map(cfg.resources[0]!.configEntries.map((e) => [e.configName, e]))
      assert.equal(entries.get('retention.ms')?.configValue, '86400000')
      assert.equal(entries.get('retention.ms')?.isDefault, false)
      assert.equal(entries.get('cleanup.policy')?.configValue, 'delete')
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: t, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })
      const cfg2 = await admin.describeConfigs({ resources: [{ type: 2, name: t, configNames: ['retention.ms'] }], includeSynonyms: false })
      assert.equal(cfg2.resources[0]!.configEntries[0]!.configValue, '3600000')

      const cluster = await admin.describeCluster()
      assert.equal(cluster.brokers.length, 1)
      assert.equal(cluster.brokers[0]!.port, broker.port)
      assert.equal(cluster.controller, cluster.brokers[0]!.nodeId)
      assert.equal(typeof cluster.clusterId, 'string')

      await admin.deleteTopics({ topics: [t] })
      assert.ok(!(await admin.listTopics()).includes(t))
    })

    it('errors: KafkaJSProtocolError with type, code and retriable', { timeout: 20_000 }, async () => {
      const t = unique('err')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 1 }], waitForLeaders: true })
      // An invalid config value: CreateTopics answers INVALID_CONFIG (40), not retriable.
      const bad = await admin.createTopics({ topics: [{ topic: unique('bad'), configEntries: [{ name: 'cleanup.policy', value: 'sideways' }] }] }).then(() => null, (e: unknown) => e)
      assert.ok(bad instanceof KafkaJSAggregateError, `got ${String(bad)}`)
      const cause = bad.errors[0]
      assert.ok(cause instanceof KafkaJSProtocolError, `got ${String(cause)}`)
      assert.ok(cause instanceof KafkaJSError)
      assert.equal(cause.type, 'INVALID_CONFIG')
      assert.equal(cause.code, 40)
      assert.equal(cause.retriable, false)

    })

    it('producer: keys, headers, partitions, compression and acks; consumer group with eachMessage', { timeout: 20_000 }, async () => {
      const t = unique('msgs')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 3 }], waitForLeaders: true })
      const producer = kafka.producer()
      await producer.connect()
      const res = await producer.send({
        topic: t,
        messages: [
          { key: 'k1', value: 'v1', headers: { trace: 'a', multi: ['x', 'y'] } },
          { key: 'k2', value: Buffer.from('v2') },
          { key: 'k1', value: 'v3' },
          { value: 'to-p2', partition: 2, timestamp: '1700000000000' },
        ],
      })
      assert.ok(res.length >= 1)
      for (const r of res) {
        assert.equal(r.topicName, t)
        assert.equal(r.errorCode, 0)
        assert.equal(typeof r.baseOffset, 'string')
      }
      const gz = await producer.send({ topic: t, compression: CompressionTypes.GZIP, messages: [{ key: 'k3', value: 'gz' }], acks: 1 })
      assert.equal(gz[0]!.errorCode, 0)
      const batch = await producer.sendBatch({ topicMessages: [{ topic: t, messages: [{ key: 'k4', value: 'b1' }, { key: 'k4', value: 'b2' }] }] })
      assert.ok(batch.every((r) => r.topicName === t && r.errorCode === 0))
      await producer.disconnect()

      const groupId = unique('g-each')
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 })
      const joins: KafkaJs.ConsumerGroupJoinEvent[] = []
      consumer.on(consumer.events.GROUP_JOIN, (e) => void joins.push(e))
      await consumer.connect()
      await consumer.subscribe({ topics: [t], fromBeginning: true })
      const seen: { partition: number; key: string | null; value: string | null; headers: Record<string, string | string[]>; offset: string; timestamp: string }[] = []
      const w = waitFor('7 messages', 15_000, () => seen.length >= 7)
      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          assert.equal(topic, t)
          const headers: Record<string, string | string[]> = {}
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Array.isArray(v) ? v.map((x) => x.toString()) : String(v)
          seen.push({ partition, key: str(message.key), value: str(message.value), headers, offset: message.offset, timestamp: message.timestamp })
          w.poke()
        },
      })
      await w.done
      await consumer.disconnect()
      assert.equal(joins.length >= 1, true)
      assert.equal(joins[0]!.payload.groupId, groupId)
      assert.deepEqual(Object.keys(joins[0]!.payload.memberAssignment), [t])
      assert.deepEqual(joins[0]!.payload.memberAssignment[t]!.slice().sort(), [0, 1, 2])

      assert.deepEqual(seen.map((m) => m.value).sort(), ['b1', 'b2', 'gz', 'to-p2', 'v1', 'v2', 'v3'])
      const byValue = new Map(seen.map((m) => [m.value, m]))
      assert.deepEqual(byValue.get('v1')!.headers, { trace: 'a', multi: ['x', 'y'] })
      assert.equal(byValue.get('v1')!.partition, byValue.get('v3')!.partition, 'same key, same partition')
      assert.equal(byValue.get('b1')!.partition, byValue.get('b2')!.partition)
      assert.equal(byValue.get('to-p2')!.partition, 2)
      assert.equal(byValue.get('to-p2')!.timestamp, '1700000000000')
      assert.equal(byValue.get('to-p2')!.key, null)
      // Within a partition, offsets increase in the order consumed.
      for (const p of [0, 1, 2]) {
        const offs = seen.filter((m) => m.partition === p).map((m) => Number(m.offset))
        assert.deepEqual(offs, offs.slice().sort((a, b) => a - b))
      }
      // Processed messages were committed (autoCommit), per partition the offset after the last.
      const committed = await admin.fetchOffsets({ groupId, topics: [t] })
      assert.equal(committed[0]!.topic, t)
      const ends = await admin.fetchTopicOffsets(t)
      for (const p of committed[0]!.partitions) {
        const end = ends.find((e) => e.partition === p.partition)!
        assert.equal(p.offset, end.high, `partition ${p.partition} committed to its end`)
      }
      const groups = await admin.listGroups()
      assert.ok(groups.groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'))
    })

    it('consumer: fromBeginning is per subscribe() call — one topic from the start, another from the end', { timeout: 20_000 }, async () => {
      const early = unique('from-start')
      const late = unique('from-end')
      await admin.createTopics({ topics: [{ topic: early, numPartitions: 1 }, { topic: late, numPartitions: 1 }], waitForLeaders: true })
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic: early, messages: [{ value: 'e1' }, { value: 'e2' }] })
      await producer.send({ topic: late, messages: [{ value: 'old1' }, { value: 'old2' }] })
      const consumer = kafka.consumer({ groupId: unique('g-from'), sessionTimeout: 10_000, heartbeatInterval: 500 })
      await consumer.connect()
      await consumer.subscribe({ topics: [early], fromBeginning: true })
      await consumer.subscribe({ topics: [late], fromBeginning: false })
      const seen: string[] = []
      const both = waitFor('the early topic read', 15_000, () => seen.includes('e2'))
      const fresh = waitFor('a new record of the late topic', 15_000, () => seen.some((v) => v.startsWith('new')))
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(str(message.value)!)
          both.poke()
          fresh.poke()
        },
      })
      await both.done
      // The late topic starts at its end (taken once the group assigned it): records written before
      // the consumer started never show; new ones do (sent until one arrives, whenever that end
      // was taken).
      let n = 0
      const sending = setInterval(() => void producer.send({ topic: late, messages: [{ value: `new${++n}` }] }).catch(() => {}), 200)
      try {
        await fresh.done
      } finally {
        clearInterval(sending)
      }
      await consumer.disconnect()
      await producer.disconnect()
      assert.deepEqual(seen.filter((v) => v.startsWith('e')).sort(), ['e1', 'e2'])
      assert.deepEqual(seen.filter((v) => v.startsWith('old')), [], 'the late topic does not start from the beginning')
    })

    it('consumer: eachBatch with resolveOffset, manual commitOffsets and seek', { timeout: 20_000 }, async () => {
      const t = unique('batch')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 1 }], waitForLeaders: true })
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic: t, messages: Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: `m${i}` })) })
      await producer.disconnect()

      const groupId = unique('g-batch')
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 })
      await consumer.connect()
      await consumer.subscribe({ topic: t, fromBeginning: true })
      const values: string[] = []
      let seeked = false
      const w = waitFor('10 + 4 messages', 15_000, () => values.length >= 14)
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          assert.equal(batch.topic, t)
          assert.equal(batch.partition, 0)
          assert.equal(batch.highWatermark, '10')
          for (const m of batch.messages) {
            if (!isRunning() || isStale()) break
            values.push(str(m.value)!)
            resolveOffset(m.offset)
            await heartbeat()
          }
          if (values.length === 10 && !seeked) {
            seeked = true
            await consumer.commitOffsets([{ topic: t, partition: 0, offset: '6' }])
            consumer.seek({ topic: t, partition: 0, offset: '6' })
          }
          w.poke()
        },
      })
      await w.done
      await consumer.disconnect()
      assert.deepEqual(values, [...Array.from({ length: 10 }, (_, i) => `m${i}`), 'm6', 'm7', 'm8', 'm9'])
      // autoCommit off: only what commitOffsets committed.
      const committed = await admin.fetchOffsets({ groupId, topics: [t] })
      assert.deepEqual(committed[0]!.partitions, [{ partition: 0, offset: '6', metadata: null }])
    })

    it('transactions: commit and abort; read_committed consumer; sendOffsets', { timeout: 20_000 }, async () => {
      const t = unique('txn')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 1 }], waitForLeaders: true })
      const producer = kafka.producer({ transactionalId: unique('tx'), idempotent: true, maxInFlightRequests: 1 })
      await producer.connect()
      const t1 = await producer.transaction()
      assert.equal(t1.isActive(), true)
      await t1.send({ topic: t, messages: [{ value: 'c1' }, { value: 'c2' }] })
      await t1.sendOffsets({ consumerGroupId: 'txn-offsets-' + t, topics: [{ topic: t, partitions: [{ partition: 0, offset: '5' }] }] })
      await t1.commit()
      assert.equal(t1.isActive(), false)
      const t2 = await producer.transaction()
      await t2.send({ topic: t, messages: [{ value: 'aborted' }] })
      await t2.abort()
      const t3 = await producer.transaction()
      await t3.send({ topic: t, messages: [{ value: 'c3' }] })
      await t3.commit()
      await producer.disconnect()

      const offs = await admin.fetchOffsets({ groupId: 'txn-offsets-' + t, topics: [t] })
      assert.equal(offs[0]!.partitions[0]!.offset, '5')

      const consumer = kafka.consumer({ groupId: unique('g-txn') }) // read_committed by default
      await consumer.connect()
      await consumer.subscribe({ topics: [t], fromBeginning: true })
      const values: string[] = []
      const w = waitFor('3 committed messages', 15_000, () => values.includes('c3'))
      await consumer.run({
        eachMessage: async ({ message }) => {
          values.push(str(message.value)!)
          w.poke()
        },
      })
      await w.done
      await consumer.disconnect()
      assert.deepEqual(values, ['c1', 'c2', 'c3'])
    })

    // KafkaJS's admin.setOffsets/resetOffsets each wait one fetch round of a consumer whose partitions
    // are all paused: its maxWaitTime, 5 s (so these two cases take 5 and 15 s on a quiet machine).
    it('consumer: pause and resume a partition; admin describeGroups of the running group', { timeout: 60_000 }, async () => {
      const t = unique('pause')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 2 }], waitForLeaders: true })
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic: t, messages: [0, 1, 2, 3].map((i) => ({ value: `p0-${i}`, partition: 0 })) })
      await producer.send({ topic: t, messages: [0, 1].map((i) => ({ value: `p1-${i}`, partition: 1 })) })
      await producer.disconnect()
      const groupId = unique('g-pause')
      await admin.setOffsets({ groupId, topic: t, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '1' }] })

      // The consumer starts at the committed offsets; partition 1 is paused until partition 0 is read.
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 })
      await consumer.connect()
      await consumer.subscribe({ topics: [t] })
      const values: string[] = []
      const w = waitFor('3 messages', 15_000, () => values.length >= 3)
      let paused = false
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (!paused) {
            paused = true
            consumer.pause([{ topic: t, partitions: [1] }])
          }
          if (partition === 1 && consumer.paused().length > 0) throw new Error('a message of a paused partition')
          values.push(str(message.value)!)
          if (values.length === 2) {
            assert.deepEqual(consumer.paused(), [{ topic: t, partitions: [1] }])
            consumer.resume([{ topic: t, partitions: [1] }])
          }
          w.poke()
        },
      })
      await w.done
      const desc = await admin.describeGroups([groupId])
      assert.equal(desc.groups[0]!.groupId, groupId)
      assert.equal(desc.groups[0]!.state, 'Stable')
      assert.equal(desc.groups[0]!.protocolType, 'consumer')
      assert.equal(desc.groups[0]!.members.length, 1)
      await consumer.disconnect()
      assert.deepEqual(values, ['p0-2', 'p0-3', 'p1-1'])
    })

    it('admin: group offsets (set, reset, fetch), list and delete groups', { timeout: 90_000 }, async () => {
      const t = unique('grp')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 2 }], waitForLeaders: true })
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic: t, messages: [0, 1, 2, 3].map((i) => ({ value: `p0-${i}`, partition: 0 })) })
      await producer.send({ topic: t, messages: [0, 1].map((i) => ({ value: `p1-${i}`, partition: 1 })) })
      await producer.disconnect()
      const offsets = await admin.fetchTopicOffsets(t)
      assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [[0, '0', '4'], [1, '0', '2']])

      const groupId = unique('g-adm')
      await admin.setOffsets({ groupId, topic: t, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '1' }] })
      const fetched = await admin.fetchOffsets({ groupId, topics: [t] })
      assert.deepEqual(fetched[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '2'], [1, '1']])
      assert.ok((await admin.listGroups()).groups.some((g) => g.groupId === groupId))

      await admin.resetOffsets({ groupId, topic: t, earliest: true })
      const reset = await admin.fetchOffsets({ groupId, topics: [t] })
      assert.deepEqual(reset[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '-2'], [1, '-2']], 'KafkaJS commits the special offset -2 (earliest)')
      await admin.resetOffsets({ groupId, topic: t, earliest: false })
      const latest = await admin.fetchOffsets({ groupId, topics: [t] })
      assert.deepEqual(latest[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '-1'], [1, '-1']], 'and -1 for latest')

      const deleted = await admin.deleteGroups([groupId])
      assert.deepEqual(deleted.map((d) => [d.groupId, d.errorCode]), [[groupId, 0]])
      assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === groupId))
    })
  })
}
