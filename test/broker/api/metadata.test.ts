import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { defaultMetadataRequest } from '../../../src/protocol/generated/messages/metadata.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import { AdminRaw } from './admin-client.ts'

let broker: Broker
let c: AdminRaw
before(async () => {
  broker = await startBroker({ config: { 'num.partitions': 3 } })
  c = await AdminRaw.connect(broker.port)
  const req = defaultCreateTopicsRequest()
  req.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'existing', numPartitions: 2, replicationFactor: 1 })]
  const res = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 4, req)
  assert.equal(res.topics[0].errorCode, 0)
})
after(async () => {
  c.close()
  await broker.close()
})

function metadata(topics: { name: string | null, topicId?: string }[] | null, allowAuto = true) {
  const req = defaultMetadataRequest()
  req.topics = topics === null ? null : topics.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID }))
  req.allowAutoTopicCreation = allowAuto
  return req
}

test('every version lists this node as broker, controller and leader of each partition', async () => {
  for (let v = 0; v <= 13; v++) {
    const res = await c.call<MetadataResponse>(ApiKey.Metadata, v, metadata([{ name: 'existing' }]))
    assert.equal(res.errorCode, ErrorCode.NONE, 'v13 adds a top-level error code; the default elsewhere')
    assert.equal(res.brokers.length, 1)
    assert.equal(res.brokers[0].port, broker.port)
    const t = res.topics[0]
    assert.equal(t.errorCode, 0, `v${v}`)
    assert.equal(t.name, 'existing')
    assert.deepEqual(t.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes, p.isrNodes]),
      [[0, 1, [1], [1]], [1, 1, [1], [1]]])
    if (v >= 1) assert.equal(res.controllerId, 1)
    if (v >= 2) assert.equal(typeof res.clusterId, 'string')
    if (v >= 8) assert.equal(t.topicAuthorizedOperations, -2147483648)
    if (v >= 10) assert.notEqual(t.topicId, ZERO_UUID)
  }
})

test('v0 empty list = all topics; v1+ null = all topics, empty list = none', async () => {
  const v0 = await c.call<MetadataResponse>(ApiKey.Metadata, 0, metadata([]))
  assert.ok(v0.topics.some((t) => t.name === 'existing'))
  const v1all = await c.call<MetadataResponse>(ApiKey.Metadata, 1, metadata(null))
  assert.ok(v1all.topics.some((t) => t.name === 'existing'))
  const v1none = await c.call<MetadataResponse>(ApiKey.Metadata, 1, metadata([]))
  assert.deepEqual(v1none.topics, [])
  const v12all = await c.call<MetadataResponse>(ApiKey.Metadata, 12, metadata(null))
  assert.ok(v12all.topics.some((t) => t.name === 'existing'))
})

test('unknown topics: auto-created with num.partitions unless the request (v4+) forbids it', async () => {
  const no = await c.call<MetadataResponse>(ApiKey.Metadata, 4, metadata([{ name: 'auto-no' }], false))
  assert.equal(no.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  const yes = await c.call<MetadataResponse>(ApiKey.Metadata, 4, metadata([{ name: 'auto-yes' }], true))
  assert.equal(yes.topics[0].errorCode, 0)
  assert.equal(yes.topics[0].partitions.length, 3)
  // v1-3 have no flag: creation is implied.
  const old = await c.call<MetadataResponse>(ApiKey.Metadata, 1, metadata([{ name: 'auto-old' }]))
  assert.equal(old.topics[0].errorCode, 0)
})

test('invalid names get INVALID_TOPIC_EXCEPTION and nothing is created', async () => {
  const bad = ['', '.', '..', 'a'.repeat(250), 'sp ace', 'ümlaut', 'a/b']
  const res = await c.call<MetadataResponse>(ApiKey.Metadata, 9, metadata(bad.map((name) => ({ name }))))
  assert.deepEqual(res.topics.map((t) => t.errorCode), bad.map(() => ErrorCode.INVALID_TOPIC_EXCEPTION))
  const all = await c.call<MetadataResponse>(ApiKey.Metadata, 9, metadata(null))
  assert.ok(all.topics.every((t) => !bad.includes(t.name!)))
})

test('v12 looks topics up by id; unknown ids get UNKNOWN_TOPIC_ID with a null name', async () => {
  const byName = await c.call<MetadataResponse>(ApiKey.Metadata, 12, metadata([{ name: 'existing' }]))
  const id = byName.topics[0].topicId
  const res = await c.call<MetadataResponse>(ApiKey.Metadata, 12, metadata([{ name: null, topicId: id }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }]))
  assert.equal(res.topics[0].name, 'existing')
  assert.equal(res.topics[0].errorCode, 0)
  assert.equal(res.topics[1].errorCode, ErrorCode.UNKNOWN_TOPIC_ID)
  assert.equal(res.topics[1].name, null)
})

test('authorized operations are reported only when asked for', async () => {
  const req = metadata([{ name: 'existing' }])
  req.includeTopicAuthorizedOperations = true
  req.includeClusterAuthorizedOperations = true
  const res = await c.call<MetadataResponse>(ApiKey.Metadata, 10, req)
  assert.notEqual(res.topics[0].topicAuthorizedOperations, -2147483648)
  assert.ok((res.topics[0].topicAuthorizedOperations & (1 << 3)) !== 0) // READ
  assert.notEqual(res.clusterAuthorizedOperations, -2147483648)
})

test('v10-11 cannot look topics up by id: a null name is INVALID_REQUEST; duplicates are answered once', async () => {
  for (const v of [10, 11]) {
    const res = await c.call<MetadataResponse>(ApiKey.Metadata, v, metadata([{ name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }]))
    assert.deepEqual(res.topics.map((t) => [t.name, t.errorCode]), [['', ErrorCode.INVALID_REQUEST]])
  }
  const dup = await c.call<MetadataResponse>(ApiKey.Metadata, 9, metadata([{ name: 'existing' }, { name: 'existing' }]))
  assert.deepEqual(dup.topics.map((t) => t.name), ['existing'])
})

test('auto-creation off in the broker config: unknown topics stay unknown whatever the client asks', async () => {
  const off = await startBroker({ config: { 'auto.create.topics.enable': false } })
  const c2 = await AdminRaw.connect(off.port)
  try {
    for (const v of [0, 4, 12]) {
      const res = await c2.call<MetadataResponse>(ApiKey.Metadata, v, metadata([{ name: `nope-${v}` }], true))
      assert.equal(res.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    }
    const all = await c2.call<MetadataResponse>(ApiKey.Metadata, 12, metadata(null))
    assert.deepEqual(all.topics, [])
  } finally {
    c2.close()
    await off.close()
  }
})
