// Lag as the CLI and metrics will read it from a running broker: committed offset vs the
// partition's high watermark, per group and partition (group-of.ts wiring).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBroker } from '../../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../../src/broker/config/index.ts'
import { silentLogger } from '../../../../src/broker/logger.ts'
import { allLagOf, lagOf } from '../../../../src/broker/coordinator/group/group-of.ts'
import { buildRecordBatch } from '../../../../src/protocol/records/index.ts'
import { ErrorCode } from '../../../../src/protocol/errors.ts'

test('lagOf / allLagOf: high watermark minus committed offset per partition, through a running broker', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-lag-'))
  const config = new BrokerConfig(Object.entries({ listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dataDir, 'offsets.topic.num.partitions': 2 }))
  const b = await runBroker(config, { log: silentLogger() })
  try {
    const ctx = b.context
    await ctx.topics.createTopic({ name: 't', numPartitions: 2, replicationFactor: 1 })
    const records = (n: number) => buildRecordBatch({ baseTimestamp: Date.now(), records: Array.from({ length: n }, () => ({ key: null, value: Buffer.from('v'), timestamp: Date.now() })) })
    await ctx.replicas.partition('t', 0)!.appendAsLeader(records(10))
    await ctx.replicas.partition('t', 1)!.appendAsLeader(records(4))
    assert.equal(await ctx.coordinators.group.locate('g'), ErrorCode.NONE)
    const r = await ctx.coordinators.group.coordinator.commitOffsets({
      groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
      offsets: [{ topic: 't', partition: 0, offset: 3, leaderEpoch: -1, metadata: null }, { topic: 't', partition: 1, offset: 4, leaderEpoch: -1, metadata: null }],
    })
    assert.deepEqual(r.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.NONE])
    const lag = lagOf(ctx, 'g')
    assert.deepEqual(lag.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag]), [[0, 3, 10, 7], [1, 4, 4, 0]])
    assert.deepEqual([lag.state, lag.totalLag], ['Empty', 7])
    assert.deepEqual(allLagOf(ctx).map((g) => [g.groupId, g.totalLag]), [['g', 7]])
    assert.equal(lagOf(ctx, 'nobody').partitions.length, 0)
  } finally {
    await b.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
