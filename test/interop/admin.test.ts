// Admin interop against a real `samsa start` process with unmodified clients: kcat metadata
// listing, confluent_kafka AdminClient (librdkafka 2.0.2), kafka-python KafkaAdminClient, KafkaJS
// admin and @platformatic/kafka Admin. Bad input (invalid names, absurd partition counts, unknown
// configs) gets Kafka's error codes and the broker keeps serving. confluent_kafka 1.7.0 has no
// delete_records, so DeleteRecords is driven through KafkaJS's deleteTopicRecords instead.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Admin } from '@platformatic/kafka'
import kafkajs from 'kafkajs'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runKcat, runPython } from '../helpers/run.ts'
import { runKafkaJs } from '../helpers/kafkajs.ts'
import { CK_ADMIN, KP_ADMIN } from './admin-py-scripts.ts'

const { ConfigResourceTypes } = kafkajs

describe('admin interop', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa({ settings: { 'num.partitions': '2' } })
  })
  after(async () => {
    await broker?.close()
  })

  it('kcat -L lists brokers, topics, partitions and leaders', async () => {
    await runKcat(broker.bootstrap, ['-P', '-t', 'kcat-meta', '-p', '0'], { input: 'one\ntwo\n' })
    const r = await runKcat(broker.bootstrap, ['-L', '-J'])
    const md = JSON.parse(r.stdout) as {
      brokers: { id: number, name: string }[], controllerid: number,
      topics: { topic: string, partitions: { partition: number, leader: number, replicas: { id: number }[], isrs: { id: number }[] }[] }[]
    }
    assert.deepEqual(md.brokers.map((b) => [b.id, b.name]), [[1, broker.bootstrap]])
    assert.equal(md.controllerid, 1)
    const t = md.topics.find((x) => x.topic === 'kcat-meta')
    assert.ok(t, 'auto-created topic listed')
    assert.deepEqual(t.partitions.map((p) => [p.partition, p.leader, p.replicas.map((x) => x.id), p.isrs.map((x) => x.id)]),
      [[0, 1, [1], [1]], [1, 1, [1], [1]]])
    const plain = await runKcat(broker.bootstrap, ['-L', '-t', 'kcat-meta'])
    assert.match(plain.stdout, /topic "kcat-meta" with 2 partitions/)
  })

  it('confluent_kafka AdminClient: create, validate, describe/alter configs, create partitions, delete', async () => {
    const r = await runPython(CK_ADMIN, [broker.bootstrap], { modules: ['confluent_kafka'], timeoutMs: 60_000 })
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!)
    assert.deepEqual(out.create, {
      'ck-a': 'OK', 'ck-b': 'OK', 'bad name': 'TOPIC_EXCEPTION', 'ck-rf3': 'INVALID_REPLICATION_FACTOR',
      'ck-cfg': 'INVALID_CONFIG', 'ck-parts': 'INVALID_PARTITIONS',
    })
    assert.deepEqual(out.again, { 'ck-a': 'TOPIC_ALREADY_EXISTS' })
    assert.deepEqual(out.validate, { 'ck-vo': 'OK' })
    assert.ok(out.topics.includes('ck-a') && out.topics.includes('ck-b'))
    for (const absent of ['ck-vo', 'bad name', 'ck-rf3', 'ck-cfg', 'ck-parts']) assert.ok(!out.topics.includes(absent), absent)
    assert.equal(out.partitions_a, 3)
    assert.deepEqual(out.leaders_a, [1])
    assert.deepEqual(out.brokers, [1])
    assert.equal(out.controller, 1)
    assert.deepEqual(out.grow, { 'ck-b': 'OK', 'ck-a': 'INVALID_PARTITIONS', 'ck-none': 'UNKNOWN_TOPIC_OR_PART' })
    assert.equal(out.partitions_b, 4)
    // Sources as librdkafka prints them: 1 = DYNAMIC_TOPIC_CONFIG, 5 = DEFAULT_CONFIG.
    assert.deepEqual(out.topic_cfg, {
      'retention.ms': ['3600000', '1', false],
      'cleanup.policy': ['compact', '1', false],
      'segment.bytes': ['1073741824', '5', true],
    })
    assert.deepEqual(out.broker_cfg, { 'num.partitions': ['2', true], 'message.max.bytes': ['1048588', false] })
    assert.deepEqual(Object.values(out.alter), ['OK'])
    assert.deepEqual(Object.values(out.alter_bad), ['INVALID_CONFIG'])
    // AlterConfigs replaces the whole override set: cleanup.policy falls back to its default.
    assert.deepEqual(out.after_alter, ['1000', 'delete'])
    assert.deepEqual(out.delete, { 'ck-b': 'OK', 'ck-none': 'UNKNOWN_TOPIC_OR_PART' })
    assert.ok(!out.after_delete.includes('ck-b'))
    assert.ok(out.after_delete.includes('ck-a'))
  })

  it('kafka-python KafkaAdminClient: create / describe / alter / grow / delete at its negotiated versions', async () => {
    const r = await runPython(KP_ADMIN, [broker.bootstrap], { modules: ['kafka'], timeoutMs: 60_000 })
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!)
    assert.deepEqual(out.create, [['kp-a', 0]])
    assert.equal(out.bad, 'InvalidTopicError')
    assert.ok(out.topics.includes('kp-a'))
    assert.deepEqual(out.describe, [0, [['retention.ms', '90000']]])
    assert.deepEqual(out.altered, [['retention.ms', '1000']])
    assert.deepEqual(out.grow, [['kp-a', 0]])
    assert.deepEqual(out.cluster, [1, [1]])
    assert.deepEqual(out.delete, [['kp-a', 0]])
    assert.equal(out.after, false)
  })

  it('KafkaJS admin: topics, metadata, configs, partitions, offsets and DeleteRecords', async () => {
    const { value } = await runKafkaJs([broker.bootstrap], async (kafka) => {
      const admin = kafka.admin()
      const producer = kafka.producer()
      await admin.connect()
      await producer.connect()
      try {
        const created = await admin.createTopics({
          topics: [{ topic: 'kjs-a', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '7200000' }] }],
        })
        const createdAgain = await admin.createTopics({ topics: [{ topic: 'kjs-a', numPartitions: 3 }] })
        // KafkaJS waits for a created topic's leaders unless told not to; a validated one never gets any.
        const validated = await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'kjs-vo', numPartitions: 1 }] })
        const badName = await admin.createTopics({ topics: [{ topic: 'no/slashes', numPartitions: 1 }] })
          .then(() => 'created', (e: { type?: string, errors?: { type?: string }[] }) => e.errors?.[0]?.type ?? e.type ?? String(e))
        const meta = await admin.fetchTopicMetadata({ topics: ['kjs-a'] })
        const configs = await admin.describeConfigs({
          resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-a', configNames: ['retention.ms', 'segment.bytes'] }],
          includeSynonyms: true,
        })
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-a', configEntries: [{ name: 'retention.ms', value: '60000' }] }] })
        const afterAlter = await admin.describeConfigs({
          resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kjs-a', configNames: ['retention.ms'] }], includeSynonyms: false,
        })
        await admin.createPartitions({ topicPartitions: [{ topic: 'kjs-a', count: 5 }] })
        const grown = await admin.fetchTopicMetadata({ topics: ['kjs-a'] })
        await producer.send({ topic: 'kjs-a', messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `m${i}` })) })
        const offsets = await admin.fetchTopicOffsets('kjs-a')
        await admin.deleteTopicRecords({ topic: 'kjs-a', partitions: [{ partition: 0, offset: '4' }] })
        const afterDelete = await admin.fetchTopicOffsets('kjs-a')
        const cluster = await admin.describeCluster()
        await admin.deleteTopics({ topics: ['kjs-a'] })
        const listed = await admin.listTopics()
        return { created, createdAgain, validated, badName, meta, configs, afterAlter, grown, offsets, afterDelete, cluster, listed }
      } finally {
        await producer.disconnect()
        await admin.disconnect()
      }
    }, { timeoutMs: 60_000 })
    assert.equal(value.created, true)
    assert.equal(value.createdAgain, false)
    assert.equal(value.validated, true)
    assert.equal(value.badName, 'INVALID_TOPIC_EXCEPTION')
    assert.equal(value.meta.topics[0].partitions.length, 3)
    assert.ok(value.meta.topics[0].partitions.every((p) => p.leader === 1))
    const entries = value.configs.resources[0].configEntries
    assert.deepEqual(entries.map((e) => [e.configName, e.configValue]), [['retention.ms', '7200000'], ['segment.bytes', '1073741824']])
    assert.deepEqual(value.afterAlter.resources[0].configEntries.map((e) => e.configValue), ['60000'])
    assert.equal(value.grown.topics[0].partitions.length, 5)
    const p0 = (o: { partition: number, low: string, high: string }[]) => o.find((x) => x.partition === 0)!
    assert.deepEqual([p0(value.offsets).low, p0(value.offsets).high], ['0', '10'])
    assert.deepEqual([p0(value.afterDelete).low, p0(value.afterDelete).high], ['4', '10'])
    assert.deepEqual(value.cluster.brokers.map((b) => b.nodeId), [1])
    assert.equal(value.cluster.controller, 1)
    assert.ok(!value.listed.includes('kjs-a'))
    assert.ok(!value.listed.includes('kjs-vo'))
  })

  it('@platformatic/kafka Admin: createTopics / metadata (topic ids) / configs / createPartitions / deleteTopics', async () => {
    const admin = new Admin({ clientId: 'samsa-admin-test', bootstrapBrokers: [broker.bootstrap], retries: 2 })
    try {
      const created = await admin.createTopics({ topics: ['pl-a'], partitions: 2, replicas: 1, configs: [{ name: 'retention.ms', value: '123456' }] })
      assert.equal(created[0].name, 'pl-a')
      assert.equal(created[0].partitions, 2)
      assert.equal(created[0].configuration['retention.ms'], '123456')
      const md = await admin.metadata({ topics: ['pl-a'] })
      const t = md.topics.get('pl-a')!
      assert.equal(t.id, created[0].id)
      assert.match(t.id, /^[0-9a-f-]{36}$|^[A-Za-z0-9_-]{22}$/)
      assert.equal(t.partitionsCount, 2)
      assert.equal(md.controllerId, 1)
      const described = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'pl-a', configurationKeys: ['retention.ms'] }] })
      assert.equal(described[0].configs[0].value, '123456')
      await admin.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'pl-a', configs: [{ name: 'retention.ms', configOperation: 1 }] }] })
      const reverted = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'pl-a', configurationKeys: ['retention.ms'] }] })
      assert.equal(reverted[0].configs[0].value, String(7 * 24 * 3_600_000))
      await admin.createPartitions({ topics: [{ name: 'pl-a', count: 4 }] })
      const grown = await admin.metadata({ topics: ['pl-a'], forceUpdate: true })
      assert.equal(grown.topics.get('pl-a')!.partitionsCount, 4)
      await assert.rejects(admin.createTopics({ topics: ['pl.bad name'], partitions: 1, replicas: 1 }))
      await assert.rejects(admin.createTopics({ topics: ['pl-cfg'], partitions: 1, replicas: 1, configs: [{ name: 'bogus.key', value: '1' }] }))
      await admin.deleteTopics({ topics: ['pl-a'] })
      const topics = await admin.listTopics()
      assert.ok(!topics.includes('pl-a'))
    } finally {
      await admin.close()
    }
  })

  it('topics, partition counts, configs, ids and dynamic broker configs survive a SIGKILL restart', async () => {
    const admin = new Admin({ clientId: 'samsa-admin-restart', bootstrapBrokers: [broker.bootstrap], retries: 2 })
    let before: { id: string, partitions: number }
    try {
      const created = await admin.createTopics({ topics: ['durable'], partitions: 3, replicas: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] })
      before = { id: created[0].id, partitions: created[0].partitions }
      await admin.incrementalAlterConfigs({ resources: [{ resourceType: 4, resourceName: '1', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '86400000' }] }] })
    } finally {
      await admin.close()
    }
    await broker.restart({ crash: true })
    const again = new Admin({ clientId: 'samsa-admin-restart-2', bootstrapBrokers: [broker.bootstrap], retries: 2 })
    try {
      const md = await again.metadata({ topics: ['durable'] })
      assert.deepEqual({ id: md.topics.get('durable')!.id, partitions: md.topics.get('durable')!.partitionsCount }, before)
      const cfg = await again.describeConfigs({ resources: [
        { resourceType: 2, resourceName: 'durable', configurationKeys: ['cleanup.policy', 'retention.ms'] },
        { resourceType: 4, resourceName: '1', configurationKeys: ['log.retention.ms'] },
      ] })
      assert.deepEqual(cfg[0].configs.map((c) => [c.name, c.value]), [['cleanup.policy', 'compact'], ['retention.ms', '86400000']])
      assert.deepEqual(cfg[1].configs.map((c) => [c.name, c.value]), [['log.retention.ms', '86400000']])
    } finally {
      await again.close()
    }
  })

  it('keeps serving after all the bad input: a fresh client still creates and lists topics', async () => {
    await runKcat(broker.bootstrap, ['-P', '-t', 'still-alive', '-p', '0'], { input: 'x\n' })
    const r = await runKcat(broker.bootstrap, ['-L', '-t', 'still-alive'])
    assert.match(r.stdout, /topic "still-alive" with 2 partitions/)
    assert.doesNotMatch(broker.output(), /uncaught|unhandled/i)
  })
})
