import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { MetadataStore, METADATA_FILE, MetadataFormatError } from '../../../src/broker/cluster/metadata-store.ts'
import { reconcileWithDisk } from '../../../src/broker/cluster/reconcile.ts'
import { ZERO_TOPIC_ID } from '../../../src/broker/cluster/topic-id.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'

test('topics, ids, partitions and configs survive a reopen; the cluster id is stable', async () => {
  const dir = makeTempDir('samsa-meta-')
  try {
    const a = await MetadataStore.open(dir, 1)
    const t = await a.createTopic('orders', 3, { 'cleanup.policy': 'compact' })
    assert.equal(t.topicId.length, 22)
    assert.notEqual(t.topicId, ZERO_TOPIC_ID)
    await Promise.all([a.createTopic('x', 1), a.createTopic('y', 2), a.setPartitions('orders', 6)])
    await a.deleteTopic('x')
    await a.setConfigs('y', { 'retention.ms': '1000' })
    const b = await MetadataStore.open(dir, 1)
    assert.equal(b.clusterId, a.clusterId)
    assert.deepEqual([...b.topics()].map((x) => [x.name, x.partitions]).sort(), [['orders', 6], ['y', 2]])
    assert.equal(b.topicById(t.topicId)?.name, 'orders')
    assert.deepEqual(b.topic('orders')?.configs, { 'cleanup.policy': 'compact' })
    assert.deepEqual(b.topic('y')?.configs, { 'retention.ms': '1000' })
    await assert.rejects(b.setPartitions('orders', 2), /cannot shrink/)
    assert.deepEqual(readdirSync(dir), [METADATA_FILE], 'no temp files left behind')
  } finally {
    removeTempDir(dir)
  }
})

test('many concurrent changes are all persisted (coalesced writes)', async () => {
  const dir = makeTempDir('samsa-meta-')
  try {
    const a = await MetadataStore.open(dir, 1)
    await Promise.all(Array.from({ length: 100 }, (_, i) => a.createTopic(`t${i}`, 1)))
    const b = await MetadataStore.open(dir, 1)
    assert.equal(b.topicCount, 100)
  } finally {
    removeTempDir(dir)
  }
})

test('a corrupt metadata file is refused with a clear error, not silently replaced', async () => {
  const dir = makeTempDir('samsa-meta-')
  try {
    writeFileSync(join(dir, METADATA_FILE), '{"version":1,"clusterId":')
    await assert.rejects(MetadataStore.open(dir, 1), (e: unknown) => e instanceof MetadataFormatError && /not valid JSON/.test(e.message))
    writeFileSync(join(dir, METADATA_FILE), '{"version":99}')
    await assert.rejects(MetadataStore.open(dir, 1), /unsupported format version 99/)
    assert.equal(readFileSync(join(dir, METADATA_FILE), 'utf8'), '{"version":99}')
  } finally {
    removeTempDir(dir)
  }
})

test('reconcile adopts partitions found on disk for unknown topics and grows short topics', async () => {
  const dir = makeTempDir('samsa-meta-')
  try {
    const m = await MetadataStore.open(dir, 1)
    await m.createTopic('known', 1)
    const warnings: string[] = []
    const log = pino({ level: 'warn' }, { write: (s: string) => { warnings.push(JSON.parse(s).msg) } })
    await reconcileWithDisk(m, [{ topic: 'known', partition: 2 }, { topic: 'lost', partition: 0 }, { topic: 'lost', partition: 4 }], log)
    assert.equal(m.topic('known')?.partitions, 3)
    assert.equal(m.topic('lost')?.partitions, 5)
    assert.equal(warnings.length, 2)
  } finally {
    removeTempDir(dir)
  }
})
