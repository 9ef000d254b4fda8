// Transaction version 2 (KIP-890 part 2) over the wire, as the Java producer speaks it when
// ApiVersions finalizes transaction.version 2: no AddPartitionsToTxn or AddOffsetsToTxn (Produce
// v12 and TxnOffsetCommit v5 add their partitions), EndTxn v5 bumps the epoch at every end and
// answers with the identity to continue with, the markers carry the bumped epoch (a late write of
// the finished transaction is fenced), retries of EndTxn get the same answer, and an abort with
// nothing in the transaction is allowed. No client on this machine speaks it, hence raw frames.
// (Epoch exhaustion: test/broker/coordinator/txn/txn-coordinator.test.ts.)
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
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
import { AdminRaw } from './admin-client.ts'
import { retry } from '../../helpers/retry.ts'

let broker: Broker
let c: AdminRaw
let topicId = ZERO_UUID

before(async () => {
  broker = await startBroker({ config: { 'transaction.state.log.num.partitions': 1, 'offsets.topic.num.partitions': 1 } })
  c = await AdminRaw.connect(broker.port)
  const req = defaultCreateTopicsRequest()
  req.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'v2', numPartitions: 2, replicationFactor: 1 })]
  const created = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 7, req)
  assert.equal(created.topics[0]!.errorCode, 0)
  topicId = created.topics[0]!.topicId
})
after(async () => {
  c.close()
  await broker.close()
})

const init = (id: string) => retry(() => c.call<InitProducerIdResponse>(ApiKey.InitProducerId, 5,
  { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }), (r) => r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)

const end = (id: string, pid: bigint, epoch: number, committed: boolean) =>
  c.call<EndTxnResponse>(ApiKey.EndTxn, 5, { transactionalId: id, producerId: pid, producerEpoch: epoch, committed })

const batch = (pid: bigint, epoch: number, seq: number, n: number) =>
  buildRecordBatch({ producerId: Number(pid), producerEpoch: epoch, baseSequence: seq, transactional: true, records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`r${seq + i}`) })) })

/** Produce v12 (names) with records for each partition given. */
async function produce(id: string, parts: Record<number, Buffer>) {
  const req = defaultProduceRequest()
  req.acks = -1
  req.timeoutMs = 5000
  req.transactionalId = id
  req.topicData = [{ name: 'v2', topicId: ZERO_UUID, partitionData: Object.entries(parts).map(([p, records]) => ({ index: Number(p), records })) }]
  const res = await c.call<ProduceResponse>(ApiKey.Produce, 12, req)
  return res.responses[0]!.partitionResponses.map((p) => p.errorCode)
}

async function fetch(partition: number, isolationLevel: number) {
  const req = defaultFetchRequest()
  req.maxWaitMs = 0
  req.minBytes = 0
  req.maxBytes = 1 << 20
  req.isolationLevel = isolationLevel
  req.topics = [{ topic: 'v2', topicId: ZERO_UUID, partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })] }]
  return (await c.call<FetchResponse>(ApiKey.Fetch, 11, req)).responses[0]!.partitions[0]!
}

