import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BrokerConfig } from '../../src/broker/config/index.ts'
import { defaultLogConfig } from '../../src/broker/storage.ts'
import { startBroker } from '../../src/broker/index.ts'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

test('storage defaults come from broker keys through the topic table', () => {
  const d = defaultLogConfig(new BrokerConfig([
    ['log.retention.hours', '2'], ['log.segment.bytes', '4096'], ['log.cleanup.policy', 'compact,delete'],
    ['message.max.bytes', '5000'], ['log.flush.interval.messages', '1'],
  ]))
  assert.equal(d.retentionMs, 7_200_000)
  assert.equal(d.segmentBytes, 4096)
  assert.equal(d.cleanupPolicy, 'compact,delete')
  assert.equal(d.maxMessageBytes, 5000)
  assert.equal(d.flushMessages, 1)
  assert.equal(defaultLogConfig(new BrokerConfig()).flushMs, 1000)
})

test('startBroker opens storage in its data dir and close() shuts it down cleanly and removes the temp dir', async () => {
  const broker = await startBroker()
  const dir = broker.dataDir
  assert.ok(existsSync(join(dir, 'cluster-metadata.json')))
  assert.match(broker.bootstrap, /^127\.0\.0\.1:\d+$/)
  await broker.close()
  assert.equal(existsSync(dir), false)
})
