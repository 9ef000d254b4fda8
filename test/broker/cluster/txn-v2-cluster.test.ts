// Transaction version 2 across a 3-broker cluster: every broker registers the feature range it
// supports, the controller finalizes transaction.version 2 in the metadata store once all live
// brokers support it, every broker's ApiVersions lists it with the image's epoch, and a producer
// speaking KIP-890 part 2 over raw frames (no AddPartitionsToTxn) works when the partition
// leaders and the group coordinator are not its transaction coordinator: Produce v12 and
// TxnOffsetCommit v5 add their partitions at the remote coordinator, EndTxn v5 bumps the epoch,
// markers commit every partition, and a late write in the old epoch is fenced.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/embedded-cluster.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import type { InitProducerIdResponse } from '../../../src/protocol/generated/messages/init-producer-id.ts'
import type { EndTxnResponse } from '../../../src/protocol/generated/messages/end-txn.ts'
import type { TxnOffsetCommitResponse } from '../../../src/protocol/generated/messages/txn-offset-commit.ts'
import type { OffsetFetchResponse } from '../../../src/protocol/generated/messages/offset-fetch.ts'
import type { FindCoordinatorResponse } from '../../../src/protocol/generated/messages/find-coordinator.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { featureKey } from '../../../src/broker/cluster/metadata-records.ts'
import { BrokerChannel } from '../../../src/broker/net/broker-channel.ts'
import { retry } from '../../helpers/retry.ts'
import { createTopic, partitionState, until } from '../replica/cluster-helpers.ts'

async function call<T>(cluster: Cluster, nodeId: number, key: number, version: number, body: unknown): Promise<T> {
  const b = cluster.broker(nodeId)
  const ch = await BrokerChannel.connect(b.host, b.port, 'txn-v2-test', 5000)
  try {
    return await ch.send<T>(key, version, body, 15_000)
  } finally {
    ch.close()
  }
}

const batch = (pid: bigint, epoch: number, seq: number, n: number) =>
  buildRecordBatch({ producerId: Number(pid), producerEpoch: epoch, baseSequence: seq, transactional: true, records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`r${seq + i}`) })) })

