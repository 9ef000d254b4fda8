import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { MetadataFormatError } from '../../../src/broker/cluster/store/file-store.ts'
import { METADATA_FILE, runBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { ZERO_TOPIC_ID } from '../../../src/broker/cluster/topic-id.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { openDataDirMetadata } from './metadata-helpers.ts'

test('topics, ids, partitions and configs survive a reopen; the cluster id is stable', async () => {
  const dir = makeTempDir('samsa-meta-')
  try {
    const a = await openDataDirMetadata(dir)
    const t = await a.controller.createTopic({ name: 'orders', partitions: 3, configs: { 'cleanup.policy': 'compact' }, internal: false })
    assert.equal(t.topicId.length, 22)
    assert.notEqual(t.topicId, ZERO_TOPIC_ID)
    await Promise.all([
      a.controller.createTopic({ name: 'x', partitions: 1, configs: {}, internal: false }),
      a.controller.createTopic({ name: 'y', partitions: 2, configs: {}, internal: false }),
      a.controller.addPartitions('orders', 6),
    ])
    await a.controller.deleteTopic('x')
    await a.controller.setConfigs('y', { 'retention.ms': '1000' })
    const clusterId = a.loader.clusterId
    assert.equal(clusterId.length, 22)
    await a.close()
    const b = await openDataDirMetadata(dir)
    assert.equal(b.loader.clusterId, clusterId)
    assert.deepEqual([...b.loader.topics()].map((x) => [x.name, x.partitions]).sort(), [['orders', 6], ['y', 2]])
    assert.equal(b.loader.topicById(t.topicId)?.name, 'orders')
    assert.deepEqual(b.loader.topic('orders')?.configs, { 'cleanup.policy': 'compact' })
    assert.deepEqual(b.loader.topic('y')?.configs, { 'retention.ms': '1000' })
    const { modRevision, ...state } = b.loader.image.partition('orders', 5)!
    assert.deepEqual(state, {
      topic: 'orders', topicId: t.topicId, partition: 5, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0,
    })
    assert.ok(modRevision! > 0, 'the state carries its mod revision (the guard of the next write)')
    await assert.rejects(b.controller.addPartitions('orders', 2), /cannot shrink/)
    await b.close()
    assert.deepEqual(readdirSync(dir), [METADATA_FILE], 'no temp files left behind')
  } finally {
    removeTempDir(dir)
  }
})

test('many concurrent changes are all persisted (coalesced writes)', async () => {
  const dir = makeTempDir('samsa-meta-')
  try {
    const a = await openDataDirMetadata(dir)
    await Promise.all(Array.from({ length: 100 }, (_, i) => a.controller.createTopic({ name: `t${i}`, partitions: 1, configs: {}, internal: false })))
    await a.close()
    const b = await openDataDirMetadata(dir)
    assert.equal(b.loader.topicCount, 100)
    await b.close()
  } finally {
    removeTempDir(dir)
  }
})

test('a corrupt metadata file is refused with a clear error, not silently replaced', async () => {
  const dir = makeTempDir('samsa-meta-')
  try {
    writeFileSync(join(dir, METADATA_FILE), '{"version":1,"clusterId":')
    await assert.rejects(openDataDirMetadata(dir), (e: unknown) => e instanceof MetadataFormatError && /not valid JSON/.test(e.message))
    writeFileSync(join(dir, METADATA_FILE), '{"version":99}')
    await assert.rejects(openDataDirMetadata(dir), /unsupported format version 99/)
    assert.equal(readFileSync(join(dir, METADATA_FILE), 'utf8'), '{"version":99}')
  } finally {
    removeTempDir(dir)
  }
})

test('a version-1 cluster-metadata.json is migrated once: topics keep their ids, partitions and configs', async () => {
  const dir = makeTempDir('samsa-meta-')
  try {
    const v1 = {
      version: 1, clusterId: 'Zm9vYmFyYmF6cXV4MTIzNA', nodeId: 1, topics: [
        { name: 'orders', topicId: 'q1oFM0pRQl6tXu2bH5QxWw', partitions: 3, configs: { 'retention.ms': '1234' }, internal: false },
        { name: '__consumer_offsets', topicId: 'k1oFM0pRQl6tXu2bH5QxWw', partitions: 2, configs: { 'cleanup.policy': 'compact' }, internal: true },
      ],
    }
    writeFileSync(join(dir, METADATA_FILE), JSON.stringify(v1))
    const a = await openDataDirMetadata(dir)
    assert.equal(a.loader.clusterId, v1.clusterId)
    assert.deepEqual([...a.loader.topics()].map((t) => [t.name, t.topicId, t.partitions, t.configs, t.internal]).sort(),
      v1.topics.map((t) => [t.name, t.topicId, t.partitions, t.configs, t.internal]).sort())
    assert.equal(a.loader.image.partition('orders', 2)?.leader, 1)
    await a.close()
    const written = JSON.parse(readFileSync(join(dir, METADATA_FILE), 'utf8')) as { version: number, clusterId: string }
    assert.equal(written.version, 2, 'rewritten in the new layout')
    assert.equal(written.clusterId, v1.clusterId)
    const b = await openDataDirMetadata(dir)
    assert.equal(b.loader.topic('orders')?.topicId, 'q1oFM0pRQl6tXu2bH5QxWw')
    await b.close()
  } finally {
    removeTempDir(dir)
  }
})

test('partition logs the metadata does not name are set aside as -stray (one warning), never adopted', async () => {
  const dir = makeTempDir('samsa-meta-')
  try {
    const config = new BrokerConfig(Object.entries({ listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir }))
    let b = await runBroker(config, { log: pino({ level: 'silent' }) })
    await b.context.controller.createTopic({ name: 'known', partitions: 1, configs: {}, internal: false })
    await b.close()
    for (const d of ['lost-0', 'lost-4', 'known-2']) mkdirSync(join(dir, d))
    const warnings: { msg: string, count?: number }[] = []
    const log = pino({ level: 'warn' }, { write: (s: string) => { warnings.push(JSON.parse(s) as { msg: string }) } })
    b = await runBroker(config, { log })
    try {
      assert.equal(b.context.metadata.topic('lost'), undefined, 'not adopted')
      assert.equal(b.context.metadata.topic('known')?.partitions, 1, 'not grown')
      assert.equal(b.context.replicas.partition('known', 2), undefined)
      assert.ok(b.context.replicas.partition('known', 0))
      const names = readdirSync(dir)
      assert.ok(!names.includes('lost-0') && !names.includes('known-2'))
      assert.equal(names.filter((n) => n.endsWith('-stray')).length, 3)
      assert.ok(existsSync(join(dir, 'known-0')))
      assert.equal(warnings.filter((w) => /-stray/.test(w.msg)).length, 1)
      assert.equal(warnings.find((w) => /-stray/.test(w.msg))?.count, 3)
    } finally {
      await b.close()
    }
  } finally {
    removeTempDir(dir)
  }
})
