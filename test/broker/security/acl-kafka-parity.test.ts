// ACL checks found missing by the session 14 security audit, over raw requests as a SASL PLAIN user
// (exact error codes, as Kafka's KafkaApis answers them): the KIP-848 ConsumerGroupHeartbeat and
// KIP-932 ShareGroupHeartbeat (READ on the group, DESCRIBE on each subscribed topic),
// OffsetForLeaderEpoch (DESCRIBE on the topic unless CLUSTER_ACTION), ShareFetch (READ on the group
// and on each topic) and DescribeShareGroupOffsets (DESCRIBE on the group); refusals that do not
// tell which topics exist (Produce, Fetch and DeleteTopics check before looking the topic up) and
// CreateTopics keeping a new topic's settings from a principal without DESCRIBE_CONFIGS; and an
// ACL's host matching an IPv4 client of a dual-stack listener (`SASL_PLAINTEXT://:0`, where node
// sees `::ffff:127.0.0.1`).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { defaultConsumerGroupHeartbeatRequest } from '../../../src/protocol/generated/messages/consumer-group-heartbeat.ts'
import type { ConsumerGroupHeartbeatResponse } from '../../../src/protocol/generated/messages/consumer-group-heartbeat.ts'
import { defaultShareGroupHeartbeatRequest } from '../../../src/protocol/generated/messages/share-group-heartbeat.ts'
import type { ShareGroupHeartbeatResponse } from '../../../src/protocol/generated/messages/share-group-heartbeat.ts'
import { defaultOffsetForLeaderEpochRequest } from '../../../src/protocol/generated/messages/offset-for-leader-epoch.ts'
import type { OffsetForLeaderEpochResponse } from '../../../src/protocol/generated/messages/offset-for-leader-epoch.ts'
import { defaultShareFetchRequest } from '../../../src/protocol/generated/messages/share-fetch.ts'
import type { ShareFetchResponse } from '../../../src/protocol/generated/messages/share-fetch.ts'
import { defaultDescribeShareGroupOffsetsRequest } from '../../../src/protocol/generated/messages/describe-share-group-offsets.ts'
import type { DescribeShareGroupOffsetsResponse } from '../../../src/protocol/generated/messages/describe-share-group-offsets.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { defaultMetadataRequest } from '../../../src/protocol/generated/messages/metadata.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { Operation, PatternType, Permission, ResourceType } from '../../../src/broker/security/acl/acl.ts'
import { startAclBroker } from './acl-broker.ts'
import type { SecureBroker } from './secure-broker.ts'
import { rawAs } from './raw-sasl.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'

const allow = (resourceType: number, resourceName: string, operation: number, host = '*') => ({ resourceType, resourceName, patternType: PatternType.LITERAL,
  principal: 'User:alice', host, operation, permission: Permission.ALLOW })

