// samsa/client's Admin moving replicas and leaders on a 3-broker cluster (startCluster):
// alterPartitionReassignments moves a partition onto other brokers (the data follows by
// replication, the old replica is removed), listPartitionReassignments shows a move under way and
// cancels it, electLeaders('preferred') gives the first replica its leadership back and reports
// ELECTION_NOT_NEEDED per partition when nothing changes.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../src/broker/index.ts'
import type { Cluster } from '../../src/broker/index.ts'
import { Admin, Consumer, Producer } from '../../src/client/index.ts'
import { until } from '../broker/replica/cluster-helpers.ts'
import { iterate, take } from './helpers.ts'

describe('samsa/client Admin: reassignments and leader elections', () => {
  let cluster: Cluster
  let admin: Admin
  before(async () => {
    // A long broker session: the last test kills a broker that must stay registered meanwhile.
    cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'replica.lag.time.max.ms': 10_000, 'broker.session.timeout.ms': 60_000 } })
    admin = new Admin({ bootstrapServers: cluster.bootstrap })
  })
  after(async () => {
    await admin?.close()
    await cluster?.close()
  })

  const partition = async (topic: string) => (await admin.describeTopics([topic]))[0]!.partitions[0]!

  it('moves a partition to other brokers; its records are readable from the new replicas', { timeout: 30_000 }, async () => {
    const ids = cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b)
    const [a, b, c] = ids as [number, number, number]
    await admin.createTopics([{ topic: 'move', assignments: { 0: [a, b] } }])
    const producer = new Producer<string, string>({ bootstrapServers: cluster.bootstrap, acks: 'all' })
    try {
      for (let i = 0; i < 20; i++) await producer.send({ topic: 'move', partition: 0, value: `r${i}` })
    } finally {
      await producer.close()
    }
    await admin.alterPartitionReassignments([{ topic: 'move', partition: 0, replicas: [c, b] }])
    await until('the move completes', async () => {
      const p = await partition('move')
      return p.replicas.join() === `${c},${b}` && (await admin.listPartitionReassignments()).length === 0
    }, 20_000)
    // The old replica is gone from the image; the new leader (the first replica, elected after the
    // move) serves every record that was written before it.
    await admin.electLeaders('preferred', [{ topic: 'move', partition: 0 }])
    await until('the new first replica leads', async () => (await partition('move')).leader === c, 10_000)
    const consumer = new Consumer<string, string>({ bootstrapServers: cluster.bootstrap, autoOffsetReset: 'earliest', autoCommit: false })
    consumer.assign([{ topic: 'move', partition: 0 }])
    try {
      const got = await take(iterate(consumer), 20, 15_000)
      assert.deepEqual(got.map((m) => String(m.value)), Array.from({ length: 20 }, (_, i) => `r${i}`))
    } finally {
      await consumer.close()
    }
  })

  it('electLeaders: ELECTION_NOT_NEEDED per partition while the preferred replica leads; a bad request type is refused', async () => {
    await admin.createTopics([{ topic: 'elect', numPartitions: 2, replicationFactor: 3 }])
    await until('leaders', async () => (await admin.describeTopics(['elect']))[0]!.partitions.every((p) => p.leader >= 0), 10_000)
    const results = await admin.electLeaders('preferred', [{ topic: 'elect', partition: 0 }, { topic: 'elect', partition: 1 }])
    assert.deepEqual(results.map((r) => [r.topic, r.partition, r.error?.errorName ?? null]).sort(),
      [['elect', 0, 'ELECTION_NOT_NEEDED'], ['elect', 1, 'ELECTION_NOT_NEEDED']])
    const unknown = await admin.electLeaders('preferred', [{ topic: 'no-such-topic', partition: 0 }])
    assert.equal(unknown[0]!.error?.errorName, 'UNKNOWN_TOPIC_OR_PARTITION')
    await assert.rejects(admin.electLeaders('sideways' as 'preferred'), /election type/)
  })

  it('a move to an unregistered broker is refused; one that cannot finish is listed with its adding replica, and cancelling it restores the old replicas', { timeout: 30_000 }, async () => {
    const ids = cluster.brokers.map((b) => b.nodeId).sort((x, y) => x - y)
    const [a, b, c] = ids as [number, number, number]
    await admin.createTopics([{ topic: 'stuck', assignments: { 0: [a, b] } }])
    await assert.rejects(admin.alterPartitionReassignments([{ topic: 'stuck', partition: 0, replicas: [a, 99] }]),
      (e: Error & { errorName?: string }) => e.errorName === 'INVALID_REPLICA_ASSIGNMENT')
    // Broker c dies but is still registered (its session has not expired): the move onto it is
    // accepted and waits for a replica that never catches up.
    await cluster.kill(c)
    await admin.alterPartitionReassignments([{ topic: 'stuck', partition: 0, replicas: [a, c] }])
    const ongoing = await admin.listPartitionReassignments([{ topic: 'stuck', partition: 0 }])
    assert.equal(ongoing.length, 1)
    assert.deepEqual(ongoing[0]!.addingReplicas, [c])
    assert.deepEqual(ongoing[0]!.removingReplicas, [b])
    await admin.alterPartitionReassignments([{ topic: 'stuck', partition: 0, replicas: null }])
    await until('cancelled', async () => (await admin.listPartitionReassignments()).length === 0, 10_000)
    assert.deepEqual((await partition('stuck')).replicas, [a, b])
  })
})
