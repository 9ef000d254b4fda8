// The versions Kafka 4.4 added, over the wire: what each new version means (topic ids instead of
// names, new ListOffsets specs, new error semantics), and that the old versions stay served.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { defaultApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions.ts'
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions.ts'
import { defaultMetadataRequest } from '../../../src/protocol/generated/messages/metadata.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition, defaultFetchRequestFetchTopic } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { defaultListOffsetsRequest } from '../../../src/protocol/generated/messages/list-offsets.ts'
import type { ListOffsetsResponse } from '../../../src/protocol/generated/messages/list-offsets.ts'
import { defaultOffsetCommitRequest, defaultOffsetCommitRequestOffsetCommitRequestPartition } from '../../../src/protocol/generated/messages/offset-commit.ts'
import type { OffsetCommitResponse } from '../../../src/protocol/generated/messages/offset-commit.ts'
import { defaultOffsetFetchRequest } from '../../../src/protocol/generated/messages/offset-fetch.ts'
import type { OffsetFetchResponse } from '../../../src/protocol/generated/messages/offset-fetch.ts'
import { defaultDescribeGroupsRequest } from '../../../src/protocol/generated/messages/describe-groups.ts'
import type { DescribeGroupsResponse } from '../../../src/protocol/generated/messages/describe-groups.ts'
import { defaultListTransactionsRequest } from '../../../src/protocol/generated/messages/list-transactions.ts'
import type { ListTransactionsResponse } from '../../../src/protocol/generated/messages/list-transactions.ts'
import { defaultInitProducerIdRequest } from '../../../src/protocol/generated/messages/init-producer-id.ts'
import type { InitProducerIdResponse } from '../../../src/protocol/generated/messages/init-producer-id.ts'
import { AdminRaw } from './admin-client.ts'

const UNKNOWN_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
let broker: Broker
let c: AdminRaw
let topicId: string
let clusterId: string
let nodeId: number

before(async () => {
  broker = await startBroker({ config: { 'num.partitions': 2 } })
  c = await AdminRaw.connect(broker.port)
  const req = defaultMetadataRequest()
  req.topics = [{ name: 'k44', topicId: ZERO_UUID }]
  req.allowAutoTopicCreation = true
  const md = await c.call<MetadataResponse>(ApiKey.Metadata, 12, req)
  topicId = md.topics[0].topicId
  clusterId = md.clusterId!
  nodeId = md.brokers[0].nodeId
  assert.notEqual(topicId, ZERO_UUID)
})
after(async () => {
  c.close()
  await broker.close()
})

test('ApiVersions advertises the 4.4 maxima and still every old version from 0', async () => {
  const res = await c.call<ApiVersionsResponse>(ApiKey.ApiVersions, 5, defaultApiVersionsRequest())
  const range = new Map(res.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]))
  const expected: [number, number][] = [
    [ApiKey.Produce, 13], [ApiKey.Fetch, 18], [ApiKey.ListOffsets, 11], [ApiKey.Metadata, 13], [ApiKey.OffsetCommit, 10],
    [ApiKey.OffsetFetch, 10], [ApiKey.DescribeGroups, 6], [ApiKey.ApiVersions, 5], [ApiKey.DeleteGroups, 3],
    [ApiKey.DescribeLogDirs, 5], [ApiKey.DescribeCluster, 2], [ApiKey.ListTransactions, 2],
  ]
  for (const [key, max] of expected) assert.deepEqual(range.get(key), [0, max], `api key ${key}`)
  // InitProducerId v6 is unstable in 4.4: not advertised.
  assert.equal(range.get(ApiKey.InitProducerId)![1], 5)
})

test('ApiVersions v5 (KIP-1242): a client that means another cluster or node is told to rebootstrap', async () => {
  const ask = async (clusterId: string | null, nodeId: number) => {
    const body = defaultApiVersionsRequest()
    body.clusterId = clusterId
    body.nodeId = nodeId
    return c.call<ApiVersionsResponse>(ApiKey.ApiVersions, 5, body)
  }
  const ok = await ask(clusterId, nodeId)
  assert.equal(ok.errorCode, ErrorCode.NONE)
  assert.ok(ok.apiKeys.length > 10)
  assert.equal((await ask(null, -1)).errorCode, ErrorCode.NONE, 'no cluster id: no check')
  const otherCluster = await ask('some-other-cluster-id', nodeId)
  assert.equal(otherCluster.errorCode, ErrorCode.REBOOTSTRAP_REQUIRED)
  assert.deepEqual(otherCluster.apiKeys, [])
  assert.equal((await ask(clusterId, nodeId + 1)).errorCode, ErrorCode.REBOOTSTRAP_REQUIRED)
})

