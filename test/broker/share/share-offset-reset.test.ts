// share.auto.offset.reset=by_duration:<ISO-8601 duration> (KIP-1106): the duration parser accepts
// Java's Duration.parse form and refuses the rest (and negative durations); the start of a
// share-partition without state is the first record at most that long old, the high watermark
// when none is. Over the wire: the group config is validated, and a share group set to PT1H gets
// the recent records of a partition and not the two-hour-old ones.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { ShareFetchResponse } from '../../../src/protocol/generated/messages/share-fetch.ts'
import type { IncrementalAlterConfigsResponse } from '../../../src/protocol/generated/messages/incremental-alter-configs.ts'
import { parseIsoDurationMs, parseShareAutoOffsetReset, resetStartOffset } from '../../../src/broker/share/share-offset-reset.ts'
import { AdminRaw } from '../api/admin-client.ts'

test('ISO-8601 durations as Duration.parse reads them; by_duration validation', () => {
  const cases: [string, number][] = [
    ['PT1H', 3_600_000], ['P2D', 172_800_000], ['PT15M', 900_000], ['PT0.5S', 500], ['PT1.123456789S', 1123],
    ['P1DT2H3M4S', 86_400_000 + 7_200_000 + 180_000 + 4000], ['pt10s', 10_000], ['PT-1H30M', -1_800_000], ['-PT1H', -3_600_000],
  ]
  for (const [text, ms] of cases) assert.equal(parseIsoDurationMs(text), ms, text)
  for (const bad of ['P', 'PT', 'P1DT', '1H', 'PT1', 'P1W', 'P1Y', 'PT1.5H', '']) assert.throws(() => parseIsoDurationMs(bad), bad)
  assert.deepEqual(parseShareAutoOffsetReset('by_duration:PT1H'), { byDurationMs: 3_600_000 })
  assert.equal(parseShareAutoOffsetReset('earliest'), 'earliest')
  assert.throws(() => parseShareAutoOffsetReset('by_duration'), /missing/)
  assert.throws(() => parseShareAutoOffsetReset('by_duration:-PT1H'), /negative/)
  assert.throws(() => parseShareAutoOffsetReset('by_duration:soon'), /ISO-8601/)
  assert.throws(() => parseShareAutoOffsetReset('none'), /not earliest, latest/)
})

test('resetStartOffset: earliest, latest, the first record in the window, else the high watermark', async () => {
  const stamps = [1000, 2000, 3000, 4000] // offsets 10..13
  const source = {
    logStartOffset: 10, highWatermark: 14,
    offsetForTimestamp: async (ts: number) => {
      const i = stamps.findIndex((s) => s >= ts)
      return i < 0 ? undefined : { offset: 10 + i }
    },
  }
  assert.equal(await resetStartOffset('earliest', source, 5000), 10)
  assert.equal(await resetStartOffset('latest', source, 5000), 14)
  assert.equal(await resetStartOffset({ byDurationMs: 2500 }, source, 5000), 12)
  assert.equal(await resetStartOffset({ byDurationMs: 100_000 }, source, 5000), 10)
  assert.equal(await resetStartOffset({ byDurationMs: 500 }, source, 5000), 14)
})

test('wire: by_duration:PT1H is validated as a group config and starts a share-partition at the first record of the last hour', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-share-reset-'))
  const broker = await startBroker({ dataDir, config: { 'offsets.topic.num.partitions': 1, 'share.coordinator.state.topic.num.partitions': 1 } })
  const c = await AdminRaw.connect(broker.port)
  try {
    const alter = async (value: string) => (await c.call<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: 32, resourceName: 'recent', configs: [{ name: 'share.auto.offset.reset', configOperation: 0, value }] }], validateOnly: false,
    })).responses[0]!.errorCode
    for (const bad of ['by_duration', 'by_duration:', 'by_duration:-PT1H', 'by_duration:1h']) assert.equal(await alter(bad), ErrorCode.INVALID_CONFIG, bad)
    assert.equal(await alter('by_duration:PT1H'), ErrorCode.NONE)

    const created = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: 'd', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    })
    const topicId = created.topics[0]!.topicId
    const now = Date.now()
    // Offsets 0-2 two hours old, 3-4 ten minutes old.
    for (const [n, age] of [[3, 2 * 3_600_000], [2, 600_000]] as const) {
      const res = await c.call<ProduceResponse>(ApiKey.Produce, 9, {
        transactionalId: null, acks: -1, timeoutMs: 5000,
        topicData: [{ name: 'd', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [{ index: 0, records: buildRecordBatch({ records: Array.from({ length: n }, () => ({ key: null, value: Buffer.from('x'), timestamp: now - age })) }) }] }],
      })
      assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 0)
    }
    const res = await c.call<ShareFetchResponse>(ApiKey.ShareFetch, 1, {
      groupId: 'recent', memberId: 'm', shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 10, batchSize: 10,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, partitionMaxBytes: 0, acknowledgementBatches: [] }] }], forgottenTopicsData: [],
    })
    assert.deepEqual(res.responses[0]!.partitions[0]!.acquiredRecords.map((r) => [r.firstOffset, r.lastOffset]), [[3n, 4n]])
  } finally {
    c.close()
    await broker.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