test('a v2 transaction: produce v12 adds its partitions, EndTxn v5 bumps the epoch, markers fence the old one', async () => {
  const r = await init('tv2-a')
  assert.equal(r.errorCode, ErrorCode.NONE)
  const { producerId: pid, producerEpoch: epoch } = r
  // No AddPartitionsToTxn: both partitions join the transaction through the produce itself.
  assert.deepEqual(await produce('tv2-a', { 0: batch(pid, epoch, 0, 3), 1: batch(pid, epoch, 0, 2) }), [0, 0])
  const open = await fetch(0, 1)
  assert.equal(open.lastStableOffset, 0n, 'the transaction is open on partition 0')
  const ended = await end('tv2-a', pid, epoch, true)
  assert.deepEqual([ended.errorCode, ended.producerId, ended.producerEpoch], [ErrorCode.NONE, pid, epoch + 1])
  // The retry of the same EndTxn (old epoch) gets the same identity once complete.
  const retried = await retry(() => end('tv2-a', pid, epoch, true), (x) => x.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS)
  assert.deepEqual([retried.errorCode, retried.producerId, retried.producerEpoch], [ErrorCode.NONE, pid, epoch + 1])
  // Committed on both partitions: LSO past the marker, records readable with read_committed.
  const p0 = await retry(() => fetch(0, 1), (x) => x.lastStableOffset === 4n)
  assert.equal(p0.highWatermark, 4n, '3 records and a marker')
  assert.ok((p0.records?.length ?? 0) > 0)
  assert.equal((await retry(() => fetch(1, 1), (x) => x.lastStableOffset === 3n)).highWatermark, 3n)
  // A late write of the finished transaction (old epoch) is fenced by the marker's epoch.
  assert.deepEqual(await produce('tv2-a', { 0: batch(pid, epoch, 3, 1) }), [ErrorCode.INVALID_PRODUCER_EPOCH])
  // EndTxn with the old epoch that is not a retry of the same outcome: fenced or invalid.
  assert.equal((await end('tv2-a', pid, epoch, false)).errorCode, ErrorCode.INVALID_TXN_STATE)
  assert.equal((await end('tv2-a', pid, epoch - 1, true)).errorCode, ErrorCode.PRODUCER_FENCED)

  // The next transaction runs on the bumped epoch (sequences from 0) and is aborted.
  assert.deepEqual(await produce('tv2-a', { 0: batch(pid, epoch + 1, 0, 2) }), [0])
  const aborted = await end('tv2-a', pid, epoch + 1, false)
  assert.deepEqual([aborted.errorCode, aborted.producerEpoch], [ErrorCode.NONE, epoch + 2])
  const after = await retry(() => fetch(0, 1), (x) => x.lastStableOffset === 7n)
  assert.equal(after.abortedTransactions?.length, 1, 'read_committed learns of the aborted transaction')
  // Abort with nothing in the transaction (transaction version 2 allows it): one more bump.
  const empty = await retry(() => end('tv2-a', pid, epoch + 2, false), (x) => x.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS)
  assert.deepEqual([empty.errorCode, empty.producerEpoch], [ErrorCode.NONE, epoch + 3])
  // A commit with nothing in the transaction is not a thing.
  const commitEmpty = await retry(() => end('tv2-a', pid, epoch + 3, true), (x) => x.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS)
  assert.equal(commitEmpty.errorCode, ErrorCode.INVALID_TXN_STATE)
})

test('TxnOffsetCommit v5 adds the offsets partition itself; v6 names topics by id', async () => {
  const r = await init('tv2-b')
  assert.equal(r.errorCode, ErrorCode.NONE)
  const { producerId: pid, producerEpoch: epoch } = r
  await retry(() => c.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: ['g-v2'] }),
    (x) => x.coordinators[0]!.errorCode === ErrorCode.NONE)
  const commit = (version: number, offset: bigint, byId: boolean) => c.call<TxnOffsetCommitResponse>(ApiKey.TxnOffsetCommit, version, {
    transactionalId: 'tv2-b', groupId: 'g-v2', producerId: pid, producerEpoch: epoch, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: byId ? '' : 'v2', topicId: byId ? topicId : ZERO_UUID, partitions: [{ partitionIndex: 1, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
  })
  // v4 (transaction version 1) without AddOffsetsToTxn is refused; v5 adds the partition.
  assert.equal((await commit(4, 2n, false)).topics[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_TXN_STATE)
  assert.equal((await commit(5, 2n, false)).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE)
  const v6 = await commit(6, 3n, true)
  assert.deepEqual([v6.topics[0]!.topicId, v6.topics[0]!.partitions[0]!.errorCode], [topicId, ErrorCode.NONE])
  const unknown = await c.call<TxnOffsetCommitResponse>(ApiKey.TxnOffsetCommit, 6, {
    transactionalId: 'tv2-b', groupId: 'g-v2', producerId: pid, producerEpoch: epoch, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: '', topicId: 'EREREREREREREREREREREQ', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  })
  assert.equal(unknown.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID)
  assert.equal((await end('tv2-b', pid, epoch, true)).errorCode, ErrorCode.NONE)
  // Committed with the transaction: the group sees offset 3 (the v6 commit, by id).
  const fetched = await retry(() => c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 7, { groupId: 'g-v2', topics: [{ name: 'v2', partitionIndexes: [1] }], requireStable: true, groups: [] }),
    (x) => x.topics[0]?.partitions[0]?.errorCode === ErrorCode.NONE && x.topics[0]!.partitions[0]!.committedOffset === 3n)
  assert.equal(fetched.topics[0]!.partitions[0]!.committedOffset, 3n)
})
