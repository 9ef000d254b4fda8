// Fetch's divergence check (KIP-320 / KIP-595): the epoch-end lookup as Kafka's leader-epoch cache
// answers it, the leader's DivergingEpoch answer on the wire (generated codecs, raw Fetch v17),
// CurrentLeaderEpoch fencing, and a returning former leader truncating its diverged tail from the
// Fetch answer alone (the new leader never sees an OffsetForLeaderEpoch request).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/embedded-cluster.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse, FetchResponsePartitionData } from '../../../src/protocol/generated/messages/fetch.ts'
import { checkDivergence, epochEndOffset } from '../../../src/broker/replica/diverging-epoch.ts'
import { channelTo, createTopic, electLeader, logBytes, partitionState, produce, replicaOf, topicIdOf, until } from './cluster-helpers.ts'
import { decodeAll } from '../../storage/helpers.ts'

test('epoch end lookup: latest ends at the log end, older at the next start, unknown above, requested below all', () => {
  const entries = [{ epoch: 2, startOffset: 5 }, { epoch: 4, startOffset: 9 }, { epoch: 7, startOffset: 12 }]
  assert.deepEqual(epochEndOffset(entries, 7, 20), { epoch: 7, endOffset: 20 })
  assert.deepEqual(epochEndOffset(entries, 4, 20), { epoch: 4, endOffset: 12 })
  assert.deepEqual(epochEndOffset(entries, 5, 20), { epoch: 4, endOffset: 12 })
  assert.deepEqual(epochEndOffset(entries, 1, 20), { epoch: 1, endOffset: 5 })
  assert.equal(epochEndOffset(entries, 8, 20), undefined)
  assert.equal(epochEndOffset(entries, -1, 20), undefined)
  assert.equal(epochEndOffset([], 0, 0), undefined)

  assert.deepEqual(checkDivergence(entries, -1, 30, 0, 20), { kind: 'none' })
  assert.deepEqual(checkDivergence(entries, 4, 12, 0, 20), { kind: 'none' })
  assert.deepEqual(checkDivergence(entries, 4, 13, 0, 20), { kind: 'diverging', at: { epoch: 4, endOffset: 12 } })
  assert.deepEqual(checkDivergence(entries, 5, 11, 0, 20), { kind: 'diverging', at: { epoch: 4, endOffset: 12 } })
  assert.deepEqual(checkDivergence(entries, 8, 11, 0, 20), { kind: 'out-of-range' })
  assert.deepEqual(checkDivergence(entries, 4, 3, 5, 20), { kind: 'out-of-range' })
})

interface FetchArgs {
  offset: number
  lastFetchedEpoch: number
  currentLeaderEpoch?: number
  replicaId?: number
}

/** One raw Fetch v17 (topic by id, replica state for followers) of `topic`-0 from `nodeId`. */
async function rawFetch(cluster: Cluster, nodeId: number, topic: string, a: FetchArgs): Promise<FetchResponsePartitionData> {
  const ch = await channelTo(cluster, nodeId)
  try {
    const req = defaultFetchRequest()
    req.replicaState = { replicaId: a.replicaId ?? -1, replicaEpoch: -1n }
    req.maxWaitMs = 0
    req.minBytes = 0
    req.maxBytes = 1 << 20
    const fp = defaultFetchRequestFetchPartition()
    fp.partition = 0
    fp.fetchOffset = BigInt(a.offset)
    fp.lastFetchedEpoch = a.lastFetchedEpoch
    fp.currentLeaderEpoch = a.currentLeaderEpoch ?? -1
    fp.partitionMaxBytes = 1 << 20
    req.topics = [{ topic: '', topicId: topicIdOf(cluster, topic), partitions: [fp] }]
    const res = await ch.send<FetchResponse>(ApiKey.Fetch, 17, req, 10_000)
    return res.responses[0]!.partitions[0]!
  } finally {
    ch.close()
  }
}

/** How many OffsetForLeaderEpoch requests broker `nodeId` has answered. */
async function offsetForLeaderEpochCount(cluster: Cluster, nodeId: number): Promise<number> {
  const h = cluster.broker(nodeId).running!.context.metrics.registry.getSingleMetric('samsa_request_duration_seconds')
  const values = (await h!.get()).values as { metricName?: string, labels: Record<string, unknown>, value: number }[]
  return values.find((v) => v.metricName === 'samsa_request_duration_seconds_count' && v.labels.api === 'OffsetForLeaderEpoch')?.value ?? 0
}

