// samsa/client against a 3-broker cluster (startCluster) whose partition leader is killed
// mid-stream: the idempotent acks=all producer finds the new leader (NOT_LEADER_OR_FOLLOWER or a
// dead connection → metadata refresh → retry) and a consumer reading meanwhile moves with it.
// Every record is delivered exactly once and in order.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../src/broker/index.ts'
import type { Cluster } from '../../src/broker/index.ts'
import { Consumer, Producer } from '../../src/client/index.ts'
import { createTopic, partitionState, until } from '../broker/replica/cluster-helpers.ts'
import { iterate, take } from './helpers.ts'

describe('samsa/client through a leader failover', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({
      brokers: 3,
      config: { 'broker.session.timeout.ms': 2000, 'broker.heartbeat.interval.ms': 500, 'replica.lag.time.max.ms': 2000, 'auto.leader.rebalance.enable': false },
    })
  })
  after(async () => {
    await cluster?.close()
  })

  it('a producer and a consumer ride through the leader being killed: nothing lost or duplicated, order kept', { timeout: 30_000 }, async () => {
    await createTopic(cluster, 'fo', 1, 3, { 'min.insync.replicas': '2' })
    const s = await partitionState(cluster, 'fo', 0)
    const leader = s.leader
    await until('a full ISR', async () => (await partitionState(cluster, 'fo', 0)).isr.length === 3)
    // Bootstrap through all three: the client must not depend on the broker that dies.
    const bootstrap = cluster.bootstrap
    const producer = new Producer({ bootstrapServers: bootstrap, acks: 'all', lingerMs: 1 })
    const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', autoCommit: false, fetchMaxWaitMs: 100 })
    consumer.assign([{ topic: 'fo', partition: 0 }])
    try {
      const N = 300
      const sends: Promise<unknown>[] = []
      const reading = take(iterate(consumer), N, 25_000)
      for (let i = 0; i < N; i++) {
        sends.push(producer.send({ topic: 'fo', partition: 0, key: 'k', value: String(i) }))
        if (i === 100) {
          await Promise.all(sends)
          await cluster.kill(leader)
        }
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5))
      }
      const results = await Promise.all(sends) as { offset: number }[]
      assert.deepEqual(results.map((r) => r.offset), results.map((_, i) => i), 'offsets dense, in send order')
      const after = await partitionState(cluster, 'fo', 0)
      assert.notEqual(after.leader, leader, 'leadership moved')
      const got = await reading
      assert.deepEqual(got.map((m) => m.value!.toString()), Array.from({ length: N }, (_, i) => String(i)))
      assert.deepEqual(got.map((m) => m.offset), got.map((_, i) => i))
    } finally {
      await producer.close()
      await consumer.close()
      await cluster.restart(leader)
    }
  })
})
