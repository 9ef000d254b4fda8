// `samsa topic ...` as a real process against a broker: create, list, describe, alter-config,
// add-partitions and delete, in tables and --json. Independent commands run concurrently.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Producer } from '../../../src/client/index.ts'
import { cliBroker, ok, okJson } from './helpers.ts'

interface Described {
  name: string
  replicationFactor: number
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[]; earliestOffset: number; latestOffset: number }[]
  configs: Record<string, string>
}

test('topic create, list, describe, alter-config, add-partitions, delete', { timeout: 60_000 }, async () => {
  const broker = await cliBroker()
  const b = ['-b', broker.bootstrap]
  try {
    const [created, createdJson] = await Promise.all([
      ok(['topic', 'create', 'alpha', '-p', '3', '-r', '1', ...b]),
      okJson(['topic', 'create', 'beta', '-c', 'retention.ms=3600000', '-c', 'max.message.bytes=2000000', ...b]),
    ])
    assert.equal(created, 'created topic alpha (3 partitions, replication factor 1)\n')
    assert.deepEqual(createdJson, { topic: 'beta', partitions: 1, replicationFactor: 1 })

    // Records in alpha-1, so describe shows offsets.
    const producer = new Producer({ bootstrapServers: broker.bootstrap })
    await producer.sendBatch([1, 2, 3].map((i) => ({ topic: 'alpha', partition: 1, value: `v${i}` })))
    await producer.close()

    const [table, listJson, alpha, betaTable] = await Promise.all([
      ok(['topic', 'list', ...b]),
      okJson(['topic', 'list', ...b]),
      okJson<Described>(['topic', 'describe', 'alpha', ...b]),
      ok(['topic', 'describe', 'beta', ...b]),
    ])
    assert.deepEqual(table.split('\n'), ['NAME   PARTITIONS  REPLICAS', 'alpha  3           1', 'beta   1           1', ''])
    assert.deepEqual(listJson, [
      { name: 'alpha', partitions: 3, replicationFactor: 1, internal: false },
      { name: 'beta', partitions: 1, replicationFactor: 1, internal: false },
    ])
    assert.equal(alpha.name, 'alpha')
    assert.deepEqual(alpha.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr, p.earliestOffset, p.latestOffset]),
      [[0, 1, [1], [1], 0, 0], [1, 1, [1], [1], 0, 3], [2, 1, [1], [1], 0, 0]])
    assert.deepEqual(alpha.configs, {}, 'no config differs from the defaults')
    assert.match(betaTable, /^topic beta {2}id \S+ {2}partitions 1 {2}replication factor 1$/m)
    assert.match(betaTable, /^PARTITION {2}LEADER {2}REPLICAS {2}ISR {2}EARLIEST {2}LATEST$/m)
    assert.match(betaTable, /^0 +1 +1 +1 +0 +0$/m)
    assert.match(betaTable, /^max\.message\.bytes +2000000 +topic$/m)
    assert.match(betaTable, /^retention\.ms +3600000 +topic$/m)

    const [altered, grown] = await Promise.all([
      ok(['topic', 'alter-config', 'beta', '-c', 'cleanup.policy=compact', '--delete', 'retention.ms', ...b]),
      okJson(['topic', 'add-partitions', 'alpha', '-p', '5', ...b]),
    ])
    assert.equal(altered, 'altered 2 config(s) of topic beta\n')
    assert.deepEqual(grown, { topic: 'alpha', partitions: 5, before: 3 })
    const [alpha2, beta2] = await Promise.all([okJson<Described>(['topic', 'describe', 'alpha', ...b]), okJson<Described>(['topic', 'describe', 'beta', ...b])])
    assert.equal(alpha2.partitions.length, 5)
    assert.deepEqual(beta2.configs, { 'cleanup.policy': 'compact', 'max.message.bytes': '2000000' })

    assert.equal(await ok(['topic', 'delete', 'alpha', 'beta', ...b]), 'deleted topic alpha\ndeleted topic beta\n')
    const admin = new Admin({ bootstrapServers: broker.bootstrap })
    assert.deepEqual(await admin.listTopics(), [])
    await admin.close()
  } finally {
    await broker.close()
  }
})
