import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BrokerConfig } from '../../src/broker/config/index.ts'
import { ConfigError, logConfigOf } from '../../src/broker/config/index.ts'
import { startBroker } from '../../src/broker/index.ts'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

test('storage defaults come from broker keys through the topic table', () => {
  const d = logConfigOf(new BrokerConfig([
    ['log.retention.hours', '2'], ['log.segment.bytes', '4096'], ['log.cleanup.policy', 'compact,delete'],
    ['message.max.bytes', '5000'], ['log.flush.interval.messages', '1'],
  ]))
  assert.equal(d.retentionMs, 7_200_000)
  assert.equal(d.segmentBytes, 4096)
  assert.equal(d.cleanupPolicy, 'compact,delete')
  assert.equal(d.maxMessageBytes, 5000)
  assert.equal(d.flushMessages, 1)
  assert.equal(logConfigOf(new BrokerConfig()).flushMs, 1000)
})

test('topic overrides win over broker defaults and are validated by the topic table', () => {
  const broker = new BrokerConfig([['log.retention.hours', '2']])
  assert.equal(logConfigOf(broker, { 'retention.ms': '3600000' }).retentionMs, 3_600_000)
  assert.equal(logConfigOf(broker, { 'cleanup.policy': 'delete,compact' }).cleanupPolicy, 'compact,delete')
  assert.equal(logConfigOf(broker, { 'max.compaction.lag.ms': '9223372036854775807' }).maxCompactionLagMs, Number.MAX_SAFE_INTEGER)
  for (const [key, value] of [['segment.bytes', 'lots'], ['cleanup.policy', 'shred'], ['cleanup.policy', ''], ['min.cleanable.dirty.ratio', '2'], ['segment.byts', '1']]) {
    assert.throws(() => logConfigOf(broker, { [key]: value }), (e: Error) => e instanceof ConfigError && e.message.startsWith(key), `${key}=${value}`)
  }
})

test('startBroker opens storage in its data dir and close() shuts it down cleanly and removes the temp dir', async () => {
  const broker = await startBroker()
  const dir = broker.dataDir
  assert.ok(existsSync(join(dir, 'cluster-metadata.json')))
  assert.match(broker.bootstrap, /^127\.0\.0\.1:\d+$/)
  await broker.close()
  assert.equal(existsSync(dir), false)
})
