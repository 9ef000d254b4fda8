// DescribeTopicPartitions (KIP-966) on a two-broker cluster: topics sorted by name with leaders,
// epochs, replicas, ISR and offline replicas; unknown and illegal names; the partition limit and
// the cursor paging through every topic; a cursor outside the named topics; a stopped broker's
// replicas listed offline. Kafka's AdminClient describes topics with it when it is offered.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import type { DescribeTopicPartitionsResponse } from '../../../src/protocol/generated/messages/describe-topic-partitions.ts'
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions.ts'
import { channelTo, createTopic, topicIdOf, until } from '../replica/cluster-helpers.ts'

type Cursor = { topicName: string, partitionIndex: number } | null

describe('DescribeTopicPartitions', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({ brokers: 2 })
    await createTopic(cluster, 'dtp-b', 2, 2)
    await createTopic(cluster, 'dtp-a', 3, 1)
  })
  after(async () => {
    await cluster?.close()
  })

  const describeTopics = async (topics: string[], limit = 2000, cursor: Cursor = null, via = 0): Promise<DescribeTopicPartitionsResponse> => {
    const ch = await channelTo(cluster, via)
    try {
      return await ch.send<DescribeTopicPartitionsResponse>(ApiKey.DescribeTopicPartitions, 0,
        { topics: topics.map((name) => ({ name })), responsePartitionLimit: limit, cursor }, 10_000)
    } finally {
      ch.close()
    }
  }
  const page = (r: DescribeTopicPartitionsResponse): string[] => r.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}`))

  it('is offered by ApiVersions', async () => {
    const ch = await channelTo(cluster, 1)
    try {
      const v = await ch.send<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }, 10_000)
      assert.deepEqual(v.apiKeys.find((k) => k.apiKey === ApiKey.DescribeTopicPartitions), { apiKey: 75, minVersion: 0, maxVersion: 0 })
    } finally {
      ch.close()
    }
  })

  it('named topics come back sorted, with their partitions; unknown and illegal names get their errors', async () => {
    const r = await describeTopics(['dtp-b', 'nope', 'dtp-a', 'bad name!', 'dtp-b'])
    assert.equal(r.nextCursor, null)
    assert.deepEqual(r.topics.map((t) => [t.name, t.errorCode]), [
      ['bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION], ['dtp-a', ErrorCode.NONE], ['dtp-b', ErrorCode.NONE], ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ])
    const b = r.topics.find((t) => t.name === 'dtp-b')!
    assert.equal(b.topicId, topicIdOf(cluster, 'dtp-b'))
    assert.equal(b.isInternal, false)
    assert.ok(b.topicAuthorizedOperations > 0, 'authorized operations are always given')
    assert.deepEqual(b.partitions.map((p) => p.partitionIndex), [0, 1])
    const image = cluster.broker(0).running!.context.metadata.image
    for (const p of b.partitions) {
      const s = image.partition('dtp-b', p.partitionIndex)!
      assert.deepEqual([p.errorCode, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes, p.offlineReplicas, p.eligibleLeaderReplicas, p.lastKnownElr],
        [ErrorCode.NONE, s.leader, s.leaderEpoch, [...s.replicas], [...s.isr], [], [], []])
      assert.equal(p.replicaNodes.length, 2)
    }
    assert.equal(r.topics.find((t) => t.name === 'nope')!.topicId, ZERO_UUID)
  })

  it('pages through every topic with the partition limit and the cursor', async () => {
    const first = await describeTopics([], 2)
    assert.deepEqual(page(first), ['dtp-a-0', 'dtp-a-1'])
    assert.deepEqual(first.nextCursor, { topicName: 'dtp-a', partitionIndex: 2 })
    const second = await describeTopics([], 2, first.nextCursor, 1)
    assert.deepEqual(page(second), ['dtp-a-2', 'dtp-b-0'])
    assert.deepEqual(second.nextCursor, { topicName: 'dtp-b', partitionIndex: 1 })
    const third = await describeTopics([], 2, second.nextCursor)
    assert.deepEqual(page(third), ['dtp-b-1'])
    assert.equal(third.nextCursor, null)
    // The limit reached at a topic's end: the cursor points at the next topic's start.
    const exact = await describeTopics(['dtp-a', 'dtp-b'], 3)
    assert.deepEqual(page(exact), ['dtp-a-0', 'dtp-a-1', 'dtp-a-2'])
    assert.deepEqual(exact.nextCursor, { topicName: 'dtp-b', partitionIndex: 0 })
  })

  it('a cursor naming a topic that was not asked for, or a negative partition, is INVALID_REQUEST', async () => {
    const r = await describeTopics(['dtp-a'], 10, { topicName: 'dtp-b', partitionIndex: 0 })
    assert.deepEqual(r.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [['dtp-a', ErrorCode.INVALID_REQUEST, 0]])
    const neg = await describeTopics(['dtp-a'], 10, { topicName: 'dtp-a', partitionIndex: -1 })
    assert.deepEqual(neg.topics.map((t) => [t.name, t.errorCode]), [['dtp-a', ErrorCode.INVALID_REQUEST]])
  })

  it('a stopped broker\'s replicas are offline, and a partition it led has no leader until another is elected', async () => {
    await cluster.stop(1)
    await until('broker 1 unregistered', () => !cluster.broker(0).running!.context.metadata.image.brokers.has(1))
    const r = await describeTopics(['dtp-b'])
    for (const p of r.topics[0]!.partitions) {
      assert.deepEqual(p.offlineReplicas, [1])
      assert.notEqual(p.leaderId, 1)
    }
    await cluster.restart(1)
  })
})
