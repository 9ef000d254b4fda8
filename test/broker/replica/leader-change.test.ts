// A leader change driven through the metadata store as the controller does it (new leader, leader
// epoch and partition epoch bumped): the new leader serves from its log, a follower on a stale
// epoch is fenced, producers are pointed at the new leader (KIP-951), and the old leader's tail that
// no follower had (acks=1 writes while it was alone) is truncated when it rejoins as a follower, so
// every replica ends with the same bytes and no consumer ever saw the tail.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { consumerFetch, createTopic, electLeader, logBytes, partitionState, produce, replicaOf, until } from './cluster-helpers.ts'
import { decodeAll } from '../../storage/helpers.ts'

test('leader change: the old leader\'s un-replicated tail is truncated on rejoin; stale epochs are fenced', async () => {
  const cluster = await startCluster({
    logger: process.env.SAMSA_TEST_LOG as 'info' | undefined, brokers: 3,
    // Leases outlive the test's kills: the failover controller never elects here, the test does.
    config: { 'replica.lag.time.max.ms': 10_000, 'broker.session.timeout.ms': 10_000 },
  })
  try {
    await createTopic(cluster, 'lc', 1, 3, { 'min.insync.replicas': '2' })
    const { leader: old, replicas } = await partitionState(cluster, 'lc', 0)
    const [a, b] = replicas.filter((id) => id !== old) as [number, number]
    assert.equal((await produce(cluster, old, 'lc', 0, 10, -1, 'acked')).errorCode, ErrorCode.NONE)
    await until('followers have the acknowledged records', () => [a, b].every((id) => replicaOf(cluster, id, 'lc', 0).logEndOffset === 10))

    // Both followers stop; the leader takes acks=1 writes nobody else gets, and consumers never see them.
    await cluster.kill(a)
    await cluster.kill(b)
    assert.equal((await produce(cluster, old, 'lc', 0, 5, 1, 'tail')).errorCode, ErrorCode.NONE)
    assert.equal(replicaOf(cluster, old, 'lc', 0).logEndOffset, 15)
    const seen = await consumerFetch(cluster, old, 'lc', 0, 0)
    assert.equal(seen.highWatermark, 10, 'the tail is above the HW')
    assert.equal(seen.bytes, (await logBytes(cluster, old, 'lc', 0)).length - (await tailBytes(cluster, old)), 'a consumer reads only below the HW')
    await cluster.kill(old)

    // The followers come back and the controller elects one of them (a new leader epoch).
    await cluster.restart(a)
    await cluster.restart(b)
    const next = await electLeader(cluster, 'lc', 0, a, [a, b])
    assert.ok(next.leaderEpoch >= 1)
    await until('the new leader leads', () => replicaOf(cluster, a, 'lc', 0).isLeader)
    const r = await produce(cluster, a, 'lc', 0, 5, -1, 'new')
    assert.equal(r.errorCode, ErrorCode.NONE)
    assert.equal(r.baseOffset, 10)
    // A producer that asks a follower is pointed at the leader.
    const redirected = await produce(cluster, b, 'lc', 0, 1, -1, 'x')
    assert.equal(redirected.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER)
    assert.deepEqual({ ...redirected.currentLeader }, { leaderId: a, leaderEpoch: next.leaderEpoch })
    // A fetch in the old epoch is fenced and told the current leader.
    const fenced = await consumerFetch(cluster, a, 'lc', 0, 0, 0)
    assert.equal(fenced.errorCode, ErrorCode.FENCED_LEADER_EPOCH)
    assert.deepEqual(fenced.currentLeader, { leaderId: a, leaderEpoch: next.leaderEpoch })

    // The old leader returns as a follower: its tail (epoch 0, offsets 10-14) diverges and goes.
    await cluster.restart(old)
    await until('the old leader rejoins the ISR', async () => (await partitionState(cluster, 'lc', 0)).isr.length === 3)
    await until('the old leader caught up', () => replicaOf(cluster, old, 'lc', 0).logEndOffset === 15)
    const expected = await logBytes(cluster, a, 'lc', 0)
    for (const id of [old, b]) assert.ok((await logBytes(cluster, id, 'lc', 0)).equals(expected), `replica ${id} matches the new leader`)
    const values = decodeAll([expected]).map((x) => x.value)
    assert.ok(!values.some((v) => v?.startsWith('tail')), 'no replica keeps the diverged tail')
    assert.equal(values.filter((v) => v?.startsWith('new')).length, 5)
    // Leader epochs are kept per replica: the new epoch starts at offset 10 everywhere.
    for (const id of [a, b, old]) assert.deepEqual(replicaOf(cluster, id, 'lc', 0).endOffsetForEpoch(0), { epoch: 0, endOffset: 10 })
  } finally {
    await cluster.close()
  }
})

/** Bytes of the records above the HW on `nodeId` (the tail). */
async function tailBytes(cluster: Awaited<ReturnType<typeof startCluster>>, nodeId: number): Promise<number> {
  const p = replicaOf(cluster, nodeId, 'lc', 0)
  const r = await p.readForReplica(p.highWatermark, 1 << 20)
  return r.bytes
}