function produce(version: number, topic: { name: string, topicId: string }, partition: number, value: string) {
  const req = defaultProduceRequest()
  req.acks = -1
  req.timeoutMs = 5000
  req.topicData = [{ ...topic, partitionData: [{ index: partition, records: buildRecordBatch({ records: [{ value: Buffer.from(value), timestamp: Date.now() }] }) }] }]
  return c.call<ProduceResponse>(ApiKey.Produce, version, req)
}

test('Produce v13 names topics by id: appends, echoes the id with no name; an unknown id is UNKNOWN_TOPIC_ID', async () => {
  const before = await produce(11, { name: 'k44', topicId: ZERO_UUID }, 0, 'by-name')
  assert.equal(before.responses[0].partitionResponses[0].errorCode, ErrorCode.NONE)
  for (const v of [12, 13]) {
    const res = await produce(v, v === 13 ? { name: '', topicId } : { name: 'k44', topicId: ZERO_UUID }, 0, `v${v}`)
    const t = res.responses[0]
    assert.equal(t.partitionResponses[0].errorCode, ErrorCode.NONE, `v${v}`)
    assert.equal(t.partitionResponses[0].baseOffset, before.responses[0].partitionResponses[0].baseOffset + BigInt(v - 11))
    if (v === 13) assert.deepEqual([t.name, t.topicId], ['', topicId])
  }
  const unknown = await produce(13, { name: '', topicId: UNKNOWN_ID }, 0, 'lost')
  assert.deepEqual([unknown.responses[0].topicId, unknown.responses[0].partitionResponses[0].errorCode], [UNKNOWN_ID, ErrorCode.UNKNOWN_TOPIC_ID])
  const badPartition = await produce(13, { name: '', topicId }, 7, 'lost')
  assert.equal(badPartition.responses[0].partitionResponses[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
})

test('Fetch v18 reads by topic id like v17', async () => {
  await produce(13, { name: '', topicId }, 1, 'fetch-me')
  for (const v of [17, 18]) {
    const req = defaultFetchRequest()
    req.maxWaitMs = 0
    req.maxBytes = 1 << 20
    const t = defaultFetchRequestFetchTopic()
    t.topicId = topicId
    t.partitions = [Object.assign(defaultFetchRequestFetchPartition(), { partition: 1, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })]
    req.topics = [t]
    const res = await c.call<FetchResponse>(ApiKey.Fetch, v, req)
    const p = res.responses[0].partitions[0]
    assert.equal(res.responses[0].topicId, topicId)
    assert.equal(p.errorCode, ErrorCode.NONE, `v${v}`)
    assert.ok(p.records !== null && p.records.includes(Buffer.from('fetch-me')), `v${v}`)
  }
})

test('ListOffsets v11: EARLIEST_PENDING_UPLOAD (-6) is "none" without tiered storage; before v11 it is UNSUPPORTED_VERSION', async () => {
  const list = async (version: number, timestamp: bigint) => {
    const req = defaultListOffsetsRequest()
    req.replicaId = -1
    req.topics = [{ name: 'k44', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }]
    return (await c.call<ListOffsetsResponse>(ApiKey.ListOffsets, version, req)).topics[0].partitions[0]
  }
  const pending = await list(11, -6n)
  assert.deepEqual([pending.errorCode, pending.offset, pending.timestamp, pending.leaderEpoch], [ErrorCode.NONE, -1n, -1n, -1])
  assert.equal((await list(10, -6n)).errorCode, ErrorCode.UNSUPPORTED_VERSION)
  assert.equal((await list(11, -7n)).errorCode, ErrorCode.UNSUPPORTED_VERSION)
  const latest = await list(11, -1n)
  assert.equal(latest.errorCode, ErrorCode.NONE)
  assert.ok(latest.offset >= 3n)
})

test('OffsetCommit / OffsetFetch v10 use topic ids; unknown ids are UNKNOWN_TOPIC_ID and commit nothing', async () => {
  const commit = defaultOffsetCommitRequest()
  commit.groupId = 'k44-group'
  const part = (i: number, offset: bigint) => Object.assign(defaultOffsetCommitRequestOffsetCommitRequestPartition(), { partitionIndex: i, committedOffset: offset })
  commit.topics = [{ name: '', topicId, partitions: [part(0, 2n), part(1, 1n)] }, { name: '', topicId: UNKNOWN_ID, partitions: [part(0, 5n)] }]
  const res = await c.call<OffsetCommitResponse>(ApiKey.OffsetCommit, 10, commit)
  assert.deepEqual(res.topics.map((t) => [t.name, t.topicId, t.partitions.map((p) => p.errorCode)]),
    [['', topicId, [0, 0]], ['', UNKNOWN_ID, [ErrorCode.UNKNOWN_TOPIC_ID]]])

  const fetch = defaultOffsetFetchRequest()
  fetch.groups = [{ groupId: 'k44-group', memberId: null, memberEpoch: -1, topics: [{ name: '', topicId, partitionIndexes: [0, 1] }, { name: '', topicId: UNKNOWN_ID, partitionIndexes: [0] }] }]
  const got = await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 10, fetch)
  const g = got.groups[0]
  assert.equal(g.errorCode, ErrorCode.NONE)
  assert.deepEqual(g.topics.map((t) => [t.name, t.topicId, t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode])]), [
    ['', topicId, [[0, 2n, 0], [1, 1n, 0]]],
    ['', UNKNOWN_ID, [[0, -1n, ErrorCode.UNKNOWN_TOPIC_ID]]],
  ])
  // All topics (null): answered with ids; v9 with names, as before.
  fetch.groups = [{ groupId: 'k44-group', memberId: null, memberEpoch: -1, topics: null }]
  const all10 = (await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 10, fetch)).groups[0].topics
  assert.deepEqual(all10.map((t) => [t.name, t.topicId]), [['', topicId]])
  const all9 = (await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 9, fetch)).groups[0].topics
  assert.deepEqual(all9.map((t) => t.name), ['k44'])
})

