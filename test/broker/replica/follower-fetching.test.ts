// Follower fetching (KIP-392) over startCluster with broker.rack r0/r1/r2 and Kafka's
// RackAwareReplicaSelector: the leader points a consumer in a follower's rack at that follower
// (PreferredReadReplica, no records), keeps consumers in its own rack or with no rack, drops a
// follower that left the ISR from the choice; the follower serves the consumer up to its HW, says
// OFFSET_OUT_OF_RANGE past its log end, and only the leader answers ListOffsets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/embedded-cluster.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse, FetchResponsePartitionData } from '../../../src/protocol/generated/messages/fetch.ts'
import type { ListOffsetsResponse } from '../../../src/protocol/generated/messages/list-offsets.ts'
import { rackAwareReplicaSelector } from '../../../src/broker/replica/replica-selector.ts'
import { channelTo, createTopic, logBytes, partitionState, produce, replicaOf, until } from './cluster-helpers.ts'

test('RackAwareReplicaSelector: no rack or the leader\'s rack -> leader; else the most caught-up same-rack replica', () => {
  const leader = { id: 0, rack: 'a', logEndOffset: 10, timeSinceLastCaughtUpMs: 0 }
  const r1 = { id: 1, rack: 'b', logEndOffset: 9, timeSinceLastCaughtUpMs: 5 }
  const r2 = { id: 2, rack: 'b', logEndOffset: 10, timeSinceLastCaughtUpMs: 50 }
  const r3 = { id: 3, rack: 'b', logEndOffset: 10, timeSinceLastCaughtUpMs: 20 }
  assert.equal(rackAwareReplicaSelector('', leader, [r1, r2]), leader)
  assert.equal(rackAwareReplicaSelector('a', leader, [r1, r2]), leader)
  assert.equal(rackAwareReplicaSelector('c', leader, [r1, r2]), leader)
  assert.equal(rackAwareReplicaSelector('b', leader, [r1, r2, r3]), r3)
  assert.equal(rackAwareReplicaSelector('b', leader, [r1]), r1)
})

/** One raw Fetch v11 (by name, consumer) of `topic`-0 at `offset` from `nodeId` with `rackId`. */
async function fetchV11(cluster: Cluster, nodeId: number, topic: string, offset: number, rackId: string): Promise<FetchResponsePartitionData> {
  const ch = await channelTo(cluster, nodeId)
  try {
    const req = defaultFetchRequest()
    req.replicaId = -1
    req.maxWaitMs = 0
    req.minBytes = 0
    req.maxBytes = 1 << 20
    req.rackId = rackId
    const fp = defaultFetchRequestFetchPartition()
    fp.fetchOffset = BigInt(offset)
    fp.partitionMaxBytes = 1 << 20
    req.topics = [{ topic, topicId: '', partitions: [fp] }]
    const res = await ch.send<FetchResponse>(ApiKey.Fetch, 11, req, 10_000)
    return res.responses[0]!.partitions[0]!
  } finally {
    ch.close()
  }
}

async function listLatest(cluster: Cluster, nodeId: number, topic: string): Promise<number> {
  const ch = await channelTo(cluster, nodeId)
  try {
    const res = await ch.send<ListOffsetsResponse>(ApiKey.ListOffsets, 7, {
      replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
      timeoutMs: 5000,
    }, 10_000)
    return res.topics[0]!.partitions[0]!.errorCode
  } finally {
    ch.close()
  }
}

