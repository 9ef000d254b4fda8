// Transaction APIs against an in-process broker over TCP (generated codecs, as clients send them):
// InitProducerId versions and error mapping, AddPartitionsToTxn v3 and the v5 batched form with
// verify-only, idempotent Produce duplicates/gaps, read_committed Fetch (LSO bound, aborted
// transactions list), DescribeTransactions, ListTransactions, DescribeProducers.
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
import type { AddPartitionsToTxnResponse } from '../../../src/protocol/generated/messages/add-partitions-to-txn.ts'
import type { EndTxnResponse } from '../../../src/protocol/generated/messages/end-txn.ts'
import type { DescribeTransactionsResponse } from '../../../src/protocol/generated/messages/describe-transactions.ts'
import type { ListTransactionsResponse } from '../../../src/protocol/generated/messages/list-transactions.ts'
import type { DescribeProducersResponse } from '../../../src/protocol/generated/messages/describe-producers.ts'
import { AdminRaw } from './admin-client.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'

let broker: Broker
let c: AdminRaw

before(async () => {
  broker = await startBroker({ config: { 'transaction.state.log.num.partitions': 3 } })
  c = await AdminRaw.connect(broker.port)
  const req = defaultCreateTopicsRequest()
  req.timeoutMs = 5000
  req.topics = ['t'].map((name) => Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name, numPartitions: 2, replicationFactor: 1 }))
  const res = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, req)
  for (const t of res.topics) assert.equal(t.errorCode, 0)
})
after(async () => {
  c.close()
  await broker.close()
})

const init = (transactionalId: string | null, version = 4, producerId = -1n, producerEpoch = -1) =>
  c.call<InitProducerIdResponse>(ApiKey.InitProducerId, version, { transactionalId, transactionTimeoutMs: 60_000, producerId, producerEpoch })

const add = (id: string, pid: bigint, epoch: number, partitions: number[], version = 3) =>
  c.call<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, version, {
    transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch,
    v3AndBelowTopics: [{ name: 't', partitions }],
  })

const end = (id: string, pid: bigint, epoch: number, committed: boolean, version = 3) =>
  c.call<EndTxnResponse>(ApiKey.EndTxn, version, { transactionalId: id, producerId: pid, producerEpoch: epoch, committed })

async function produce(partition: number, records: Buffer, transactionalId: string | null = null) {
  const req = defaultProduceRequest()
  req.acks = -1
  req.timeoutMs = 5000
  req.transactionalId = transactionalId
  req.topicData = [{ name: 't', topicId: ZERO_UUID, partitionData: [{ index: partition, records }] }]
  return (await c.call<ProduceResponse>(ApiKey.Produce, 9, req)).responses[0]!.partitionResponses[0]!
}

const pbatch = (pid: bigint, epoch: number, seq: number, n: number, transactional = false) =>
  buildRecordBatch({ producerId: Number(pid), producerEpoch: epoch, baseSequence: seq, transactional, records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`v${seq + i}`) })) })

async function fetch(partition: number, offset: number, isolationLevel: number) {
  const req = defaultFetchRequest()
  req.maxWaitMs = 0
  req.minBytes = 0
  req.maxBytes = 1 << 20
  req.isolationLevel = isolationLevel
  req.topics = [{ topic: 't', topicId: '00000000-0000-0000-0000-000000000000', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20 })] }]
  return (await c.call<FetchResponse>(ApiKey.Fetch, 11, req)).responses[0]!.partitions[0]!
}

