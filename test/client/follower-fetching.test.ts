// samsa/client's `clientRack` (KIP-392) on a 3-broker cluster with broker.rack r<id> and Kafka's
// RackAwareReplicaSelector: after the leader names the follower in the consumer's rack, every
// further Fetch goes to that follower (seen on the client's diagnostics channel), and every record
// is read once and in order; without a rack the consumer reads from the leader only.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { startCluster } from '../../src/broker/index.ts'
import type { Cluster } from '../../src/broker/index.ts'
import { Admin, Consumer, Producer } from '../../src/client/index.ts'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import { until } from '../broker/replica/cluster-helpers.ts'
import { iterate, take } from './helpers.ts'

describe('samsa/client: follower fetching by rack', () => {
  let cluster: Cluster
  let admin: Admin
  before(async () => {
    cluster = await startCluster({
      brokers: 3,
      config: { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector', 'auto.leader.rebalance.enable': false },
      brokerConfig: (id) => ({ 'broker.rack': `r${id}` }),
    })
    admin = new Admin({ bootstrapServers: cluster.bootstrap })
  })
  after(async () => {
    await admin?.close()
    await cluster?.close()
  })

  /** Reads `n` records of topic-0 with `clientRack`; returns the values and the brokers fetched from. */
  async function read(topic: string, n: number, clientRack?: string): Promise<{ values: string[], fetchedFrom: Set<string> }> {
    const fetchedFrom = new Set<string>()
    const onRequest = (m: unknown) => {
      const r = m as { broker: string, apiKey: number }
      if (r.apiKey === ApiKey.Fetch) fetchedFrom.add(r.broker)
    }
    subscribe('samsa:client:request', onRequest)
    const consumer = new Consumer({ bootstrapServers: cluster.bootstrap, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, clientRack })
    consumer.assign([{ topic, partition: 0 }])
    try {
      const got = await take(iterate(consumer), n, 15_000)
      return { values: got.map((m) => String(m.value)), fetchedFrom }
    } finally {
      await consumer.close()
      unsubscribe('samsa:client:request', onRequest)
    }
  }

  it('a consumer in a follower\'s rack reads from that follower; without a rack, from the leader', { timeout: 40_000 }, async () => {
    await admin.createTopics([{ topic: 'ff', numPartitions: 1, replicationFactor: 3 }])
    await until('a full ISR', async () => (await admin.describeTopics(['ff']))[0]!.partitions[0]!.isr.length === 3, 15_000)
    const { leader, replicas } = (await admin.describeTopics(['ff']))[0]!.partitions[0]!
    const follower = replicas.find((id) => id !== leader)!
    const producer = new Producer<string, string>({ bootstrapServers: cluster.bootstrap, acks: 'all' })
    try {
      await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic: 'ff', partition: 0, value: `r${i}` })))
    } finally {
      await producer.close()
    }
    const expected = Array.from({ length: 50 }, (_, i) => `r${i}`)
    const address = (id: number) => cluster.broker(id).bootstrap

    const near = await read('ff', 50, `r${follower}`)
    assert.deepEqual(near.values, expected)
    assert.ok(near.fetchedFrom.has(address(follower)), `fetched from the follower in rack r${follower} (${[...near.fetchedFrom].join(', ')})`)

    const plain = await read('ff', 50)
    assert.deepEqual(plain.values, expected)
    assert.deepEqual([...plain.fetchedFrom], [address(leader)])
  })
})
