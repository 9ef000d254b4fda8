// KafkaJS-style replica moves (alterPartitionReassignments, listPartitionReassignments) on a
// 3-broker cluster, run against the real KafkaJS and the facade with the same assertions: a move
// completes, a move onto an unknown broker fails per partition inside a KafkaJSAggregateError, and
// bad arguments are refused before anything is sent.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type * as KafkaJs from 'kafkajs'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/index.ts'
import { until } from '../../broker/replica/cluster-helpers.ts'

export type KafkaJsReplicaLike = Pick<typeof KafkaJs, 'Kafka' | 'logLevel'>

export function kafkaJsReplicaCases(label: string, lib: KafkaJsReplicaLike): void {
  const { Kafka, logLevel } = lib

  describe(`KafkaJS partition reassignments (${label})`, { timeout: 40_000 }, () => {
    let cluster: Cluster
    let admin: KafkaJs.Admin

    before(async () => {
      cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false } })
      const kafka = new Kafka({ clientId: 'replicas', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } })
      admin = kafka.admin()
      await admin.connect()
    })
    after(async () => {
      await admin?.disconnect()
      await cluster?.close()
    })

    it('moves a partition onto another broker; an unknown broker fails that partition', { timeout: 30_000 }, async () => {
      const [a, b, c] = cluster.brokers.map((x) => x.nodeId).sort((x, y) => x - y) as [number, number, number]
      await admin.createTopics({ topics: [{ topic: 'moving', replicaAssignment: [{ partition: 0, replicas: [a, b] }, { partition: 1, replicas: [a, b] }] }] })
      await admin.alterPartitionReassignments({ topics: [{ topic: 'moving', partitionAssignment: [{ partition: 0, replicas: [c, b] }] }] })
      await until('the move completes', async () => {
        const meta = await admin.fetchTopicMetadata({ topics: ['moving'] })
        const p0 = meta.topics[0]!.partitions.find((p) => p.partitionId === 0)!
        return p0.replicas.join() === `${c},${b}` && (await admin.listPartitionReassignments({})).topics.length === 0
      }, 20_000)

      const err = await admin.alterPartitionReassignments({ topics: [{ topic: 'moving', partitionAssignment: [{ partition: 1, replicas: [a, 999] }] }] })
        .then(() => null, (e: unknown) => e as { name: string; errors: { name: string; type: string; topic: string; partition: number }[] })
      assert.ok(err !== null, 'a move onto an unknown broker was accepted')
      assert.equal(err.name, 'KafkaJSAggregateError')
      assert.deepEqual(err.errors.map((e) => [e.name, e.type, e.topic, e.partition]),
        [['KafkaJSAlterPartitionReassignmentsError', 'INVALID_REPLICA_ASSIGNMENT', 'moving', 1]])
      const meta = await admin.fetchTopicMetadata({ topics: ['moving'] })
      assert.equal(meta.topics[0]!.partitions.find((p) => p.partitionId === 1)!.replicas.join(), `${a},${b}`)
    })

    it('bad arguments are refused before anything is sent', async () => {
      const refused = async (call: Promise<unknown>) => {
        const e = await call.then(() => null, (x: Error) => x)
        assert.equal(e?.name, 'KafkaJSNonRetriableError')
      }
      await refused(admin.alterPartitionReassignments({ topics: [{ topic: 't', partitionAssignment: [{ partition: 0, replicas: [1] }] },
        { topic: 't', partitionAssignment: [{ partition: 1, replicas: [1] }] }] }))
      await refused(admin.alterPartitionReassignments({ topics: [{ topic: 't', partitionAssignment: [{ partition: -1, replicas: [1] }] }] }))
      await refused(admin.alterPartitionReassignments({ topics: [{ topic: 't', partitionAssignment: [{ partition: 0, replicas: [-2] }] }] }))
      await refused(admin.listPartitionReassignments({ topics: [{ topic: 't', partitions: [-1] }] }))
    })
  })
}
