// Rack-aware KIP-848 assignment in a cluster (startCluster, broker.rack r0/r1): a topic with one
// replica per partition spread over both brokers; two members heartbeat with RackId r0 and r1 and
// the target assignment (ConsumerGroupDescribe) gives each member the partitions whose replica
// sits in its rack, read from the metadata image's replicas and the brokers' registered racks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../../src/broker/index.ts'
import { ApiKey } from '../../../../src/protocol/generated/api-keys.ts'
import type { FindCoordinatorResponse } from '../../../../src/protocol/generated/messages/find-coordinator.ts'
import type { ConsumerGroupHeartbeatResponse } from '../../../../src/protocol/generated/messages/consumer-group-heartbeat.ts'
import type { ConsumerGroupDescribeResponse } from '../../../../src/protocol/generated/messages/consumer-group-describe.ts'
import { channelTo, createTopic, partitionState } from '../../replica/cluster-helpers.ts'

test('cluster: each member\'s target holds the partitions whose replica is in its rack', async () => {
  const cluster = await startCluster({
    logger: process.env.SAMSA_TEST_LOG as 'info' | undefined, brokers: 2,
    config: { 'offsets.topic.num.partitions': 1, 'offsets.topic.replication.factor': 1 },
    brokerConfig: (id) => ({ 'broker.rack': `r${id}` }),
  })
  try {
    await createTopic(cluster, 'racked', 4, 1)
    const leaders: number[] = []
    for (let p = 0; p < 4; p++) leaders.push((await partitionState(cluster, 'racked', p)).leader)
    assert.deepEqual([...new Set(leaders)].sort(), [0, 1], `replicas on both brokers: ${leaders}`)
    const any = await channelTo(cluster, 0)
    const found = await any.send<FindCoordinatorResponse>(ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: ['racks'] }, 10_000)
    any.close()
    const ch = await channelTo(cluster, found.coordinators[0]!.nodeId)
    try {
      for (const [memberId, rackId] of [['m-r1', 'r1'], ['m-r0', 'r0']]) {
        let res: ConsumerGroupHeartbeatResponse | undefined
        for (let i = 0; i < 50; i++) {
          res = await ch.send<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, 1, {
            groupId: 'racks', memberId, memberEpoch: 0, instanceId: null, rackId, rebalanceTimeoutMs: 30_000,
            subscribedTopicNames: ['racked'], subscribedTopicRegex: null, serverAssignor: 'uniform', topicPartitions: [],
          }, 10_000)
          if (res.errorCode !== 14 && res.errorCode !== 15) break // the offsets partition still loading / electing
          await new Promise((r) => setTimeout(r, 100))
        }
        assert.equal(res!.errorCode, 0, res!.errorMessage ?? '')
      }
      const d = await ch.send<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, 1, { groupIds: ['racks'], includeAuthorizedOperations: false }, 10_000)
      const target = new Map(d.groups[0]!.members.map((m) => [m.rackId, m.targetAssignment.topicPartitions.flatMap((tp) => tp.partitions).sort()]))
      assert.deepEqual([target.get('r0')!.length, target.get('r1')!.length], [2, 2], 'balanced')
      // Every partition on its replica's rack, except what balance forces across (none when the replicas split 2/2).
      const aligned = [0, 1].reduce((n, b) => n + target.get(`r${b}`)!.filter((p) => leaders[p] === b).length, 0)
      const onFirst = leaders.filter((l) => l === 0).length
      assert.equal(aligned, 4 - Math.abs(onFirst - (4 - onFirst)) / 2, `targets ${JSON.stringify([...target])}, replicas on ${leaders}`)
    } finally {
      ch.close()
    }
  } finally {
    await cluster.close()
  }
})
