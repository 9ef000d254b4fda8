// Start-up recovery of the transaction coordinator with a real broker and real storage: the
// broker "crashed" right after writing PrepareCommit / PrepareAbort records (appended here to
// __transaction_state directly, clean-shutdown marker removed). On restart the coordinator replays
// __transaction_state, writes the markers, and read_committed consumers see the outcome.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker } from '../../../../src/broker/index.ts'
import { ApiKey } from '../../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../../../../src/protocol/records/batch-decoder.ts'
import { batchSize } from '../../../../src/protocol/records/batch-header.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../../src/protocol/generated/messages/create-topics.ts'
import { defaultProduceRequest } from '../../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../../src/protocol/generated/messages/fetch.ts'
import type { InitProducerIdResponse } from '../../../../src/protocol/generated/messages/init-producer-id.ts'
import type { AddPartitionsToTxnResponse } from '../../../../src/protocol/generated/messages/add-partitions-to-txn.ts'
import type { DescribeTransactionsResponse } from '../../../../src/protocol/generated/messages/describe-transactions.ts'
import { logConfig } from '../../../helpers/log-config.ts'
import { Log } from '../../../../src/storage/log.ts'
import { TxnState, tpKey } from '../../../../src/broker/coordinator/txn/txn-metadata.ts'
import { encodeTxnKey, encodeTxnValue } from '../../../../src/broker/coordinator/txn/txn-records.ts'
import { AdminRaw } from '../../api/admin-client.ts'
import { retry } from '../../../helpers/retry.ts'
import { ZERO_UUID, recordsBuffer } from '../../../../src/protocol/primitives/index.ts'

const CONFIG = { 'transaction.state.log.num.partitions': 1 }

test('transactions left in PrepareCommit / PrepareAbort are completed after a restart', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-txn-recovery-'))
  let broker = await startBroker({ dataDir, config: CONFIG })
  let c = await AdminRaw.connect(broker.port)
  const create = defaultCreateTopicsRequest()
  create.timeoutMs = 5000
  create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'rt', numPartitions: 2, replicationFactor: 1 })]
  assert.equal((await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)).topics[0]!.errorCode, 0)
  const producers: Record<string, { pid: bigint, epoch: number, partition: number }> = {}
  for (const [id, partition] of [['rec-commit', 0], ['rec-abort', 1]] as const) {
    const init = await retry(() => c.call<InitProducerIdResponse>(ApiKey.InitProducerId, 4,
      { transactionalId: id, transactionTimeoutMs: 600_000, producerId: -1n, producerEpoch: -1 }), (r) => r.errorCode === ErrorCode.NONE)
    const { producerId: pid, producerEpoch: epoch } = init
    producers[id] = { pid, epoch, partition }
    const add = await c.call<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, 3, {
      transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: 'rt', partitions: [partition] }],
    })
    assert.equal(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, 0)
    const req = defaultProduceRequest()
    req.acks = -1
    req.timeoutMs = 5000
    req.transactionalId = id
    req.topicData = [{ name: 'rt', topicId: ZERO_UUID, partitionData: [{ index: partition, records: buildRecordBatch({
      producerId: Number(pid), producerEpoch: epoch, baseSequence: 0, transactional: true,
      records: [0, 1, 2].map((i) => ({ value: Buffer.from(`${id}-${i}`) })),
    }) }] }]
    assert.equal((await c.call<ProduceResponse>(ApiKey.Produce, 9, req)).responses[0]!.partitionResponses[0]!.errorCode, 0)
  }
  c.close()
  await broker.close()

  // The "crash": Prepare records written, no markers, no clean shutdown.
  const log = await Log.open({ dir: join(dataDir, '__transaction_state-0'), config: logConfig({}) })
  const now = Date.now()
  for (const [id, p] of Object.entries(producers)) {
    const state = id === 'rec-commit' ? TxnState.PrepareCommit : TxnState.PrepareAbort
    const value = encodeTxnValue({
      transactionalId: id, producerId: Number(p.pid), previousProducerId: -1, producerEpoch: p.epoch, lastProducerEpoch: -1, timeoutMs: 600_000,
      state, partitions: new Map([[tpKey('rt', p.partition), { topic: 'rt', partition: p.partition }]]), txnStartTimestamp: now, txnLastUpdateTimestamp: now,
    })
    await log.append(buildRecordBatch({ records: [{ key: encodeTxnKey(id), value }] }), { origin: 'coordinator' })
  }
  await log.close()
  await unlink(join(dataDir, '.samsa_cleanshutdown'))

  broker = await startBroker({ dataDir, config: CONFIG })
  c = await AdminRaw.connect(broker.port)
  try {
    const fetch = async (partition: number) => {
      const req = defaultFetchRequest()
      req.maxWaitMs = 0
      req.maxBytes = 1 << 20
      req.isolationLevel = 1
      req.topics = [{ topic: 'rt', topicId: '00000000-0000-0000-0000-000000000000', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })] }]
      return (await c.call<FetchResponse>(ApiKey.Fetch, 11, req)).responses[0]!.partitions[0]!
    }
    const committed = await retry(() => fetch(0), (p) => p.lastStableOffset === 4n)
    assert.equal(committed.lastStableOffset, 4n, 'commit marker written after the restart')
    const values: string[] = []
    const buf = recordsBuffer(committed.records!)
    for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
      const b = decodeRecordBatch(buf, pos)
      if (!b.control) for (const r of b.records) values.push(r.value!.toString())
    }
    assert.deepEqual(values, ['rec-commit-0', 'rec-commit-1', 'rec-commit-2'])
    const aborted = await retry(() => fetch(1), (p) => p.lastStableOffset === 4n)
    assert.equal(aborted.lastStableOffset, 4n, 'abort marker written after the restart')
    assert.deepEqual(aborted.abortedTransactions, [{ producerId: producers['rec-abort']!.pid, firstOffset: 0n }])
    const described = await retry(() => c.call<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, 0, { transactionalIds: ['rec-commit', 'rec-abort'] }),
      (r) => r.transactionStates.every((s) => s.transactionState.startsWith('Complete')))
    assert.deepEqual(described.transactionStates.map((s) => s.transactionState), ['CompleteCommit', 'CompleteAbort'])
  } finally {
    c.close()
    await broker.close()
    await rm(dataDir, { recursive: true, force: true })
  }
})
