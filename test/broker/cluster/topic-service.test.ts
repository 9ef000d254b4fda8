import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/errors.ts'

async function withBroker<T>(dataDir: string, settings: Record<string, string>, fn: (b: RunningBroker) => Promise<T>): Promise<T> {
  const config = new BrokerConfig(Object.entries({ listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dataDir, ...settings }))
  const b = await runBroker(config, { log: silentLogger() })
  try {
    return await fn(b)
  } finally {
    await b.close()
  }
}

function partitionDirs(dataDir: string, topic: string): string[] {
  return readdirSync(dataDir).filter((d) => new RegExp(`^${topic.replaceAll('.', '\\.')}-\\d+$`).test(d)).sort()
}

function rejectsWith(p: Promise<unknown>, code: number): Promise<void> {
  return assert.rejects(p, (err: unknown) => err instanceof KafkaProtocolError && err.code === code)
}

test('topics, partition counts, configs and ids survive a restart; logs follow create / add partitions / delete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-topics-'))
  try {
    const id = await withBroker(dir, {}, async (b) => {
      const topics = b.context.topics
      const r = await topics.createTopic({ name: 'orders', numPartitions: 2, replicationFactor: 1, configs: { 'retention.ms': '1234' } })
      assert.deepEqual(partitionDirs(dir, 'orders'), ['orders-0', 'orders-1'])
      assert.equal(b.context.replicas.partition('orders', 1)?.config.retentionMs, 1234)
      await topics.createPartitions('orders', 4, null)
      assert.deepEqual(partitionDirs(dir, 'orders'), ['orders-0', 'orders-1', 'orders-2', 'orders-3'])
      assert.equal(b.context.replicas.partition('orders', 3)?.config.retentionMs, 1234)
      await topics.createTopic({ name: 'doomed', numPartitions: 1, replicationFactor: 1 })
      await topics.setTopicConfigs('orders', { 'retention.ms': '999', 'cleanup.policy': 'compact' })
      assert.equal(b.context.replicas.partition('orders', 0)?.config.retentionMs, 999)
      assert.equal(b.context.replicas.partition('orders', 0)?.config.cleanupPolicy, 'compact')
      return r.topic!.topicId
    })
    await withBroker(dir, {}, async (b) => {
      const topics = b.context.topics
      const t = topics.topic('orders')!
      assert.equal(t.topicId, id)
      assert.equal(t.partitions, 4)
      assert.deepEqual(t.configs, { 'retention.ms': '999', 'cleanup.policy': 'compact' })
      assert.equal(b.context.replicas.partition('orders', 2)?.config.retentionMs, 999)
      await topics.deleteTopic('doomed')
      assert.equal(topics.topic('doomed'), undefined)
      assert.equal(b.context.replicas.partition('doomed', 0), undefined)
      assert.deepEqual(partitionDirs(dir, 'doomed'), [])
    })
    await withBroker(dir, {}, async (b) => {
      assert.equal(b.context.topics.topic('doomed'), undefined)
      assert.ok(b.context.topics.topic('orders'))
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('internal topics: created once on demand with their own settings, even with auto-create off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-topics-'))
  try {
    await withBroker(dir, { 'auto.create.topics.enable': 'false', 'offsets.topic.num.partitions': '3' }, async (b) => {
      const topics = b.context.topics
      const [a, c] = await Promise.all([topics.ensureInternalTopic('__consumer_offsets'), topics.ensureInternalTopic('__consumer_offsets')])
      assert.equal(a.topicId, c.topicId)
      assert.equal(a.partitions, 3)
      assert.equal(a.internal, true)
      assert.equal(a.configs['cleanup.policy'], 'compact')
      const txn = await topics.ensureInternalTopic('__transaction_state')
      assert.equal(txn.partitions, 50)
      assert.equal(txn.configs['min.insync.replicas'], '1')
      assert.equal(await topics.autoCreate('plain'), undefined)
      assert.equal(topics.topic('plain'), undefined)
      await assert.rejects(topics.ensureInternalTopic('not-internal'))
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('auto-create: concurrent requests create one topic with num.partitions; a refused default RF is an error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-topics-'))
  try {
    await withBroker(dir, { 'num.partitions': '2' }, async (b) => {
      const topics = b.context.topics
      const all = await Promise.all(Array.from({ length: 5 }, () => topics.autoCreate('auto')))
      assert.equal(new Set(all.map((t) => t!.topicId)).size, 1)
      assert.equal(all[0]!.partitions, 2)
      assert.deepEqual(partitionDirs(dir, 'auto'), ['auto-0', 'auto-1'])
      await rejectsWith(topics.autoCreate('bad name'), ErrorCode.INVALID_TOPIC_EXCEPTION)
    })
    await withBroker(dir, { 'default.replication.factor': '3' }, async (b) => {
      await rejectsWith(b.context.topics.autoCreate('rf3'), ErrorCode.INVALID_REPLICATION_FACTOR)
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('delete and re-create of one name, interleaved, leave exactly the last state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-topics-'))
  try {
    await withBroker(dir, { 'delete.topic.enable': 'true' }, async (b) => {
      const topics = b.context.topics
      await topics.createTopic({ name: 'flip', numPartitions: 2, replicationFactor: 1 })
      const del = topics.deleteTopic('flip')
      // The name is free as soon as the metadata forgets it; the old logs may still be going away.
      await new Promise((resolve) => setImmediate(resolve))
      const again = topics.createTopic({ name: 'flip', numPartitions: 3, replicationFactor: 1 })
      await del
      const r = await again
      assert.equal(r.topic!.partitions, 3)
      assert.deepEqual(partitionDirs(dir, 'flip'), ['flip-0', 'flip-1', 'flip-2'])
      assert.ok(existsSync(join(dir, 'flip-2')))
    })
    await withBroker(dir, { 'delete.topic.enable': 'false' }, async (b) => {
      await rejectsWith(b.context.topics.deleteTopic('flip'), ErrorCode.TOPIC_DELETION_DISABLED)
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('dynamic broker defaults reach existing and new partition logs; topic overrides still win', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-topics-'))
  try {
    await withBroker(dir, {}, async (b) => {
      const topics = b.context.topics
      await topics.createTopic({ name: 'old', numPartitions: 1, replicationFactor: 1 })
      await topics.createTopic({ name: 'pinned', numPartitions: 1, replicationFactor: 1, configs: { 'retention.ms': '5' } })
      const res = await b.context.configAdmin.alterIncremental(4, '1', [{ name: 'log.retention.ms', op: 0, value: '60000' }], false)
      assert.equal(res.errorCode, 0)
      await topics.createTopic({ name: 'new', numPartitions: 1, replicationFactor: 1 })
      await topics.createPartitions('old', 2, null)
      const retention = (t: string, p: number) => b.context.replicas.partition(t, p)?.config.retentionMs
      assert.deepEqual([retention('old', 0), retention('old', 1), retention('new', 0), retention('pinned', 0)], [60000, 60000, 60000, 5])
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