test('follower fetching: the leader prefers an in-sync replica in the consumer\'s rack, which serves up to its HW', async () => {
  const cluster = await startCluster({
    logger: process.env.SAMSA_TEST_LOG as 'info' | undefined, brokers: 3,
    config: { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector', 'replica.lag.time.max.ms': 1500, 'broker.session.timeout.ms': 10_000 },
    brokerConfig: (id) => ({ 'broker.rack': `r${id}` }),
  })
  try {
    await createTopic(cluster, 'ff', 1, 3)
    await until('a full ISR', async () => (await partitionState(cluster, 'ff', 0)).isr.length === 3)
    const { leader, replicas } = await partitionState(cluster, 'ff', 0)
    const [f1, f2] = replicas.filter((id) => id !== leader) as [number, number]
    assert.equal((await produce(cluster, leader, 'ff', 0, 20, -1, 'x')).errorCode, ErrorCode.NONE)
    await until('followers know the HW', () => [f1, f2].every((id) => replicaOf(cluster, id, 'ff', 0).highWatermark === 20))
    const expected = await logBytes(cluster, leader, 'ff', 0)

    // The leader's choice: f1 for rack r<f1>; itself for its own rack, no rack, or an unknown one.
    const pointed = await fetchV11(cluster, leader, 'ff', 0, `r${f1}`)
    assert.equal(pointed.errorCode, ErrorCode.NONE)
    assert.equal(pointed.preferredReadReplica, f1)
    assert.equal(pointed.records?.length ?? 0, 0, 'no records with a preferred read replica')
    assert.equal(pointed.highWatermark, 20n)
    for (const rack of [`r${leader}`, '', 'elsewhere']) {
      const own = await fetchV11(cluster, leader, 'ff', 0, rack)
      assert.equal(own.preferredReadReplica, -1, `rack '${rack}' reads from the leader`)
      assert.equal(own.records?.length, expected.length)
    }
    // The follower serves the consumer: every record up to its HW, nothing past its log end.
    const served = await fetchV11(cluster, f1, 'ff', 0, `r${f1}`)
    assert.equal(served.errorCode, ErrorCode.NONE)
    assert.equal(served.preferredReadReplica, -1, 'a follower never redirects')
    assert.ok(Buffer.from(served.records as Buffer).equals(expected), 'the follower returns the leader\'s bytes')
    assert.equal((await fetchV11(cluster, f1, 'ff', 20, `r${f1}`)).records?.length ?? 0, 0)
    assert.equal((await fetchV11(cluster, f1, 'ff', 25, `r${f1}`)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE)
    // ListOffsets stays with the leader.
    assert.equal(await listLatest(cluster, f1, 'ff'), ErrorCode.NOT_LEADER_OR_FOLLOWER)
    assert.equal(await listLatest(cluster, leader, 'ff'), ErrorCode.NONE)

    // f2 stops: once out of the ISR it is no longer anyone's choice.
    assert.equal((await fetchV11(cluster, leader, 'ff', 0, `r${f2}`)).preferredReadReplica, f2)
    await cluster.kill(f2)
    await until('f2 leaves the ISR', async () => !(await partitionState(cluster, 'ff', 0)).isr.includes(f2) && !replicaOf(cluster, leader, 'ff', 0).isr.includes(f2))
    assert.equal((await fetchV11(cluster, leader, 'ff', 0, `r${f2}`)).preferredReadReplica, -1)
  } finally {
    await cluster.close()
  }
})

test('follower fetching is off without replica.selector.class: the leader serves every rack', async () => {
  const cluster = await startCluster({
    logger: process.env.SAMSA_TEST_LOG as 'info' | undefined, brokers: 2,
    brokerConfig: (id) => ({ 'broker.rack': `r${id}` }),
  })
  try {
    await createTopic(cluster, 'nf', 1, 2)
    await until('a full ISR', async () => (await partitionState(cluster, 'nf', 0)).isr.length === 2)
    const { leader, replicas } = await partitionState(cluster, 'nf', 0)
    const other = replicas.find((id) => id !== leader)!
    assert.equal((await produce(cluster, leader, 'nf', 0, 5, -1, 'y')).errorCode, ErrorCode.NONE)
    const r = await fetchV11(cluster, leader, 'nf', 0, `r${other}`)
    assert.equal(r.preferredReadReplica, -1)
    assert.ok((r.records?.length ?? 0) > 0)
  } finally {
    await cluster.close()
  }
})
