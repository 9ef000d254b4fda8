// KafkaJS-style use of the hooks KafkaJS offers — instrumentation events, crash/restart, custom
// partitioners and assigners — written once and run against the real KafkaJS (kafkajs.test.ts)
// and the facade (facade.test.ts) with the same assertions.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type * as KafkaJs from 'kafkajs'
import { testBroker } from '../helpers.ts'
import type { Broker } from '../../../src/broker/index.ts'
import type { KafkaJsLike } from './usage-cases.ts'

let seq = 0
const unique = (p: string): string => `${p}-${process.pid}-${++seq}`

/** A promise with its resolve, for "wait until this event happened". */
function signal<T = void>(): { done: Promise<T>; fire: (v: T) => void } {
  let fire!: (v: T) => void
  const done = new Promise<T>((res) => (fire = res))
  return { done, fire }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), ms)))]).finally(() => clearTimeout(timer))
}

export type KafkaJsHooksLike = KafkaJsLike & Pick<typeof KafkaJs, 'Partitioners' | 'AssignerProtocol' | 'PartitionAssigners'>

export function kafkaJsHookCases(label: string, lib: KafkaJsHooksLike): void {
  const { Kafka, logLevel, Partitioners, AssignerProtocol, PartitionAssigners } = lib

  describe(`KafkaJS hooks: events, restarts, partitioners, assigners (${label})`, { timeout: 60_000 }, () => {
    let broker: Broker
    let kafka: KafkaJs.Kafka
    let admin: KafkaJs.Admin

    before(async () => {
      broker = await testBroker({ 'group.initial.rebalance.delay.ms': 0 })
      kafka = new Kafka({
        clientId: 'instr', brokers: [broker.bootstrap], connectionTimeout: 3_000, requestTimeout: 10_000,
        retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 500 }, logLevel: logLevel.NOTHING,
      })
      admin = kafka.admin()
      await admin.connect()
    })
    after(async () => {
      await admin?.disconnect()
      await broker?.close()
    })

    it('events: network requests, group join (leader), heartbeats, fetches and batch processing', { timeout: 25_000 }, async () => {
      const t = unique('instr')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 2 }], waitForLeaders: true })
      const producer = kafka.producer()
      const produceRequests: KafkaJs.RequestEvent[] = []
      producer.on(producer.events.REQUEST, (e) => { if (e.payload.apiName === 'Produce') produceRequests.push(e) })
      await producer.connect()
      await producer.send({ topic: t, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }] })
      await producer.disconnect()
      assert.ok(produceRequests.length >= 1, 'Produce requests are reported')
      for (const e of produceRequests) {
        assert.equal(e.type, 'producer.network.request')
        assert.equal(e.payload.apiKey, 0)
        assert.equal(typeof e.payload.apiVersion, 'number')
        assert.equal(e.payload.broker, broker.bootstrap)
        assert.equal(e.payload.clientId, 'instr')
        assert.ok(e.payload.size > 0 && e.payload.duration >= 0)
      }

      const groupId = unique('g-instr')
      const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 100, maxWaitTimeInMs: 100 })
      const joined = signal<KafkaJs.ConsumerGroupJoinEvent>()
      const beat = signal<KafkaJs.ConsumerHeartbeatEvent>()
      const fetched = signal<KafkaJs.ConsumerFetchEvent>()
      const starts: KafkaJs.ConsumerStartBatchProcessEvent[] = []
      const ends: KafkaJs.ConsumerEndBatchProcessEvent[] = []
      const consumerRequests: string[] = []
      consumer.on(consumer.events.GROUP_JOIN, (e) => joined.fire(e))
      consumer.on(consumer.events.HEARTBEAT, (e) => beat.fire(e))
      consumer.on(consumer.events.FETCH, (e) => fetched.fire(e))
      consumer.on(consumer.events.START_BATCH_PROCESS, (e) => void starts.push(e))
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => void ends.push(e))
      consumer.on(consumer.events.REQUEST, (e) => void consumerRequests.push(e.payload.apiName))
      await consumer.connect()
      await consumer.subscribe({ topics: [t], fromBeginning: true })
      let consumed = 0
      const all = signal()
      await consumer.run({ eachMessage: async () => { if (++consumed === 3) all.fire() } })
      try {
        await within(all.done, 15_000, 'three messages')
        const join = await within(joined.done, 5_000, 'GROUP_JOIN')
        assert.equal(join.payload.groupId, groupId)
        assert.equal(join.payload.isLeader, true, 'the only member leads the group')
        assert.equal(join.payload.leaderId, join.payload.memberId)
        assert.equal(join.payload.groupProtocol, 'RoundRobinAssigner')
        assert.deepEqual(join.payload.memberAssignment[t]!.slice().sort(), [0, 1])
        assert.equal(typeof join.payload.duration, 'number')
        const hb = await within(beat.done, 10_000, 'HEARTBEAT')
        assert.equal(hb.payload.groupId, groupId)
        assert.equal(hb.payload.memberId, join.payload.memberId)
        assert.ok(hb.payload.groupGenerationId >= 1)
        const f = await within(fetched.done, 5_000, 'FETCH')
        assert.equal(typeof f.payload.duration, 'number')
        assert.equal(String(Number(f.payload.nodeId)), String(f.payload.nodeId), 'a node id (KafkaJS passes it as a string)')
        assert.equal(starts.reduce((n, e) => n + e.payload.batchSize, 0), 3, 'every message in one reported batch')
        assert.equal(ends.length, starts.length)
        for (const e of ends) {
          assert.equal(e.payload.topic, t)
          assert.equal(typeof e.payload.duration, 'number')
          assert.equal(Number(e.payload.lastOffset) - Number(e.payload.firstOffset) + 1, e.payload.batchSize)
        }
        assert.ok(consumerRequests.includes('Fetch') && consumerRequests.includes('JoinGroup'), `consumer requests: ${[...new Set(consumerRequests)].join(',')}`)
      } finally {
        await consumer.disconnect()
      }
    })

    it('partitioners: createPartitioner decides every message\'s partition (LegacyPartitioner, and a custom one)', { timeout: 20_000 }, async () => {
      const t = unique('parts')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 4 }], waitForLeaders: true })
      const keys = Array.from({ length: 40 }, (_, i) => `user-${i * 7919}`)
      const legacy = kafka.producer({ createPartitioner: Partitioners.LegacyPartitioner })
      await legacy.connect()
      const written = await legacy.send({ topic: t, messages: keys.map((key) => ({ key, value: key })) })
      await legacy.disconnect()
      // Where KafkaJS's legacy partitioner puts each key, computed here with the library's own factory.
      const meta = (await admin.fetchTopicMetadata({ topics: [t] })).topics[0]!.partitions
      const pick = Partitioners.LegacyPartitioner()
      const expected = new Map<number, number>()
      for (const key of keys) {
        const p = pick({ topic: t, partitionMetadata: meta, message: { key, value: key } })
        expected.set(p, (expected.get(p) ?? 0) + 1)
      }
      const ends = await admin.fetchTopicOffsets(t)
      for (const e of ends) assert.equal(Number(e.high), expected.get(e.partition) ?? 0, `partition ${e.partition}`)
      assert.equal(written.length, expected.size)

      const t2 = unique('parts-custom')
      await admin.createTopics({ topics: [{ topic: t2, numPartitions: 3 }], waitForLeaders: true })
      const seenArgs: { partitions: number; key: string | null }[] = []
      const lastPartition = () => ({ partitionMetadata, message }: { partitionMetadata: KafkaJs.PartitionMetadata[]; message: KafkaJs.Message }) => {
        seenArgs.push({ partitions: partitionMetadata.length, key: message.key === undefined || message.key === null ? null : String(message.key) })
        return partitionMetadata.length - 1
      }
      const custom = kafka.producer({ createPartitioner: lastPartition })
      await custom.connect()
      await custom.send({ topic: t2, messages: [{ key: 'a', value: '1' }, { value: '2' }, { key: 'c', value: '3', partition: 0 }] })
      await custom.disconnect()
      const ends2 = await admin.fetchTopicOffsets(t2)
      assert.deepEqual(ends2.map((e) => [e.partition, Number(e.high)]).sort(), [[0, 0], [1, 0], [2, 3]], 'the partitioner overrides even an explicit partition')
      assert.deepEqual(seenArgs, [{ partitions: 3, key: 'a' }, { partitions: 3, key: null }, { partitions: 3, key: 'c' }])
    })

    it('assigners: a custom partitionAssigner decides the assignment and reads every member\'s metadata', { timeout: 25_000 }, async () => {
      const t = unique('assign')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 4 }], waitForLeaders: true })
      const userData: string[] = []
      // Every partition to the member whose id sorts first; each member names itself in its metadata.
      const allToFirst = (label: string): KafkaJs.PartitionAssigner => ({ cluster }) => ({
        name: 'AllToFirst',
        version: 1,
        protocol: ({ topics }) => ({ name: 'AllToFirst', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(label) }) }),
        async assign({ members, topics }) {
          for (const m of members) userData.push(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)!.userData.toString())
          const first = members.map((m) => m.memberId).sort()[0]
          const all = Object.fromEntries(topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId).sort()]))
          return members.map((m) => ({ memberId: m.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: m.memberId === first ? all : {}, userData: Buffer.alloc(0) }) }))
        },
      })
      const groupId = unique('g-assign')
      const joins = new Map<string, KafkaJs.ConsumerGroupJoinEvent[]>([['a', []], ['b', []]])
      const both = signal()
      const make = (label: string) => {
        const c = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 100, maxWaitTimeInMs: 100, partitionAssigners: [allToFirst(label)] })
        c.on(c.events.GROUP_JOIN, (e) => {
          joins.get(label)!.push(e)
          if (joins.get('a')!.length >= 2 && joins.get('b')!.length >= 1) both.fire()
        })
        return c
      }
      const a = make('a')
      const b = make('b')
      try {
        for (const c of [a, b]) {
          await c.connect()
          await c.subscribe({ topics: [t], fromBeginning: true })
        }
        await a.run({ eachMessage: async () => {} })
        await within(new Promise<void>((res) => { const tick = () => (joins.get('a')!.length > 0 ? res() : setTimeout(tick, 20)); tick() }), 10_000, 'the first join')
        assert.deepEqual(joins.get('a')![0]!.payload.memberAssignment[t]!.slice().sort(), [0, 1, 2, 3], 'alone, a gets everything')
        await b.run({ eachMessage: async () => {} })
        await within(both.done, 20_000, 'both members joined together')
        const lastA = joins.get('a')!.at(-1)!.payload
        const lastB = joins.get('b')!.at(-1)!.payload
        assert.equal(lastA.groupProtocol, 'AllToFirst')
        const first = [lastA.memberId, lastB.memberId].sort()[0]
        const [winner, loser] = first === lastA.memberId ? [lastA, lastB] : [lastB, lastA]
        assert.deepEqual(winner.memberAssignment[t]!.slice().sort(), [0, 1, 2, 3])
        assert.deepEqual(loser.memberAssignment, {})
        assert.ok(userData.includes('a') && userData.includes('b'), `metadata seen by the leader: ${userData.join(',')}`)
      } finally {
        await Promise.all([a.disconnect(), b.disconnect()])
      }
    })

    it('assigners: PartitionAssigners.roundRobin spreads partitions', { timeout: 20_000 }, async () => {
      const t = unique('rr')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 2 }], waitForLeaders: true })
      const c = kafka.consumer({ groupId: unique('g-rr'), sessionTimeout: 6_000, heartbeatInterval: 100, maxWaitTimeInMs: 100, partitionAssigners: [PartitionAssigners.roundRobin] })
      const joined = signal<KafkaJs.ConsumerGroupJoinEvent>()
      c.on(c.events.GROUP_JOIN, (e) => joined.fire(e))
      try {
        await c.connect()
        await c.subscribe({ topics: [t] })
        await c.run({ eachMessage: async () => {} })
        const j = await within(joined.done, 10_000, 'GROUP_JOIN')
        assert.equal(j.payload.groupProtocol, 'RoundRobinAssigner')
        assert.deepEqual(j.payload.memberAssignment[t]!.slice().sort(), [0, 1])
      } finally {
        await c.disconnect()
      }
    })

    it('crash and restart: a handler failing past its retries crashes the consumer, which restarts and goes on', { timeout: 30_000 }, async () => {
      const t = unique('restart')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 1 }], waitForLeaders: true })
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic: t, messages: [{ value: 'poison' }, { value: 'next' }] })
      await producer.disconnect()

      const consumer = kafka.consumer({ groupId: unique('g-restart'), sessionTimeout: 6_000, heartbeatInterval: 200, maxWaitTimeInMs: 100, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 } })
      const crashes: KafkaJs.ConsumerCrashEvent[] = []
      consumer.on(consumer.events.CRASH, (e) => void crashes.push(e))
      let calls = 0
      const processed: string[] = []
      const done = signal()
      await consumer.connect()
      await consumer.subscribe({ topics: [t], fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ message }) => {
          // Fails 3 times: more than one run's retries, so the consumer crashes at least once.
          if (message.value!.toString() === 'poison' && ++calls <= 3) throw new Error('not yet')
          processed.push(message.value!.toString())
          if (processed.includes('next')) done.fire()
        },
      })
      try {
        await within(done.done, 20_000, 'the messages after the restart')
        assert.ok(crashes.length >= 1)
        assert.equal(crashes[0]!.payload.restart, true)
        assert.equal(crashes[0]!.payload.error.name, 'KafkaJSNumberOfRetriesExceeded')
        assert.equal(processed[0], 'poison', 'the failed message is processed first after the restart')
        assert.equal(processed.filter((v) => v === 'poison').length, 1)
      } finally {
        await consumer.disconnect()
      }
    })

    it('crash without restart: restartOnFailure resolving false leaves the consumer stopped', { timeout: 30_000 }, async () => {
      const t = unique('norestart')
      await admin.createTopics({ topics: [{ topic: t, numPartitions: 1 }], waitForLeaders: true })
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({ topic: t, messages: [{ value: 'poison' }] })
      await producer.disconnect()
      const asked: string[] = []
      const consumer = kafka.consumer({
        groupId: unique('g-norestart'), sessionTimeout: 6_000, heartbeatInterval: 200, maxWaitTimeInMs: 100,
        retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200, restartOnFailure: async (e: Error) => { asked.push(e.name); return false } },
      })
      const crashed = signal<KafkaJs.ConsumerCrashEvent>()
      consumer.on(consumer.events.CRASH, (e) => crashed.fire(e))
      let calls = 0
      await consumer.connect()
      await consumer.subscribe({ topics: [t], fromBeginning: true })
      await consumer.run({ eachMessage: async () => { calls++; throw new Error('always') } })
      try {
        const e = await within(crashed.done, 20_000, 'CRASH')
        assert.equal(e.payload.restart, false)
        assert.deepEqual(asked, ['KafkaJSNumberOfRetriesExceeded'])
        const after = calls
        await new Promise((r) => setTimeout(r, 600)) // longer than any restart delay configured here
        assert.equal(calls, after, 'no handler call after a crash without restart')
      } finally {
        await consumer.disconnect()
      }
    })
  })
}
