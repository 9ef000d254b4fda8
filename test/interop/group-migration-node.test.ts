// One group, two protocols, real clients against a real `samsa start` (Kafka 4's online migration):
// two KafkaJS 2.2.4 members (classic protocol) consume a topic; an @platformatic/kafka 1.35.0
// member with groupProtocol 'consumer' (ConsumerGroupHeartbeat) joins and the group becomes a
// consumer group, the KafkaJS members now rebalanced by the broker through JoinGroup/SyncGroup;
// a third KafkaJS member joins it and one leaves; the platformatic member leaves and the group is
// classic again, the remaining KafkaJS members rebalancing as a classic group and carrying on. Records are produced between the membership changes, each
// batch consumed and committed before the next change, and every record is consumed exactly once.
// While it is a consumer group, the coordinator (ConsumerGroupDescribe, sampled) never gives a
// partition to two members.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka'
import { Kafka as KafkaJs, logLevel } from 'kafkajs'
import type { Consumer as KafkaJsConsumer, Kafka } from 'kafkajs'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import type { ConsumerGroupDescribeResponse } from '../../src/protocol/generated/messages/consumer-group-describe.ts'
import type { ListGroupsResponse } from '../../src/protocol/generated/messages/list-groups.ts'
import { AdminRaw } from '../broker/api/admin-client.ts'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runKafkaJs } from '../helpers/kafkajs.ts'

const TOPIC = 'migrate'
const GROUP = 'migrate-group'