describe('ACL checks on the member heartbeats, OffsetForLeaderEpoch and share groups', () => {
  let broker: SecureBroker
  const as = <T>(apiKey: number, version: number, body: unknown) => rawAs<T>(broker.port('SASL_PLAINTEXT'), 'alice', apiKey, version, body)

  before(async () => {
    broker = await startAclBroker(['admin', 'alice'], { 'num.partitions': '1' })
    const ctx = broker.running.context
    await ctx.topics.createTopic({ name: 'mine', numPartitions: 1, replicationFactor: 1 })
    await ctx.topics.createTopic({ name: 'secret', numPartitions: 1, replicationFactor: 1 })
    await ctx.security.acls!.apply([
      allow(ResourceType.TOPIC, 'mine', Operation.READ),
      allow(ResourceType.GROUP, 'g', Operation.READ),
      allow(ResourceType.GROUP, 'sg', Operation.READ),
    ], [])
  })
  after(async () => {
    await broker?.close()
  })

  it('ConsumerGroupHeartbeat: READ on the group, then DESCRIBE on every subscribed topic', async () => {
    const hb = (groupId: string, topics: string[]) => as<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, 0,
      { ...defaultConsumerGroupHeartbeatRequest(), groupId, rebalanceTimeoutMs: 30_000, subscribedTopicNames: topics, topicPartitions: [] })
    assert.equal((await hb('other', ['mine'])).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED)
    assert.equal((await hb('g', ['mine', 'secret'])).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
    const joined = await hb('g', ['mine'])
    assert.equal(joined.errorCode, ErrorCode.NONE)
    assert.ok(joined.memberEpoch > 0)
  })

  it('ShareGroupHeartbeat: READ on the group, then DESCRIBE on every subscribed topic', async () => {
    const hb = (groupId: string, topics: string[]) => as<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1,
      { ...defaultShareGroupHeartbeatRequest(), groupId, memberId: randomUUID(), subscribedTopicNames: topics })
    assert.equal((await hb('other', ['mine'])).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED)
    assert.equal((await hb('sg', ['secret'])).errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
    assert.equal((await hb('sg', ['mine'])).errorCode, ErrorCode.NONE)
  })

  it('OffsetForLeaderEpoch: DESCRIBE on the topic for a consumer', async () => {
    const res = await as<OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, 4, { ...defaultOffsetForLeaderEpochRequest(), topics: ['mine', 'secret'].map((topic) => ({
      topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }],
    })) })
    assert.deepEqual(res.topics.map((t) => [t.topic, t.partitions[0].errorCode]),
      [['mine', ErrorCode.NONE], ['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED]])
  })

  it('ShareFetch: READ on the group, then READ on each topic; DescribeShareGroupOffsets: DESCRIBE on the group', async () => {
    const topicId = (name: string) => broker.running.context.metadata.topic(name)!.topicId
    const fetch = (groupId: string, topic: string) => as<ShareFetchResponse>(ApiKey.ShareFetch, 1, { ...defaultShareFetchRequest(), groupId, memberId: randomUUID(),
      shareSessionEpoch: 0, maxWaitMs: 0, topics: [{ topicId: topicId(topic), partitions: [{ partitionIndex: 0, partitionMaxBytes: 0, acknowledgementBatches: [] }] }] })
    assert.equal((await fetch('other', 'mine')).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED)
    const refused = await fetch('sg', 'secret')
    assert.equal(refused.errorCode, ErrorCode.NONE)
    assert.equal(refused.responses[0].partitions[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
    const offsets = await as<DescribeShareGroupOffsetsResponse>(ApiKey.DescribeShareGroupOffsets, 0, { ...defaultDescribeShareGroupOffsetsRequest(),
      groups: [{ groupId: 'other', topics: null }] })
    assert.equal(offsets.groups[0].errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED)
  })
})

describe('ACL refusals that do not reveal topics; CreateTopics without DESCRIBE_CONFIGS', () => {
  let broker: SecureBroker
  const as = <T>(apiKey: number, version: number, body: unknown) => rawAs<T>(broker.port('SASL_PLAINTEXT'), 'alice', apiKey, version, body)
  before(async () => {
    broker = await startAclBroker(['admin', 'alice'], { 'num.partitions': '1', 'auto.create.topics.enable': 'false' })
    const ctx = broker.running.context
    await ctx.topics.createTopic({ name: 'mine', numPartitions: 1, replicationFactor: 1 })
    await ctx.topics.createTopic({ name: 'secret', numPartitions: 1, replicationFactor: 1 })
    await ctx.security.acls!.apply([allow(ResourceType.TOPIC, 'mine', Operation.READ), allow(ResourceType.TOPIC, 'made', Operation.CREATE)], [])
  })
  after(async () => {
    await broker?.close()
  })

  it('Produce: TOPIC_AUTHORIZATION_FAILED for a topic without WRITE, whether it exists or not', async () => {
    const records = buildRecordBatch({ records: [{ key: null, value: Buffer.from('x'), timestamp: Date.now() }] })
    const res = await as<{ responses: { name: string, partitionResponses: { errorCode: number }[] }[] }>(ApiKey.Produce, 9, {
      transactionalId: null, acks: -1, timeoutMs: 5000,
      topicData: ['secret', 'no-such-topic'].map((name) => ({ name, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] })),
    })
    assert.deepEqual(res.responses.map((t) => [t.name, t.partitionResponses[0].errorCode]),
      [['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED], ['no-such-topic', ErrorCode.TOPIC_AUTHORIZATION_FAILED]])
  })

  it('Fetch by name: TOPIC_AUTHORIZATION_FAILED for a topic without READ, whether it exists or not', async () => {
    const res = await as<FetchResponse>(ApiKey.Fetch, 12, { ...defaultFetchRequest(), maxWaitMs: 0, topics: ['secret', 'no-such-topic', 'mine'].map((topic) => ({
      topic, topicId: ZERO_UUID, partitions: [{ ...defaultFetchRequestFetchPartition(), partitionMaxBytes: 1024 }] })) })
    assert.deepEqual(res.responses.map((t) => [t.topic, t.partitions[0].errorCode]),
      [['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED], ['no-such-topic', ErrorCode.TOPIC_AUTHORIZATION_FAILED], ['mine', ErrorCode.NONE]])
  })

  it('DeleteTopics: TOPIC_AUTHORIZATION_FAILED without DESCRIBE whether the topic exists or not; by id, no name for a topic it may not describe', async () => {
    const secretId = broker.running.context.metadata.topic('secret')!.topicId
    const res = await as<{ responses: { name: string | null, topicId: string, errorCode: number }[] }>(ApiKey.DeleteTopics, 6, { timeoutMs: 5000, topicNames: [],
      topics: [{ name: 'no-such-topic', topicId: ZERO_UUID }, { name: 'mine', topicId: ZERO_UUID }, { name: null, topicId: secretId }] })
    assert.deepEqual(res.responses.map((r) => [r.name, r.errorCode]), [
      ['no-such-topic', ErrorCode.TOPIC_AUTHORIZATION_FAILED], ['mine', ErrorCode.TOPIC_AUTHORIZATION_FAILED], [null, ErrorCode.TOPIC_AUTHORIZATION_FAILED]])
    assert.ok(broker.running.context.metadata.topic('mine') && broker.running.context.metadata.topic('secret'))
  })

  it('CreateTopics with CREATE but not DESCRIBE_CONFIGS: created, its settings withheld (TopicConfigErrorCode)', async () => {
    const res = await as<{ topics: { name: string, errorCode: number, numPartitions: number, replicationFactor: number, topicConfigErrorCode: number, configs: unknown[] }[] }>(
      ApiKey.CreateTopics, 7, { timeoutMs: 5000, validateOnly: false, topics: [{ name: 'made', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }] })
    const [t] = res.topics
    assert.deepEqual([t.name, t.errorCode, t.numPartitions, t.replicationFactor, t.topicConfigErrorCode, t.configs.length],
      ['made', ErrorCode.NONE, -1, -1, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0])
    assert.equal(broker.running.context.metadata.topic('made')?.partitions, 2)
  })
})

describe('ACL hosts on a dual-stack listener', () => {
  let broker: SecureBroker
  before(async () => {
    // No host: node listens on `::` and an IPv4 client's address is `::ffff:127.0.0.1`.
    broker = await startAclBroker(['admin', 'alice'], { 'listeners': 'SASL_PLAINTEXT://:0', 'num.partitions': '1' })
    const ctx = broker.running.context
    await ctx.topics.createTopic({ name: 'local-only', numPartitions: 1, replicationFactor: 1 })
    await ctx.security.acls!.apply([allow(ResourceType.TOPIC, 'local-only', Operation.DESCRIBE, '127.0.0.1')], [])
  })
  after(async () => {
    await broker?.close()
  })

  it('an ACL for host 127.0.0.1 matches an IPv4 client, as in Kafka', async () => {
    const md = await rawAs<MetadataResponse>(broker.port('SASL_PLAINTEXT'), 'alice', ApiKey.Metadata, 12, { ...defaultMetadataRequest(),
      topics: [{ name: 'local-only', topicId: ZERO_UUID }], allowAutoTopicCreation: false })
    assert.equal(md.topics[0].errorCode, ErrorCode.NONE)
  })
})
