import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultMetadataRequest } from '../../../src/protocol/generated/messages/metadata.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { defaultDeleteTopicsRequest } from '../../../src/protocol/generated/messages/delete-topics.ts'
import type { DeleteTopicsResponse } from '../../../src/protocol/generated/messages/delete-topics.ts'
import { defaultCreatePartitionsRequest } from '../../../src/protocol/generated/messages/create-partitions.ts'
import type { CreatePartitionsResponse } from '../../../src/protocol/generated/messages/create-partitions.ts'
import { defaultDescribeClusterRequest } from '../../../src/protocol/generated/messages/describe-cluster.ts'
import type { DescribeClusterResponse } from '../../../src/protocol/generated/messages/describe-cluster.ts'
import { AdminRaw } from './admin-client.ts'

let broker: Broker
let c: AdminRaw
before(async () => {
  broker = await startBroker()
  c = await AdminRaw.connect(broker.port)
})
after(async () => {
  c.close()
  await broker.close()
})

async function create(name: string, numPartitions = 1): Promise<string> {
  const req = defaultCreateTopicsRequest()
  req.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name, numPartitions, replicationFactor: 1 })]
  const res = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 7, req)
  assert.equal(res.topics[0].errorCode, 0, res.topics[0].errorMessage ?? '')
  return res.topics[0].topicId
}

async function partitionsOf(name: string): Promise<number | undefined> {
  const req = defaultMetadataRequest()
  req.topics = [{ name, topicId: ZERO_UUID }]
  req.allowAutoTopicCreation = false
  const res = await c.call<MetadataResponse>(ApiKey.Metadata, 12, req)
  return res.topics[0].errorCode === 0 ? res.topics[0].partitions.length : undefined
}

test('DeleteTopics by name in every version 0-5, unknown names get UNKNOWN_TOPIC_OR_PARTITION', async () => {
  for (let v = 0; v <= 5; v++) {
    await create(`del-${v}`)
    const req = defaultDeleteTopicsRequest()
    req.topicNames = [`del-${v}`, 'never-was']
    req.timeoutMs = 5000
    const res = await c.call<DeleteTopicsResponse>(ApiKey.DeleteTopics, v, req)
    assert.deepEqual(res.responses.map((r) => [r.name, r.errorCode]), [[`del-${v}`, 0], ['never-was', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]])
    assert.equal(await partitionsOf(`del-${v}`), undefined)
  }
})

test('DeleteTopics v6 by id and by name; unknown ids get UNKNOWN_TOPIC_ID; duplicates INVALID_REQUEST', async () => {
  const id = await create('by-id')
  await create('by-name')
  const req = defaultDeleteTopicsRequest()
  req.topics = [
    { name: null, topicId: id },
    { name: 'by-name', topicId: ZERO_UUID },
    { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
    { name: 'x', topicId: ZERO_UUID }, { name: 'x', topicId: ZERO_UUID },
  ]
  const res = await c.call<DeleteTopicsResponse>(ApiKey.DeleteTopics, 6, req)
  assert.deepEqual(res.responses.map((r) => [r.name, r.errorCode]), [
    ['by-id', 0], ['by-name', 0], [null, ErrorCode.UNKNOWN_TOPIC_ID], ['x', ErrorCode.INVALID_REQUEST], ['x', ErrorCode.INVALID_REQUEST],
  ])
  assert.equal(res.responses[0].topicId, id)
  // The name is free again, with a new id.
  assert.notEqual(await create('by-id'), id)
})

test('CreatePartitions grows topics; not-larger counts and bad assignments are refused; validateOnly changes nothing', async () => {
  await create('grow', 2)
  const call = async (version: number, topics: { name: string, count: number, assignments: { brokerIds: number[] }[] | null }[], validateOnly = false) => {
    const req = defaultCreatePartitionsRequest()
    req.topics = topics
    req.validateOnly = validateOnly
    req.timeoutMs = 5000
    return (await c.call<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, req)).results.map((r) => [r.name, r.errorCode])
  }
  assert.deepEqual(await call(0, [{ name: 'grow', count: 5, assignments: null }], true), [['grow', 0]])
  assert.equal(await partitionsOf('grow'), 2)
  for (let v = 0; v <= 3; v++) {
    assert.deepEqual(await call(v, [{ name: 'grow', count: 3 + v, assignments: null }]), [['grow', 0]])
    assert.equal(await partitionsOf('grow'), 3 + v)
  }
  assert.deepEqual(await call(3, [
    { name: 'grow', count: 6, assignments: null },
    { name: 'grow-nope', count: 9, assignments: null },
  ]), [['grow', ErrorCode.INVALID_PARTITIONS], ['grow-nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]])
  assert.deepEqual(await call(3, [{ name: 'grow', count: 1_000_000_000, assignments: null }]), [['grow', ErrorCode.INVALID_PARTITIONS]])
  assert.deepEqual(await call(3, [{ name: 'grow', count: 8, assignments: [{ brokerIds: [1] }] }]), [['grow', ErrorCode.INVALID_REPLICA_ASSIGNMENT]])
  assert.deepEqual(await call(3, [{ name: 'grow', count: 7, assignments: [{ brokerIds: [1] }] }]), [['grow', 0]])
  assert.equal(await partitionsOf('grow'), 7)
})

test('DescribeCluster v0-1 lists this node as broker and controller', async () => {
  for (let v = 0; v <= 1; v++) {
    const req = defaultDescribeClusterRequest()
    const res = await c.call<DescribeClusterResponse>(ApiKey.DescribeCluster, v, req)
    assert.equal(res.errorCode, 0)
    assert.equal(res.controllerId, 1)
    assert.deepEqual(res.brokers.map((b) => [b.brokerId, b.port]), [[1, broker.port]])
    assert.equal(res.clusterAuthorizedOperations, -2147483648)
  }
  const req = defaultDescribeClusterRequest()
  req.endpointType = 2
  assert.equal((await c.call<DescribeClusterResponse>(ApiKey.DescribeCluster, 1, req)).errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE)
})