let detail: () => Promise<string> = async () => ''

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${await detail()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('online migration: KafkaJS (classic) and @platformatic/kafka (consumer protocol) in one group', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa({
      settings: {
        'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '1000', 'offsets.topic.num.partitions': '1',
        'group.consumer.heartbeat.interval.ms': '250', 'group.consumer.session.timeout.ms': '10000',
      },
    })
  })
  after(async () => {
    await broker?.close()
  })

  it('upgrade, members come and go, downgrade: every record consumed exactly once', { timeout: 60_000 }, async () => {
    const raw = await AdminRaw.connect(broker.port)
    const violations: string[] = []
    let sampling = true
    let sawConsumerGroup = false
    // Samples the coordinator's view: while the group is a consumer group, no partition is assigned twice.
    const sampler = (async () => {
      while (sampling) {
        const res = await raw.call<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, 1, { groupIds: [GROUP], includeAuthorizedOperations: false })
        const g = res.groups[0]
        if (g.errorCode === ErrorCode.NONE) {
          sawConsumerGroup = true
          const held = new Map<number, string>()
          for (const m of g.members) {
            for (const p of m.assignment.topicPartitions.flatMap((tp) => tp.partitions)) {
              if (held.has(p)) violations.push(`partition ${p}: ${held.get(p)} and ${m.memberId} (epoch ${g.groupEpoch})`)
              held.set(p, m.memberId)
            }
          }
        }
        await new Promise((r) => setTimeout(r, 40))
      }
    })()
    // Stable with every partition assigned: records produced now are read by their settled owner.
    // (@platformatic/kafka re-reads the partitions it keeps from their committed offsets whenever
    // its assignment changes, so records produced mid-rebalance could be read twice by it.)
    const settled = async (): Promise<boolean> => {
      const res = await raw.call<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, 1, { groupIds: [GROUP], includeAuthorizedOperations: false })
      const g = res.groups[0]
      return g.errorCode === ErrorCode.NONE && g.groupState === 'Stable' &&
        g.members.reduce((n, m) => n + m.assignment.topicPartitions.reduce((k, tp) => k + tp.partitions.length, 0), 0) === 4
    }
    detail = async () => {
      const res = await raw.call<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, 1, { groupIds: [GROUP], includeAuthorizedOperations: false })
      const g = res.groups[0]
      return JSON.stringify({ state: g.groupState, epoch: g.groupEpoch, assignmentEpoch: g.assignmentEpoch, members: g.members.map((m) => [m.memberId.slice(0, 12), m.memberType, m.memberEpoch, m.assignment.topicPartitions.flatMap((tp) => tp.partitions), m.targetAssignment.topicPartitions.flatMap((tp) => tp.partitions)]) })
    }
    const groupType = async (): Promise<string | undefined> => {
      const listed = await raw.call<ListGroupsResponse>(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] })
      return listed.groups.find((g) => g.groupId === GROUP)?.groupType
    }
    try {
      const { value } = await runKafkaJs([broker.bootstrap], async (kafka: Kafka) => {
        const admin = kafka.admin()
        await admin.connect()
        const producer = kafka.producer()
        await producer.connect()
        const seen = new Map<number, string[]>()
        const kjs = new Map<string, KafkaJsConsumer>()
        const kjsAssigned = new Map<string, number[]>()
        let plt: Consumer<string, string, string, string> | undefined
        let produced = 0
        const produce = async (n: number): Promise<void> => {
          await producer.send({ topic: TOPIC, messages: Array.from({ length: n }, (_, i) => ({ key: `k${produced + i}`, value: String(produced + i), partition: (produced + i) % 4 })) })
          produced += n
        }
        // Consumed and committed: the next membership change starts from the committed offsets.
        const drained = async (): Promise<boolean> => {
          if (seen.size < produced) return false
          const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })
          const ends = await admin.fetchTopicOffsets(TOPIC)
          return ends.every((e) => committed.partitions.find((p) => p.partition === e.partition)?.offset === e.high)
        }
        // One KafkaJS instance per member, as applications run them: KafkaJS keeps one committed-offsets
        // map per group id for all consumers of an instance, and a member whose assignment empties
        // clears it for the others (they then crash in their next commit).
        const startKafkaJs = async (name: string): Promise<void> => {
          const own = new KafkaJs({ clientId: `samsa-${name}`, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } })
          const c = own.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 200, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 })
          c.on(c.events.GROUP_JOIN, (e) => { kjsAssigned.set(name, (e.payload.memberAssignment[TOPIC] ?? []).slice().sort()) })
          await c.connect()
          await c.subscribe({ topics: [TOPIC], fromBeginning: true })
          await c.run({ eachMessage: async ({ message }) => { const v = Number(message.value!.toString()); seen.set(v, [...(seen.get(v) ?? []), name]) } })
          kjs.set(name, c)
        }
        const pltOwned = (): number[] => (plt?.assignments ?? []).filter((a) => a.topic === TOPIC).flatMap((a) => a.partitions).sort()
        try {
          await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 4 }], waitForLeaders: true })

          // 1. A classic group of two KafkaJS members.
          await startKafkaJs('kjs-a')
          await startKafkaJs('kjs-b')
          await until('the KafkaJS members to split the partitions', () => (kjsAssigned.get('kjs-a')?.length ?? 0) === 2 && (kjsAssigned.get('kjs-b')?.length ?? 0) === 2)
          await produce(40)
          await until('40 records consumed and committed', drained)
          const classicFirst = await groupType()

          // 2. A consumer-protocol member joins: the group is upgraded and the partitions spread over three.
          plt = new Consumer({
            clientId: 'samsa-migrate', bootstrapBrokers: [broker.bootstrap], groupId: GROUP, groupProtocol: 'consumer',
            deserializers: stringDeserializers, rebalanceTimeout: 60_000, retries: 3,
          })
          const stream = await plt.consume({ topics: [TOPIC], mode: MessagesStreamModes.COMMITTED, fallbackMode: 'earliest', autocommit: 100, maxWaitTime: 100 })
          stream.on('data', (m) => { const v = Number(m.value); seen.set(v, [...(seen.get(v) ?? []), 'plt']) })
          await until('the consumer-protocol member to own a partition', () => pltOwned().length > 0)
          const upgraded = await groupType()
          await until('the consumer group to settle', settled)
          await produce(40)
          await until('80 records consumed and committed', drained)

          // 3. A third KafkaJS member joins the consumer group (JoinGroup with MEMBER_ID_REQUIRED, no leader).
          await startKafkaJs('kjs-c')
          await until('four members to settle', async () => await settled() && (kjsAssigned.get('kjs-c')?.length ?? 0) > 0)
          await produce(40)
          await until('120 records consumed and committed', drained)

          // 4. One KafkaJS member leaves (LeaveGroup into the consumer group): the others take its partitions.
          await kjs.get('kjs-b')!.disconnect()
          kjs.delete('kjs-b')
          await until(`three members to settle (${JSON.stringify([pltOwned(), [...kjsAssigned]])})`, async () => await settled() &&
            pltOwned().length + (kjsAssigned.get('kjs-a')?.length ?? 0) + (kjsAssigned.get('kjs-c')?.length ?? 0) === 4)
          await produce(40)
          await until('160 records consumed and committed', drained)

          // 5. The consumer-protocol member leaves: the group is classic again; the KafkaJS members carry on.
          await stream.close()
          await plt.close()
          plt = undefined
          await until('the group to be classic again', async () => await groupType() === 'classic')
          await until('the KafkaJS members to split the partitions as a classic group', () =>
            (kjsAssigned.get('kjs-a')?.length ?? 0) + (kjsAssigned.get('kjs-c')?.length ?? 0) === 4 && (kjsAssigned.get('kjs-c')?.length ?? 0) > 0)
          await produce(40)
          await until('200 records consumed and committed', drained)
          return { classicFirst, upgraded, seen, produced }
        } finally {
          for (const c of kjs.values()) await c.disconnect()
          if (plt) {
            try { await plt.close(true) } catch {}
          }
          await producer.disconnect()
          await admin.disconnect()
        }
      }, { timeoutMs: 50_000 })
      assert.equal(value.classicFirst, 'classic')
      assert.equal(value.upgraded, 'consumer')
      assert.ok(sawConsumerGroup)
      assert.equal(value.seen.size, value.produced)
      const dupes = [...value.seen].filter(([, who]) => who.length > 1)
      assert.deepEqual(dupes, [], 'records consumed twice')
      for (const who of ['plt', 'kjs-a', 'kjs-b', 'kjs-c']) assert.ok([...value.seen.values()].some((w) => w[0] === who), `${who} consumed`)
    } finally {
      sampling = false
      await sampler.catch(() => {})
      raw.close()
    }
    assert.deepEqual(violations, [])
  })
})
