// Partition reassignment (KIP-455) through KafkaJS's admin against startCluster (3 brokers): a
// replication-factor-2 partition moves from [a, b] to [b, c]; the data reaches c by replication,
// the controller completes the move once c is in sync (a new leader when the old one left), a
// drops its copy, and nothing is listed as in progress afterwards. A move to a broker that cannot
// catch up stays listed (replicas, adding, removing) until it is cancelled, which restores the
// original replicas.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/index.ts'
import { runKafkaJs } from '../../helpers/kafkajs.ts'
import { channelTo, createTopic, logBytes, partitionState, produce, until } from '../replica/cluster-helpers.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { AlterPartitionReassignmentsResponse } from '../../../src/protocol/generated/messages/alter-partition-reassignments.ts'

describe('partition reassignment', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false } })
  })
  after(async () => {
    await cluster?.close()
  })

  const hosts = (id: number, topic: string) => cluster.broker(id).running?.context.replicas.partition(topic, 0) !== undefined

  it('moves a partition to another broker with its data; the old replica goes', { timeout: 20_000 }, async () => {
    await createTopic(cluster, 'mv', 1, 2)
    const s = await partitionState(cluster, 'mv', 0)
    const [a, b] = s.replicas as [number, number]
    const c = [0, 1, 2].find((id) => id !== a && id !== b)!
    assert.equal((await produce(cluster, s.leader, 'mv', 0, 40, -1)).errorCode, 0)
    const { value } = await runKafkaJs(cluster.bootstrap.split(','), async (kafka) => {
      const admin = kafka.admin()
      await admin.connect()
      try {
        await admin.alterPartitionReassignments({ topics: [{ topic: 'mv', partitionAssignment: [{ partition: 0, replicas: [b, c] }] }] })
        await until('the controller completes the move', async () => {
          const st = await partitionState(cluster, 'mv', 0)
          return st.addingReplicas === undefined && st.replicas.join() === [b, c].join()
        })
        await cluster.settle()
        return { listed: await admin.listPartitionReassignments({}) }
      } finally {
        await admin.disconnect()
      }
    })
    const done = await partitionState(cluster, 'mv', 0)
    assert.deepEqual(done.replicas, [b, c])
    assert.deepEqual([...done.isr].sort(), [b, c].sort())
    assert.ok([b, c].includes(done.leader))
    assert.equal(done.addingReplicas, undefined)
    assert.deepEqual(value.listed, { topics: [] })
    await until(`broker ${a} drops its copy`, () => !hosts(a, 'mv'))
    await until('the new replica holds the same bytes', async () => (await logBytes(cluster, c, 'mv', 0)).equals(await logBytes(cluster, done.leader, 'mv', 0)))
    assert.ok((await logBytes(cluster, c, 'mv', 0)).length > 0)
  })

  it('an unfinished move is listed until cancelled, which restores the original replicas', { timeout: 20_000 }, async () => {
    await createTopic(cluster, 'stuck', 1, 1)
    const s = await partitionState(cluster, 'stuck', 0)
    const a = s.replicas[0]!
    // c: neither the replica nor the controller (the admin client talks to the controller).
    const controller = cluster.broker(a).running!.context.metadata.image.controllerId
    const c = [0, 1, 2].find((id) => id !== a && id !== controller)!
    // c is still registered (its lease has not lapsed) but cannot copy anything.
    await cluster.kill(c)
    try {
      const { value } = await runKafkaJs(cluster.bootstrap.split(',').filter((_, i) => i !== c), async (kafka) => {
        const admin = kafka.admin()
        await admin.connect()
        try {
          await admin.alterPartitionReassignments({ topics: [{ topic: 'stuck', partitionAssignment: [{ partition: 0, replicas: [c] }] }] })
          const during = await admin.listPartitionReassignments({ topics: [{ topic: 'stuck', partitions: [0] }] })
          // KafkaJS cannot send a cancellation (null replicas): the wire request does.
          const via = a
          const ch = await channelTo(cluster, via)
          try {
            const res = await ch.send<AlterPartitionReassignmentsResponse>(ApiKey.AlterPartitionReassignments, 0, {
              timeoutMs: 10_000, allowReplicationFactorChange: true, topics: [{ name: 'stuck', partitions: [{ partitionIndex: 0, replicas: null }] }],
            }, 15_000)
            assert.equal(res.responses[0]!.partitions[0]!.errorCode, 0)
          } finally {
            ch.close()
          }
          const afterCancel = await admin.listPartitionReassignments({})
          return { during, afterCancel }
        } finally {
          await admin.disconnect()
        }
      })
      assert.deepEqual(value.during, {
        topics: [{ name: 'stuck', partitions: [{ partition: 0, replicas: [c, a], addingReplicas: [c], removingReplicas: [a] }] }],
      })
      assert.deepEqual(value.afterCancel, { topics: [] })
      const restored = await partitionState(cluster, 'stuck', 0)
      assert.deepEqual(restored.replicas, s.replicas)
      assert.equal(restored.addingReplicas, undefined)
      assert.equal(restored.partitionEpoch, s.partitionEpoch + 2)
    } finally {
      await cluster.restart(c)
    }
  })
})
