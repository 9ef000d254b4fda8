// Replication over startCluster (3 brokers, one memory store): followers fetch from the leader,
// acks=all waits for the ISR, every replica ends with the same bytes, consumers never read past
// the high watermark, the ISR shrinks when a follower stops (NOT_ENOUGH_REPLICAS, and _AFTER_APPEND
// when it shrinks under a waiting produce) and grows when it returns, and followers follow the
// leader's log start (DeleteRecords), restarting a log that ends below it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { consumerFetch, createTopic, deleteRecords, logBytes, partitionState, produce, replicaOf, until } from './cluster-helpers.ts'

test('RF=3: acks=all is replicated to every replica byte for byte; the HW bounds consumers; a stopped follower leaves the ISR and rejoins', async () => {
  const cluster = await startCluster({ logger: process.env.SAMSA_TEST_LOG as 'info' | undefined, brokers: 3, config: { 'replica.lag.time.max.ms': 2000, 'broker.session.timeout.ms': 3000 } })
  try {
    await createTopic(cluster, 't', 1, 3, { 'min.insync.replicas': '2' })
    const state = await partitionState(cluster, 't', 0)
    assert.deepEqual([...state.replicas].sort(), [0, 1, 2])
    const leader = state.leader
    const followers = state.replicas.filter((id) => id !== leader)
    // On a loaded machine a follower can miss replica.lag.time.max.ms before its first fetch:
    // acks=all needs the ISR back first (min.insync.replicas=2), so start from a full one.
    await until('a full ISR', async () => (await partitionState(cluster, 't', 0)).isr.length === 3)
    for (let i = 0; i < 5; i++) {
      const r = await produce(cluster, leader, 't', 0, 10, -1, `a${i}`)
      assert.equal(r.errorCode, ErrorCode.NONE)
      assert.equal(r.baseOffset, i * 10)
    }
    assert.equal(replicaOf(cluster, leader, 't', 0).highWatermark, 50)
    await until('followers at the leader\'s end', () => followers.every((id) => replicaOf(cluster, id, 't', 0).logEndOffset === 50))
    const expected = await logBytes(cluster, leader, 't', 0)
    for (const id of followers) assert.ok((await logBytes(cluster, id, 't', 0)).equals(expected), `replica ${id} has the leader's bytes`)
    // Followers learn the HW too.
    await until('followers learn the HW', () => followers.every((id) => replicaOf(cluster, id, 't', 0).highWatermark === 50))
    // Consumers: before Fetch v11 only the leader serves them; from v11 (KIP-392) a follower does,
    // up to the HW it learned.
    assert.equal((await consumerFetch(cluster, followers[0]!, 't', 0, 0, -1, 10)).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER)
    const fromFollower = await consumerFetch(cluster, followers[0]!, 't', 0, 0)
    assert.equal(fromFollower.errorCode, ErrorCode.NONE)
    assert.equal(fromFollower.highWatermark, 50)
    assert.equal(fromFollower.bytes, expected.length)
    assert.equal((await consumerFetch(cluster, leader, 't', 0, 0)).highWatermark, 50)

    // One follower stops: after replica.lag.time.max.ms the leader drops it from the ISR.
    const [f1, f2] = followers as [number, number]
    await cluster.kill(f1)
    await until('ISR shrinks', async () => (await partitionState(cluster, 't', 0)).isr.length === 2)
    assert.deepEqual([...(await partitionState(cluster, 't', 0)).isr].sort(), [leader, f2].sort())
    assert.equal((await produce(cluster, leader, 't', 0, 5, -1, 'b')).errorCode, ErrorCode.NONE, 'acks=all with 2 in-sync replicas')

    // The last follower stops while an acks=all produce waits: the ISR shrinks to the leader, the
    // HW covers the append, but below min.insync.replicas: NOT_ENOUGH_REPLICAS_AFTER_APPEND.
    await cluster.kill(f2)
    assert.equal((await produce(cluster, leader, 't', 0, 5, -1, 'c')).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND)
    assert.deepEqual((await partitionState(cluster, 't', 0)).isr, [leader])
    // Below min.insync.replicas: NOT_ENOUGH_REPLICAS (nothing appended), and acks=1 still appends.
    assert.equal((await produce(cluster, leader, 't', 0, 5, -1, 'x')).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS)
    const r1 = await produce(cluster, leader, 't', 0, 5, 1, 'd')
    assert.equal(r1.errorCode, ErrorCode.NONE)
    assert.equal(r1.baseOffset, 60)
    const hw = replicaOf(cluster, leader, 't', 0).highWatermark
    assert.equal(hw, 65, 'the HW is the leader\'s end with the leader alone in the ISR')

    // DeleteRecords moves the leader's log start past f1's log end (f1 stopped at 50).
    assert.deepEqual(await deleteRecords(cluster, leader, 't', 0, 55), { errorCode: ErrorCode.NONE, lowWatermark: 55 })

    // The followers return: they catch up (f1 restarts its log at the leader's start) and the ISR
    // grows back to three.
    await cluster.restart(f1)
    await cluster.restart(f2)
    await until('ISR grows back', async () => (await partitionState(cluster, 't', 0)).isr.length === 3)
    assert.equal((await produce(cluster, leader, 't', 0, 5, -1, 'e')).errorCode, ErrorCode.NONE)
    await until('followers caught up', () => followers.every((id) => replicaOf(cluster, id, 't', 0).logEndOffset === 70))
    await until('followers follow the log start', () => followers.every((id) => replicaOf(cluster, id, 't', 0).logStartOffset === 55))
    const all = await logBytes(cluster, leader, 't', 0)
    for (const id of followers) assert.ok((await logBytes(cluster, id, 't', 0)).equals(all), `replica ${id} caught up byte for byte`)

    // The leader restarts while both followers are down: its HW comes from its checkpoint
    // (replication-offset-checkpoint), not from followers that cannot teach it.
    await until('HW 70 everywhere', () => [leader, ...followers].every((id) => replicaOf(cluster, id, 't', 0).highWatermark === 70))
    await cluster.kill(f1)
    await cluster.kill(f2)
    await cluster.stop(leader)
    await cluster.restart(leader)
    assert.equal(replicaOf(cluster, leader, 't', 0).highWatermark, 70)
    assert.equal((await consumerFetch(cluster, leader, 't', 0, 55)).highWatermark, 70)
  } finally {
    await cluster.close()
  }
})
