// The share-group offset admin APIs over the wire: DescribeShareGroupOffsets (start offsets, -1
// before a share-partition is initialized, lag), AlterShareGroupOffsets (only on an empty group;
// the next fetch starts there), DeleteShareGroupOffsets, DeleteGroups removing the share state,
// and their errors.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { ShareFetchResponse } from '../../../src/protocol/generated/messages/share-fetch.ts'
import type { ShareGroupHeartbeatResponse } from '../../../src/protocol/generated/messages/share-group-heartbeat.ts'
import type { DescribeShareGroupOffsetsResponse } from '../../../src/protocol/generated/messages/describe-share-group-offsets.ts'
import type { AlterShareGroupOffsetsResponse } from '../../../src/protocol/generated/messages/alter-share-group-offsets.ts'
import type { DeleteShareGroupOffsetsResponse } from '../../../src/protocol/generated/messages/delete-share-group-offsets.ts'
import type { DeleteGroupsResponse } from '../../../src/protocol/generated/messages/delete-groups.ts'
import type { DeleteTopicsResponse } from '../../../src/protocol/generated/messages/delete-topics.ts'
import { AdminRaw } from '../api/admin-client.ts'

const G = 'admin-q'

test('share-group offsets: describe, alter, delete, errors', { timeout: 30_000 }, async () => {
  const broker = await startBroker({ config: { 'offsets.topic.num.partitions': 1, 'share.coordinator.state.topic.num.partitions': 1 } })
  const c = await AdminRaw.connect(broker.port)
  try {
    const created = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: 'ot', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    })
    const topicId = created.topics[0]!.topicId
    const produce = async (n: number) => {
      const req = defaultProduceRequest()
      req.acks = -1
      req.timeoutMs = 5000
      req.topicData = [{ name: 'ot', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [{ index: 0, records: buildRecordBatch({ records: Array.from({ length: n }, () => ({ key: null, value: Buffer.from('v'), timestamp: 1 })) }) }] }]
      assert.equal((await c.call<ProduceResponse>(ApiKey.Produce, 9, req)).responses[0]!.partitionResponses[0]!.errorCode, 0)
    }
    const beat = (memberEpoch: number) => c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: G, memberId: 'm', memberEpoch, rackId: null, subscribedTopicNames: memberEpoch === 0 ? ['ot'] : null })
    const fetch = (epoch: number) => c.call<ShareFetchResponse>(ApiKey.ShareFetch, 1, {
      groupId: G, memberId: 'm', shareSessionEpoch: epoch, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, partitionMaxBytes: 0, acknowledgementBatches: [] }] }], forgottenTopicsData: [],
    })
    const describe = (topics: { topicName: string, partitions: number[] }[] | null, version = 1) =>
      c.call<DescribeShareGroupOffsetsResponse>(ApiKey.DescribeShareGroupOffsets, version, { groups: [{ groupId: G, topics }] })
    const alter = (offset: bigint, topicName = 'ot') => c.call<AlterShareGroupOffsetsResponse>(ApiKey.AlterShareGroupOffsets, 0, { groupId: G, topics: [{ topicName, partitions: [{ partitionIndex: 0, startOffset: offset }] }] })

    // Not a share group yet.
    assert.equal((await describe(null)).groups[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
    assert.equal((await alter(0n)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND)

    await produce(5)
    assert.equal((await beat(0)).errorCode, 0)
    let d = await describe([{ topicName: 'ot', partitions: [0, 1, 7] }])
    assert.deepEqual(d.groups[0]!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.startOffset, p.errorCode]),
      [[0, -1n, 0], [1, -1n, 0], [7, -1n, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]], 'not initialized yet')
    // The first fetch initializes partition 0 at the log end (latest); 3 more records are then acquired.
    assert.equal((await fetch(0)).errorCode, 0)
    await produce(3)
    const got = await fetch(1)
    assert.deepEqual(got.responses[0]!.partitions[0]!.acquiredRecords.map((r) => [r.firstOffset, r.lastOffset]), [[5n, 7n]], JSON.stringify(got, (_k, v) => typeof v === 'bigint' ? String(v) : v))
    d = await describe(null)
    // All offsets: the partitions the group's ShareGroupStatePartitionMetadata names (partition 1 never fetched: -1).
    assert.deepEqual(d.groups[0]!.topics.map((t) => [t.topicName, t.partitions.map((p) => [p.partitionIndex, p.startOffset, p.lag])]), [['ot', [[0, 5n, 3n], [1, -1n, -1n]]]])

    // Altering needs an empty group.
    assert.equal((await alter(0n)).errorCode, ErrorCode.NON_EMPTY_GROUP)
    assert.equal((await beat(1)).errorCode, 0)
    assert.equal((await c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: G, memberId: 'm', memberEpoch: -1, rackId: null, subscribedTopicNames: null })).errorCode, 0)
    const altered = await alter(1n)
    assert.deepEqual([altered.errorCode, altered.responses[0]!.partitions[0]!.errorCode], [0, 0])
    assert.equal((await alter(0n, 'missing')).responses[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    assert.equal((await alter(-5n)).responses[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await describe(null, 0)).groups[0]!.topics[0]!.partitions[0]!.startOffset, 1n)
    // The next fetch starts at the altered offset.
    const rejoined = await beat(0)
    assert.equal(rejoined.errorCode, 0)
    const from1 = await fetch(0)
    assert.deepEqual(from1.responses[0]!.partitions[0]!.acquiredRecords.map((r) => [r.firstOffset, r.lastOffset, r.deliveryCount]), [[1n, 7n, 1]])
    assert.equal((await c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: G, memberId: 'm', memberEpoch: rejoined.memberEpoch, rackId: null, subscribedTopicNames: null })).errorCode, 0)

    // Delete: refused with members; then the state is gone (-1 again).
    const del = () => c.call<DeleteShareGroupOffsetsResponse>(ApiKey.DeleteShareGroupOffsets, 0, { groupId: G, topics: [{ topicName: 'ot' }, { topicName: 'missing' }] })
    assert.equal((await del()).errorCode, ErrorCode.NON_EMPTY_GROUP)
    await c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: G, memberId: 'm', memberEpoch: -1, rackId: null, subscribedTopicNames: null })
    const deleted = await del()
    assert.deepEqual(deleted.responses.map((r) => [r.topicName, r.errorCode]), [['ot', 0], ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]])
    assert.deepEqual((await describe(null)).groups[0]!.topics, [])

    // DeleteGroups removes the share group and its state.
    await beat(0)
    await fetch(0)
    await c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: G, memberId: 'm', memberEpoch: -1, rackId: null, subscribedTopicNames: null })
    assert.equal((await describe(null)).groups[0]!.topics.length, 1)
    const dg = await c.call<DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: [G] })
    assert.equal(dg.results[0]!.errorCode, 0)
    assert.equal((await describe(null)).groups[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
    await beat(0)
    const fresh = (await describe(null)).groups[0]!.topics
    assert.deepEqual(fresh.map((t) => [t.topicName, t.partitions.map((p) => p.startOffset)]), [['ot', [-1n, -1n]]], 'a new group of the same id starts without state')

    // Deleting the topic deletes its share state.
    await fetch(0)
    assert.equal((await describe(null)).groups[0]!.topics.length, 1)
    const dt = await c.call<DeleteTopicsResponse>(ApiKey.DeleteTopics, 6, { topics: [{ name: 'ot', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], topicNames: [], timeoutMs: 5000 })
    assert.equal(dt.responses[0]!.errorCode, 0)
    assert.deepEqual((await describe(null)).groups[0]!.topics, [])
  } finally {
    c.close()
    await broker.close()
  }
})