test('DescribeGroups v6 (KIP-1043): an unknown group is GROUP_ID_NOT_FOUND; before v6 an empty Dead group', async () => {
  const req = defaultDescribeGroupsRequest()
  req.groups = ['no-such-group', 'k44-group']
  const v6 = await c.call<DescribeGroupsResponse>(ApiKey.DescribeGroups, 6, req)
  assert.deepEqual(v6.groups.map((g) => [g.groupId, g.errorCode, g.errorMessage, g.groupState]), [
    ['no-such-group', ErrorCode.GROUP_ID_NOT_FOUND, 'Group no-such-group not found.', 'Dead'],
    ['k44-group', ErrorCode.NONE, null, 'Empty'],
  ])
  const v5 = await c.call<DescribeGroupsResponse>(ApiKey.DescribeGroups, 5, req)
  assert.deepEqual(v5.groups.map((g) => [g.groupId, g.errorCode, g.groupState]), [['no-such-group', ErrorCode.NONE, 'Dead'], ['k44-group', ErrorCode.NONE, 'Empty']])
})

test('ListTransactions v2 (KIP-1152): ids filtered by a whole-id pattern; one that does not compile is INVALID_REGULAR_EXPRESSION', async () => {
  for (const id of ['tx-a', 'tx-b', 'other-tx-c']) {
    const init = defaultInitProducerIdRequest()
    init.transactionalId = id
    init.transactionTimeoutMs = 60000
    assert.equal((await c.call<InitProducerIdResponse>(ApiKey.InitProducerId, 4, init)).errorCode, ErrorCode.NONE)
  }
  const req = defaultListTransactionsRequest()
  req.transactionalIdPattern = '(unclosed'
  const bad = await c.call<ListTransactionsResponse>(ApiKey.ListTransactions, 2, req)
  assert.equal(bad.errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION)
  const ids = async (version: number, pattern: string | null) => {
    req.transactionalIdPattern = pattern
    const res = await c.call<ListTransactionsResponse>(ApiKey.ListTransactions, version, req)
    assert.equal(res.errorCode, ErrorCode.NONE)
    return res.transactionStates.map((t) => t.transactionalId).sort()
  }
  assert.deepEqual(await ids(2, 'tx-.*'), ['tx-a', 'tx-b'], 'the whole id must match')
  assert.deepEqual(await ids(2, ''), ['other-tx-c', 'tx-a', 'tx-b'])
  assert.deepEqual(await ids(2, null), ['other-tx-c', 'tx-a', 'tx-b'])
  assert.deepEqual(await ids(1, null), ['other-tx-c', 'tx-a', 'tx-b'])
})