test('Fetch DivergingEpoch: the leader names where the fetcher\'s epoch ends; a returning leader truncates by fetch', async () => {
  const cluster = await startCluster({
    logger: process.env.SAMSA_TEST_LOG as 'info' | undefined, brokers: 3,
    // The test elects; the failover controller never does within it.
    config: { 'replica.lag.time.max.ms': 10_000, 'broker.session.timeout.ms': 10_000 },
  })
  try {
    await createTopic(cluster, 'dv', 1, 3)
    const { leader: old, replicas } = await partitionState(cluster, 'dv', 0)
    const [a, b] = replicas.filter((id) => id !== old) as [number, number]
    assert.equal((await produce(cluster, old, 'dv', 0, 10, -1, 'acked')).errorCode, ErrorCode.NONE)
    await until('followers have the records', () => [a, b].every((id) => replicaOf(cluster, id, 'dv', 0).logEndOffset === 10))
    // The old leader takes a tail in epoch 0 nobody else gets, then goes.
    await cluster.kill(a)
    await cluster.kill(b)
    assert.equal((await produce(cluster, old, 'dv', 0, 5, 1, 'tail')).errorCode, ErrorCode.NONE)
    await cluster.kill(old)
    await cluster.restart(a)
    await cluster.restart(b)
    const next = await electLeader(cluster, 'dv', 0, a, [a, b])
    await until('the new leader leads', () => replicaOf(cluster, a, 'dv', 0).isLeader)
    assert.equal((await produce(cluster, a, 'dv', 0, 5, -1, 'new')).errorCode, ErrorCode.NONE)
    const e = next.leaderEpoch

    // A fetch at 15 whose last batch was in epoch 0: epoch 0 ends at 10 here.
    const div = await rawFetch(cluster, a, 'dv', { offset: 15, lastFetchedEpoch: 0, currentLeaderEpoch: e })
    assert.equal(div.errorCode, ErrorCode.NONE)
    assert.deepEqual({ ...div.divergingEpoch }, { epoch: 0, endOffset: 10n })
    assert.equal(div.records?.length ?? 0, 0, 'no records with a divergence')
    // An epoch this log never had between known ones answers with the largest below it.
    const fromFollower = await rawFetch(cluster, a, 'dv', { offset: 12, lastFetchedEpoch: 0, currentLeaderEpoch: e, replicaId: b })
    assert.deepEqual({ ...fromFollower.divergingEpoch }, { epoch: 0, endOffset: 10n })
    // At the epoch's end there is nothing to truncate: records come back.
    const ok = await rawFetch(cluster, a, 'dv', { offset: 10, lastFetchedEpoch: 0, currentLeaderEpoch: e })
    assert.equal(ok.errorCode, ErrorCode.NONE)
    assert.deepEqual({ ...ok.divergingEpoch }, { epoch: -1, endOffset: -1n })
    assert.ok((ok.records?.length ?? 0) > 0)
    // An epoch above every known one: OFFSET_OUT_OF_RANGE.
    assert.equal((await rawFetch(cluster, a, 'dv', { offset: 10, lastFetchedEpoch: e + 1 })).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE)
    // CurrentLeaderEpoch: older is fenced, newer unknown (checked before divergence).
    assert.equal((await rawFetch(cluster, a, 'dv', { offset: 15, lastFetchedEpoch: 0, currentLeaderEpoch: e - 1 })).errorCode, ErrorCode.FENCED_LEADER_EPOCH)
    assert.equal((await rawFetch(cluster, a, 'dv', { offset: 15, lastFetchedEpoch: 0, currentLeaderEpoch: e + 1 })).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH)
    // A broker that is no replica, fetching as a follower in the current epoch: not known yet.
    assert.equal((await rawFetch(cluster, a, 'dv', { offset: 0, lastFetchedEpoch: -1, currentLeaderEpoch: e, replicaId: 7 })).errorCode,
      ErrorCode.UNKNOWN_LEADER_EPOCH)
    assert.equal((await rawFetch(cluster, a, 'dv', { offset: 0, lastFetchedEpoch: -1, replicaId: 7 })).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER)

    // The old leader returns as a follower: it fetches at 15 in epoch 0, is told epoch 0 ends at
    // 10, truncates its tail and catches up — without asking OffsetForLeaderEpoch.
    const asked = await offsetForLeaderEpochCount(cluster, a)
    await cluster.restart(old)
    await until('the old leader caught up', () => replicaOf(cluster, old, 'dv', 0).logEndOffset === 15 && replicaOf(cluster, old, 'dv', 0).latestEpoch === e)
    const expected = await logBytes(cluster, a, 'dv', 0)
    await until('replica bytes match the leader', async () => (await logBytes(cluster, old, 'dv', 0)).equals(expected) && (await logBytes(cluster, b, 'dv', 0)).equals(expected))
    const values = decodeAll([expected]).map((x) => x.value)
    assert.ok(!values.some((v) => v?.startsWith('tail')), 'no replica keeps the diverged tail')
    assert.equal(await offsetForLeaderEpochCount(cluster, a), asked, 'truncation came from the Fetch answer')
    assert.equal(asked, 0, 'followers with epochs never needed OffsetForLeaderEpoch')
  } finally {
    await cluster.close()
  }
})
