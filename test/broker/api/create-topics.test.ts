import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse, CreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultMetadataRequest } from '../../../src/protocol/generated/messages/metadata.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { AdminRaw } from './admin-client.ts'

let broker: Broker
let c: AdminRaw
before(async () => {
  broker = await startBroker({ config: { 'num.partitions': 2 } })
  c = await AdminRaw.connect(broker.port)
})
after(async () => {
  c.close()
  await broker.close()
})

function topic(name: string, fields: Partial<CreateTopicsRequestCreatableTopic> = {}): CreateTopicsRequestCreatableTopic {
  return Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name, numPartitions: 1, replicationFactor: 1 }, fields)
}

async function create(version: number, topics: CreateTopicsRequestCreatableTopic[], validateOnly = false): Promise<CreateTopicsResponse> {
  const req = defaultCreateTopicsRequest()
  req.topics = topics
  req.validateOnly = validateOnly
  req.timeoutMs = 5000
  return c.call<CreateTopicsResponse>(ApiKey.CreateTopics, version, req)
}

async function exists(name: string): Promise<boolean> {
  const req = defaultMetadataRequest()
  req.topics = null
  const res = await c.call<MetadataResponse>(ApiKey.Metadata, 9, req)
  return res.topics.some((t) => t.name === name)
}

test('every version creates a topic; v5+ reports partitions, replication factor and configs; v7 the id', async () => {
  for (let v = 0; v <= 7; v++) {
    const res = await create(v, [topic(`t-v${v}`, { numPartitions: 3, configs: [{ name: 'retention.ms', value: '1000' }] })])
    const r = res.topics[0]
    assert.equal(r.errorCode, 0, `v${v}: ${r.errorMessage}`)
    if (v >= 5) {
      assert.equal(r.numPartitions, 3)
      assert.equal(r.replicationFactor, 1)
      const ret = r.configs!.find((e) => e.name === 'retention.ms')!
      assert.equal(ret.value, '1000')
      assert.equal(ret.configSource, 1) // DYNAMIC_TOPIC_CONFIG
      assert.equal(r.configs!.find((e) => e.name === 'cleanup.policy')!.configSource, 5) // DEFAULT_CONFIG
    }
    if (v >= 7) assert.notEqual(r.topicId, ZERO_UUID)
    assert.ok(await exists(`t-v${v}`))
  }
})

test('-1 partitions and replication factor take the broker defaults', async () => {
  const res = await create(5, [topic('defaults', { numPartitions: -1, replicationFactor: -1 })])
  assert.equal(res.topics[0].errorCode, 0)
  assert.equal(res.topics[0].numPartitions, 2)
  assert.equal(res.topics[0].replicationFactor, 1)
})

test('bad input gets Kafka error codes per topic, the good topics in the same request are still created', async () => {
  const res = await create(4, [
    topic('ok-one'),
    topic('bad name'),
    topic('a'.repeat(250)),
    topic('.'),
    topic('zero-parts', { numPartitions: 0 }),
    topic('huge-parts', { numPartitions: 2_000_000_000 }),
    topic('rf3', { replicationFactor: 3 }),
    topic('rf0', { replicationFactor: 0 }),
    topic('bad-config', { configs: [{ name: 'no.such.config', value: '1' }] }),
    topic('bad-value', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
    topic('null-value', { configs: [{ name: 'retention.ms', value: null }] }),
    topic('dup'), topic('dup'),
    topic('assign-bad', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [7] }] }),
    topic('assign-both', { assignments: [{ partitionIndex: 0, brokerIds: [1] }] }),
  ])
  assert.deepEqual(res.topics.map((t) => [t.name.slice(0, 12), t.errorCode]), [
    ['ok-one', 0],
    ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['aaaaaaaaaaaa', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['.', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['zero-parts', ErrorCode.INVALID_PARTITIONS],
    ['huge-parts', ErrorCode.INVALID_PARTITIONS],
    ['rf3', ErrorCode.INVALID_REPLICATION_FACTOR],
    ['rf0', ErrorCode.INVALID_REPLICATION_FACTOR],
    ['bad-config', ErrorCode.INVALID_CONFIG],
    ['bad-value', ErrorCode.INVALID_CONFIG],
    ['null-value', ErrorCode.INVALID_CONFIG],
    ['dup', ErrorCode.INVALID_REQUEST],
    ['dup', ErrorCode.INVALID_REQUEST],
    ['assign-bad', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ['assign-both', ErrorCode.INVALID_REQUEST],
  ])
  assert.match(res.topics[9].errorMessage!, /retention\.ms/)
  assert.ok(await exists('ok-one'))
  for (const n of ['bad-config', 'dup', 'rf3', 'huge-parts']) assert.equal(await exists(n), false, n)
})

test('existing names and "."/"_" collisions are refused', async () => {
  assert.equal((await create(3, [topic('my.topic')])).topics[0].errorCode, 0)
  assert.equal((await create(3, [topic('my.topic')])).topics[0].errorCode, ErrorCode.TOPIC_ALREADY_EXISTS)
  const clash = (await create(3, [topic('my_topic')])).topics[0]
  assert.equal(clash.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION)
  assert.match(clash.errorMessage!, /collides/)
})

test('validateOnly checks but creates nothing', async () => {
  const ok = await create(5, [topic('vo', { numPartitions: 4 })], true)
  assert.equal(ok.topics[0].errorCode, 0)
  assert.equal(ok.topics[0].numPartitions, 4)
  assert.equal(await exists('vo'), false)
  const bad = await create(5, [topic('vo', { numPartitions: -5 })], true)
  assert.equal(bad.topics[0].errorCode, ErrorCode.INVALID_PARTITIONS)
})

test('a manual assignment on this node is accepted', async () => {
  const res = await create(4, [topic('assigned', { numPartitions: -1, replicationFactor: -1,
    assignments: [{ partitionIndex: 1, brokerIds: [1] }, { partitionIndex: 0, brokerIds: [1] }] })])
  assert.equal(res.topics[0].errorCode, 0)
})