test('idempotent produce: duplicates get the original offset, gaps OUT_OF_ORDER_SEQUENCE_NUMBER, unknown producers UNKNOWN_PRODUCER_ID', async () => {
  const { producerId, producerEpoch, errorCode } = await init(null, 0)
  assert.equal(errorCode, ErrorCode.NONE)
  assert.ok(producerId >= 0n)
  const first = await produce(0, pbatch(producerId, producerEpoch, 0, 3))
  const second = await produce(0, pbatch(producerId, producerEpoch, 3, 2))
  const dup = await produce(0, pbatch(producerId, producerEpoch, 0, 3))
  assert.deepEqual([first.errorCode, second.errorCode, dup.errorCode], [0, 0, 0])
  assert.equal(dup.baseOffset, first.baseOffset)
  assert.equal((await produce(0, pbatch(producerId, producerEpoch, 9, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
  assert.equal((await produce(0, pbatch(producerId + 100n, 0, 5, 1))).errorCode, ErrorCode.UNKNOWN_PRODUCER_ID)
  const all = await fetch(0, 0, 0)
  assert.equal(all.highWatermark, 5n)
})

test('transactions over the wire: LSO, aborted list for read_committed, markers, describe/list/producers', async () => {
  let r = await init('tx-a', 4)
  for (let i = 0; i < 20 && r.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS; i++) r = await init('tx-a', 4)
  assert.equal(r.errorCode, ErrorCode.NONE)
  const { producerId: pid, producerEpoch: epoch } = r
  const base = (await fetch(1, 0, 0)).highWatermark
  // Partition verification: transactional data only into partitions added to the transaction.
  assert.equal((await produce(1, pbatch(pid, epoch, 0, 4, true), 'tx-a')).errorCode, ErrorCode.INVALID_TXN_STATE)
  assert.equal((await produce(1, pbatch(pid, epoch, 0, 4, true), null)).errorCode, ErrorCode.INVALID_TXN_STATE)
  assert.equal((await fetch(1, 0, 0)).highWatermark, base, 'nothing written')
  assert.equal((await add('tx-a', pid, epoch, [1])).resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, 0)
  assert.equal((await produce(1, pbatch(pid, epoch, 0, 4, true), 'tx-a')).errorCode, 0)
  // Open transaction: read_committed sees nothing past its first offset.
  const open = await fetch(1, Number(base), 1)
  assert.equal(open.lastStableOffset, base)
  assert.equal(open.highWatermark, base + 4n)
  assert.equal(open.records?.length ?? 0, 0)
  const described = await c.call<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, 0, { transactionalIds: ['tx-a', 'nope'] })
  assert.equal(described.transactionStates[0]!.transactionState, 'Ongoing')
  assert.deepEqual(described.transactionStates[0]!.topics, [{ topic: 't', partitions: [1] }])
  assert.equal(described.transactionStates[1]!.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND)
  const listed = await c.call<ListTransactionsResponse>(ApiKey.ListTransactions, 1, { stateFilters: ['Ongoing', 'Bogus'], producerIdFilters: [], durationFilter: -1n })
  assert.deepEqual(listed.transactionStates.map((t) => t.transactionalId), ['tx-a'])
  assert.deepEqual(listed.unknownStateFilters, ['Bogus'])
  const producers = await c.call<DescribeProducersResponse>(ApiKey.DescribeProducers, 0, { topics: [{ name: 't', partitionIndexes: [1, 9] }] })
  const active = producers.topics[0]!.partitions[0]!.activeProducers
  assert.deepEqual(active.map((p) => [p.producerId, p.lastSequence, p.currentTxnStartOffset]), [[pid, 3, base]])
  assert.equal(producers.topics[0]!.partitions[1]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  // Abort, then wait for the marker: the LSO moves past it and read_committed gets the aborted list.
  assert.equal((await end('tx-a', pid, epoch, false)).errorCode, 0)
  let after = await fetch(1, Number(base), 1)
  for (let i = 0; i < 50 && after.lastStableOffset < base + 5n; i++) after = await fetch(1, Number(base), 1)
  assert.equal(after.lastStableOffset, base + 5n)
  assert.deepEqual(after.abortedTransactions, [{ producerId: pid, firstOffset: base }])
  const uncommitted = await fetch(1, Number(base), 0)
  assert.equal(uncommitted.abortedTransactions, null)
  // v5 batched form: verify-only reports partitions not in the (finished) transaction.
  const batched = await c.call<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, 5, {
    transactions: [{ transactionalId: 'tx-a', producerId: pid, producerEpoch: epoch, verifyOnly: true, topics: [{ name: 't', partitions: [1] }] }],
    v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [],
  })
  assert.equal(batched.resultsByTransaction[0]!.topicResults[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.INVALID_TXN_STATE)
  const added = await c.call<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, 5, {
    transactions: [{ transactionalId: 'tx-a', producerId: pid, producerEpoch: epoch, verifyOnly: false, topics: [{ name: 't', partitions: [0, 1] }] }],
    v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [],
  })
  assert.deepEqual(added.resultsByTransaction[0]!.topicResults[0]!.resultsByPartition.map((p) => p.partitionErrorCode), [0, 0])
  // A new instance fences this one: PRODUCER_FENCED for new versions, INVALID_PRODUCER_EPOCH for old ones.
  let fresh = await init('tx-a', 4)
  for (let i = 0; i < 50 && fresh.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS; i++) fresh = await init('tx-a', 4)
  assert.equal(fresh.errorCode, ErrorCode.NONE)
  assert.ok(fresh.producerEpoch > epoch)
  assert.equal((await end('tx-a', pid, epoch, true, 3)).errorCode, ErrorCode.PRODUCER_FENCED)
  assert.equal((await end('tx-a', pid, epoch, true, 1)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH)
  assert.equal((await produce(1, pbatch(pid, epoch, 4, 1, true), 'tx-a')).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH)
})
