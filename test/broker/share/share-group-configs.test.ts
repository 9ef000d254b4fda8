// Per-group share settings (GROUP config resources, type 32) over the wire: DescribeConfigs shows
// the defaults, IncrementalAlterConfigs sets share.auto.offset.reset / share.delivery.count.limit
// (bad values and unknown keys are INVALID_CONFIG), and a share-partition created afterwards starts
// at the earliest offset; the overrides survive a restart.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { ShareFetchResponse } from '../../../src/protocol/generated/messages/share-fetch.ts'
import type { DescribeConfigsResponse } from '../../../src/protocol/generated/messages/describe-configs.ts'
import type { IncrementalAlterConfigsResponse } from '../../../src/protocol/generated/messages/incremental-alter-configs.ts'
import { AdminRaw } from '../api/admin-client.ts'

const GROUP_RESOURCE = 32

test('group configs: share.auto.offset.reset=earliest, validation, restart', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-share-cfg-'))
  let broker = await startBroker({ dataDir, config: { 'offsets.topic.num.partitions': 1, 'share.coordinator.state.topic.num.partitions': 1 } })
  let c = await AdminRaw.connect(broker.port)
  try {
    const describe = async () => {
      const r = await c.call<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: GROUP_RESOURCE, resourceName: 'early', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false })
      return Object.fromEntries(r.results[0]!.configs.map((e) => [e.name, [e.value, e.configSource]]))
    }
    const alter = async (configs: { name: string, configOperation: number, value: string | null }[]) =>
      (await c.call<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: GROUP_RESOURCE, resourceName: 'early', configs }], validateOnly: false })).responses[0]!.errorCode
    assert.deepEqual((await describe())['share.auto.offset.reset'], ['latest', 5])
    assert.deepEqual((await describe())['share.delivery.count.limit'], ['5', 5])
    assert.equal(await alter([{ name: 'share.auto.offset.reset', configOperation: 0, value: 'sometimes' }]), ErrorCode.INVALID_CONFIG)
    assert.equal(await alter([{ name: 'share.delivery.count.limit', configOperation: 0, value: '99' }]), ErrorCode.INVALID_CONFIG)
    assert.equal(await alter([{ name: 'share.no.such.key', configOperation: 0, value: '1' }]), ErrorCode.INVALID_CONFIG)
    assert.equal(await alter([{ name: 'share.auto.offset.reset', configOperation: 0, value: 'earliest' }, { name: 'share.delivery.count.limit', configOperation: 0, value: '4' }]), ErrorCode.NONE)
    assert.deepEqual((await describe())['share.auto.offset.reset'], ['earliest', 8])

    const created = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: 'e', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    })
    const topicId = created.topics[0]!.topicId
    const req = defaultProduceRequest()
    req.acks = -1
    req.timeoutMs = 5000
    req.topicData = [{ name: 'e', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [{ index: 0, records: buildRecordBatch({ records: [1, 2, 3].map(() => ({ key: null, value: Buffer.from('x'), timestamp: 1 })) }) }] }]
    assert.equal((await c.call<ProduceResponse>(ApiKey.Produce, 9, req)).responses[0]!.partitionResponses[0]!.errorCode, 0)

    // Restart: the override is still there; the share-partition starts at the earliest offset.
    c.close()
    await broker.close()
    broker = await startBroker({ dataDir, config: { 'offsets.topic.num.partitions': 1, 'share.coordinator.state.topic.num.partitions': 1 } })
    c = await AdminRaw.connect(broker.port)
    assert.deepEqual((await describe())['share.auto.offset.reset'], ['earliest', 8])
    const res = await c.call<ShareFetchResponse>(ApiKey.ShareFetch, 1, {
      groupId: 'early', memberId: 'm', shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 10, batchSize: 10,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, partitionMaxBytes: 0, acknowledgementBatches: [] }] }], forgottenTopicsData: [],
    })
    assert.deepEqual(res.responses[0]!.partitions[0]!.acquiredRecords.map((r) => [r.firstOffset, r.lastOffset]), [[0n, 2n]])
    assert.equal(await alter([{ name: 'share.auto.offset.reset', configOperation: 1, value: null }]), ErrorCode.NONE)
    assert.deepEqual((await describe())['share.auto.offset.reset'], ['latest', 5])
  } finally {
    c.close()
    await broker.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
