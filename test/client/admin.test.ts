// The admin client against a real broker: topics, partitions, configs, groups, offsets, lag.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Consumer, KafkaError, Producer } from '../../src/client/index.ts'
import { iterate, take, testBroker, topicName } from './helpers.ts'

test('topics: create with configs, describe, list, add partitions, configs, delete', { timeout: 20_000 }, async () => {
  const broker = await testBroker()
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  try {
    const topic = topicName('admin')
    await admin.createTopics([{ topic, numPartitions: 3, configs: { 'retention.ms': '3600000' } }])
    await assert.rejects(admin.createTopics([{ topic, numPartitions: 1 }]), (e: unknown) => e instanceof KafkaError && e.errorName === 'TOPIC_ALREADY_EXISTS')
    assert.ok((await admin.listTopics()).includes(topic))
    const [info] = await admin.describeTopics([topic])
    assert.equal(info!.partitions.length, 3)
    assert.ok(info!.partitions.every((p) => p.leader >= 0))
    const configs = await admin.describeConfigs('topic', topic, ['retention.ms', 'cleanup.policy'])
    assert.equal(configs.find((c) => c.name === 'retention.ms')!.value, '3600000')
    await admin.alterConfigs('topic', topic, [{ name: 'cleanup.policy', value: 'compact' }])
    assert.equal((await admin.describeConfigs('topic', topic, ['cleanup.policy']))[0]!.value, 'compact')
    await admin.createPartitions([{ topic, count: 5 }])
    assert.equal((await admin.describeTopics([topic]))[0]!.partitions.length, 5)
    const cluster = await admin.describeCluster()
    assert.equal(cluster.brokers.length, 1)
    await admin.deleteTopics([topic])
    assert.ok(!(await admin.listTopics()).includes(topic))
  } finally {
    await admin.close()
    await broker.close()
  }
})

test('groups and offsets: list, describe, lag, set offsets, offsets by time, delete records', { timeout: 20_000 }, async () => {
  const broker = await testBroker({ 'num.partitions': 2 })
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const topic = topicName('lag')
  try {
    const t0 = Date.now() - 60_000
    await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic, partition: i % 2, value: String(i), timestamp: t0 + i * 1000 })))
    const c = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'lagging', autoOffsetReset: 'earliest' })
    c.subscribe(topic)
    const it = iterate(c)
    await take(it, 6)
    await c.commit()
    const groups = await admin.listGroups()
    assert.ok(groups.some((g) => g.groupId === 'lagging' && g.protocolType === 'consumer'))
    const desc = await admin.describeGroup('lagging')
    assert.equal(desc.state, 'Stable')
    assert.deepEqual(desc.members[0]!.topics, [topic])
    assert.equal(desc.members[0]!.assignment.length, 2)
    const lag = await admin.groupLag('lagging')
    assert.equal(lag.reduce((n, l) => n + l.committed, 0), 5)
    for (const l of lag) assert.deepEqual([l.end, l.lag], [10, 10 - l.committed])
    await c.close()
    await admin.setGroupOffsets('lagging', [{ topic, partition: 0, offset: 10 }, { topic, partition: 1, offset: 10 }])
    assert.ok((await admin.groupLag('lagging')).every((l) => l.lag === 0))
    const byTime = await admin.listOffsets([{ topic, partition: 0 }, { topic, partition: 1 }], t0 + 4500)
    assert.deepEqual(byTime.map((o) => o.offset), [3, 2])
    assert.deepEqual((await admin.deleteRecords([{ topic, partition: 0, offset: 4 }])).map((o) => o.offset), [4])
    assert.deepEqual((await admin.listOffsets([{ topic, partition: 0 }], 'earliest')).map((o) => o.offset), [4])
    await admin.deleteGroups(['lagging'])
    assert.ok(!(await admin.listGroups()).some((g) => g.groupId === 'lagging'))
  } finally {
    await producer.close()
    await admin.close()
    await broker.close()
  }
})
