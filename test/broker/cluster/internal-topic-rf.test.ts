// An internal topic's replication factor (offsets.topic.replication.factor, 3 by default) is capped
// by the registered brokers. A single node always caps it, silently; the first broker of a cluster
// alone caps it too, and the topic then keeps RF 1 for good, so that is logged as a warning.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Logger } from 'pino'
import { runBroker, startCluster } from '../../../src/broker/index.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'

const CAPPED = 'internal topic replication factor capped by the live broker count'

const capturing = (): { log: Logger, warnings: { msg: string, topic?: string, configured?: number }[] } => {
  const warnings: { msg: string, topic?: string, configured?: number }[] = []
  return { warnings, log: pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line)) } }) }
}

test('the first broker of a cluster, alone, warns when it creates __consumer_offsets with a capped replication factor', { timeout: 60_000 }, async () => {
  const { log, warnings } = capturing()
  const cluster = await startCluster({ brokers: 1, logger: log, config: { 'offsets.topic.num.partitions': 2 } })
  try {
    const ctx = cluster.broker(0).running!.context
    await ctx.topics.ensureInternalTopic('__consumer_offsets')
    assert.deepEqual(ctx.metadata.image.partition('__consumer_offsets', 0)?.replicas, [0])
    const w = warnings.filter((x) => x.msg === CAPPED)
    assert.equal(w.length, 1, JSON.stringify(warnings))
    assert.equal(w[0]!.topic, '__consumer_offsets')
    assert.equal(w[0]!.configured, 3)
  } finally {
    await cluster.close()
  }
})

test('a single node caps __consumer_offsets to one replica without a warning', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-irf-'))
  const { log, warnings } = capturing()
  const b = await runBroker(new BrokerConfig(Object.entries({
    listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, 'offsets.topic.num.partitions': '2', 'admin.listeners': '',
  })), { log })
  try {
    await b.context.topics.ensureInternalTopic('__consumer_offsets')
    assert.deepEqual(b.context.metadata.image.partition('__consumer_offsets', 0)?.replicas, [1])
    assert.deepEqual(warnings.filter((x) => x.msg === CAPPED), [])
  } finally {
    await b.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
