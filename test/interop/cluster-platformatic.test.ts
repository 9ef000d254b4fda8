// @platformatic/kafka 1.35 against startCluster({ brokers: 3 }), as issue 11 asks of it: metadata
// lists every broker and each partition's leader, replicas and ISR; DescribeCluster names the
// controller; AlterPartitionReassignments moves a replica (ListPartitionReassignments shows it
// until done; DescribeLogDirs shows the data copied to the new replica and gone from the old one);
// a transactional producer commits and aborts over partitions led by every broker; a group
// consumer reads the committed records.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  Admin, Connection, Consumer, FetchIsolationLevels, MessagesStreamModes, Producer, alterPartitionReassignmentsV0, describeClusterV1,
  listPartitionReassignmentsV0, stringDeserializers, stringSerializers,
} from '@platformatic/kafka'
import { startCluster } from '../../src/broker/index.ts'
import type { Cluster } from '../../src/broker/index.ts'
import { until } from '../broker/replica/cluster-helpers.ts'

describe('@platformatic/kafka against startCluster({ brokers: 3 })', () => {
  let cluster: Cluster
  let common: { clientId: string, bootstrapBrokers: string[], retries: number }
  before(async () => {
    cluster = await startCluster({ brokers: 3, config: { 'offsets.topic.num.partitions': 3, 'transaction.state.log.num.partitions': 3 } })
    common = { clientId: 'samsa-test', bootstrapBrokers: cluster.bootstrap.split(','), retries: 5 }
  })
  after(async () => {
    await cluster?.close()
  })

  it('metadata, DescribeCluster, and a reassignment with its data copied', { timeout: 60_000 }, async () => {
    const admin = new Admin(common)
    const conn = new Connection('samsa-test')
    try {
      await admin.createTopics({ topics: ['plt-c'], partitions: 3, replicas: 2 })
      const md = await admin.metadata({ topics: ['plt-c'] })
      assert.deepEqual([...md.brokers.keys()].sort(), [0, 1, 2])
      const parts = md.topics.get('plt-c')!.partitions
      assert.equal(parts.length, 3)
      for (const p of parts) {
        assert.equal(p.replicas.length, 2)
        assert.ok(p.replicas.includes(p.leader))
      }
      assert.equal(new Set(parts.map((p) => p.leader)).size, 3, 'leaders on every broker')

      const b0 = cluster.broker(0)
      await conn.connect(b0.host, b0.port)
      const dc = await describeClusterV1.api.async(conn, false, 1)
      assert.equal(dc.errorCode, 0)
      assert.ok([0, 1, 2].includes(dc.controllerId), `controller ${dc.controllerId}`)
      assert.deepEqual(dc.brokers.map((b) => b.brokerId).sort(), [0, 1, 2])

      // Data first, then move partition 0 to the broker that does not hold it.
      const producer = new Producer({ ...common, serializers: stringSerializers, acks: -1 })
      try {
        await producer.send({ messages: Array.from({ length: 200 }, (_, i) => ({ topic: 'plt-c', partition: 0, value: `v${i}` })) })
      } finally {
        await producer.close()
      }
      const before = parts[0]!
      const outside = [0, 1, 2].find((id) => !before.replicas.includes(id))!
      const target = [outside, before.replicas[1]!]
      const r = await alterPartitionReassignmentsV0.api.async(conn, 10_000, false, [{ name: 'plt-c', partitions: [{ partitionIndex: 0, replicas: target }] }])
      assert.equal(r.errorCode, 0)
      assert.equal(r.responses[0]!.partitions[0]!.errorCode, 0)
      await until('the reassignment completes', async () => (await listPartitionReassignmentsV0.api.async(conn, 10_000, [{ name: 'plt-c', partitionIndexes: [0] }])).topics.length === 0, 20_000)
      admin.clearMetadata()
      const after = (await admin.metadata({ topics: ['plt-c'], forceUpdate: true })).topics.get('plt-c')!.partitions[0]!
      assert.deepEqual([...after.replicas].sort(), [...target].sort())
      const dirs = await admin.describeLogDirs({ topics: [{ name: 'plt-c', partitions: [0] }] })
      const size = (broker: number) => dirs.find((d) => d.broker === broker)?.results.flatMap((x) => x.topics).find((t) => t.name === 'plt-c')?.partitions[0]?.partitionSize
      const leaderSize = size(after.leader)
      assert.ok(leaderSize !== undefined && leaderSize > 0n)
      assert.equal(size(outside), leaderSize, 'the new replica holds the data')
      const removed = before.replicas.find((id) => !target.includes(id))!
      assert.equal(size(removed), undefined, 'the removed replica is gone from its broker')
    } finally {
      await conn.close()
      await admin.close()
    }
  })

  it('a transactional producer over partitions led by every broker; a read_committed group consumer', { timeout: 60_000 }, async () => {
    const admin = new Admin(common)
    try {
      await admin.createTopics({ topics: ['plt-tx'], partitions: 3, replicas: 3 })
    } finally {
      await admin.close()
    }
    const producer = new Producer({ ...common, serializers: stringSerializers, idempotent: true, transactionalId: 'plt-cluster-tx' })
    try {
      const t1 = await producer.beginTransaction()
      await t1.send({ messages: [0, 1, 2].map((partition) => ({ topic: 'plt-tx', partition, value: `c-${partition}` })) })
      await t1.commit()
      const t2 = await producer.beginTransaction()
      await t2.send({ messages: [0, 1, 2].map((partition) => ({ topic: 'plt-tx', partition, value: `a-${partition}` })) })
      await t2.abort()
      const t3 = await producer.beginTransaction()
      await t3.send({ messages: [0, 1, 2].map((partition) => ({ topic: 'plt-tx', partition, value: `d-${partition}` })) })
      await t3.commit()
    } finally {
      await producer.close()
    }
    const consumer = new Consumer({
      ...common, groupId: 'plt-cluster-group', deserializers: stringDeserializers, isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10_000,
    })
    const values: string[] = []
    try {
      const stream = await consumer.consume({ topics: ['plt-tx'], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 200 })
      for await (const m of stream) {
        values.push(m.value as string)
        if (values.length >= 6) break
      }
      await stream.close()
    } finally {
      await consumer.close(true)
    }
    assert.deepEqual(values.sort(), ['c-0', 'c-1', 'c-2', 'd-0', 'd-1', 'd-2'], 'committed only, aborted records never')
  })
})