test('transaction version 2 in a 3-broker cluster: finalized cluster-wide, partitions added at a remote coordinator', async () => {
  const cluster = await startCluster({
    logger: process.env.SAMSA_TEST_LOG as 'info' | undefined, brokers: 3,
    config: { 'transaction.state.log.num.partitions': 1, 'offsets.topic.num.partitions': 1 },
  })
  try {
    // Finalized by the controller, in the store, and on every broker's ApiVersions.
    await until('transaction.version 2 is finalized', async () => (await cluster.store.range(featureKey('transaction.version'))).kvs.length === 1)
    const stored = (await cluster.store.range(featureKey('transaction.version'))).kvs[0]!
    assert.deepEqual(JSON.parse(stored.value), { level: 2 })
    await cluster.settle()
    for (const b of cluster.brokers) {
      const v = await call<ApiVersionsResponse>(cluster, b.nodeId, ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })
      assert.deepEqual(v.supportedFeatures.map((f) => ({ ...f })), [{ name: 'transaction.version', minVersion: 0, maxVersion: 2 }])
      assert.deepEqual(v.finalizedFeatures.map((f) => ({ ...f })), [{ name: 'transaction.version', minVersionLevel: 2, maxVersionLevel: 2 }], `broker ${b.nodeId}`)
      assert.ok(v.finalizedFeaturesEpoch >= BigInt(stored.modRevision), 'the epoch is the image revision')
    }

    await createTopic(cluster, 'cv2', 3, 3)
    const id = 'tv2-cluster'
    const coord = await retry(() => call<FindCoordinatorResponse>(cluster, 0, ApiKey.FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: [id] }),
      (r) => r.coordinators[0]!.errorCode === ErrorCode.NONE)
    const c = coord.coordinators[0]!.nodeId
    const init = await retry(() => call<InitProducerIdResponse>(cluster, c, ApiKey.InitProducerId, 5,
      { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }), (r) => r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
    assert.equal(init.errorCode, ErrorCode.NONE)
    const { producerId: pid, producerEpoch: epoch } = init

    // Produce v12 to every partition's leader; at least one leader is not the coordinator.
    const leaders = await Promise.all([0, 1, 2].map(async (p) => (await partitionState(cluster, 'cv2', p)).leader))
    assert.ok(leaders.some((l) => l !== c), 'a partition led away from the coordinator')
    const produce = async (p: number, records: Buffer) => {
      const req = defaultProduceRequest()
      req.acks = -1
      req.timeoutMs = 5000
      req.transactionalId = id
      req.topicData = [{ name: 'cv2', topicId: ZERO_UUID, partitionData: [{ index: p, records }] }]
      const res = await call<ProduceResponse>(cluster, leaders[p]!, ApiKey.Produce, 12, req)
      return res.responses[0]!.partitionResponses[0]!.errorCode
    }
    for (const p of [0, 1, 2]) assert.equal(await retry(() => produce(p, batch(pid, epoch, 0, 2)), (code) => code !== ErrorCode.NOT_ENOUGH_REPLICAS), ErrorCode.NONE, `partition ${p}`)

    // TxnOffsetCommit v5 at the group coordinator adds the offsets partition (maybe remotely too).
    const g = await retry(() => call<FindCoordinatorResponse>(cluster, 0, ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: ['g-cv2'] }),
      (r) => r.coordinators[0]!.errorCode === ErrorCode.NONE)
    const gc = g.coordinators[0]!.nodeId
    const committed = await retry(() => call<TxnOffsetCommitResponse>(cluster, gc, ApiKey.TxnOffsetCommit, 5, {
      transactionalId: id, groupId: 'g-cv2', producerId: pid, producerEpoch: epoch, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'cv2', topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, committedOffset: 2n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    // Retriable while the offsets topic reaches the coordinator's image or its shard loads.
    }), (r) => !([ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION] as number[]).includes(r.topics[0]!.partitions[0]!.errorCode))
    assert.equal(committed.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE)

    // EndTxn v5 commits and bumps the epoch; every partition gets its marker.
    const ended = await call<EndTxnResponse>(cluster, c, ApiKey.EndTxn, 5, { transactionalId: id, producerId: pid, producerEpoch: epoch, committed: true })
    assert.deepEqual([ended.errorCode, ended.producerId, ended.producerEpoch], [ErrorCode.NONE, pid, epoch + 1])
    const fetchCommitted = async (p: number) => {
      const req = defaultFetchRequest()
      req.maxWaitMs = 0
      req.minBytes = 0
      req.maxBytes = 1 << 20
      req.isolationLevel = 1
      req.topics = [{ topic: 'cv2', topicId: ZERO_UUID, partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: p, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })] }]
      return (await call<FetchResponse>(cluster, leaders[p]!, ApiKey.Fetch, 11, req)).responses[0]!.partitions[0]!
    }
    for (const p of [0, 1, 2]) {
      const r = await retry(() => fetchCommitted(p), (x) => x.lastStableOffset === 3n)
      assert.equal(r.lastStableOffset, 3n, `partition ${p}: 2 records and the commit marker are stable`)
      assert.ok((r.records?.length ?? 0) > 0)
    }
    const offsets = await retry(() => call<OffsetFetchResponse>(cluster, gc, ApiKey.OffsetFetch, 7, { groupId: 'g-cv2', topics: [{ name: 'cv2', partitionIndexes: [0] }], requireStable: true, groups: [] }),
      (x) => x.topics[0]?.partitions[0]?.committedOffset === 2n)
    assert.equal(offsets.topics[0]!.partitions[0]!.committedOffset, 2n)
    // A late write of the finished transaction is fenced; the next one runs on the bumped epoch.
    const remote = leaders.findIndex((l) => l !== c)
    assert.equal(await produce(remote, batch(pid, epoch, 2, 1)), ErrorCode.INVALID_PRODUCER_EPOCH)
    assert.equal(await retry(() => produce(remote, batch(pid, epoch + 1, 0, 1)), (code) => code !== ErrorCode.NOT_ENOUGH_REPLICAS && code !== ErrorCode.CONCURRENT_TRANSACTIONS), ErrorCode.NONE)
    const aborted = await retry(() => call<EndTxnResponse>(cluster, c, ApiKey.EndTxn, 5, { transactionalId: id, producerId: pid, producerEpoch: epoch + 1, committed: false }),
      (x) => x.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS)
    assert.deepEqual([aborted.errorCode, aborted.producerEpoch], [ErrorCode.NONE, epoch + 2])
  } finally {
    await cluster.close()
  }
})

test('finalizable levels: the smallest maximum over live brokers; a broker that lists no features caps them at 0', async () => {
  const { MetadataImage } = await import('../../../src/broker/cluster/metadata-image.ts')
  const { finalizableLevels } = await import('../../../src/broker/cluster/feature-levels.ts')
  const broker = (id: number, features?: Record<string, { min: number, max: number }>) => [id, { id, epoch: 1, listeners: [], rack: null, ...(features ? { features } : {}) }] as const
  const image = (...bs: ReturnType<typeof broker>[]) => new MetadataImage(1, 'c', new Map(), new Map(), new Map(bs))
  const tv = { 'transaction.version': { min: 0, max: 2 } }
  assert.equal(finalizableLevels(image(broker(0, tv), broker(1, tv))).get('transaction.version'), 2)
  assert.equal(finalizableLevels(image(broker(0, tv), broker(1, { 'transaction.version': { min: 0, max: 1 } }))).get('transaction.version'), 1)
  assert.equal(finalizableLevels(image(broker(0, tv), broker(1))).get('transaction.version'), 0)
})
