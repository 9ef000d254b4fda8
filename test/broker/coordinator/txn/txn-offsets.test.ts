// TxnOffsetCommit against a real in-process broker and its files: the offsets are a transactional
// batch of the producer in __consumer_offsets (no side file), invisible (and UNSTABLE_OFFSET_COMMIT
// with requireStable) until the commit marker lands there, dropped by an abort — also across
// restarts, where the group coordinator's replay keeps them pending until the marker, and a
// PrepareCommit left by a crash is completed into the group's offsets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker } from '../../../../src/broker/index.ts'
import type { Broker } from '../../../../src/broker/index.ts'
import { ApiKey } from '../../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../../../../src/protocol/records/batch-decoder.ts'
import { batchSize } from '../../../../src/protocol/records/batch-header.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../../src/protocol/generated/messages/create-topics.ts'
import type { InitProducerIdResponse } from '../../../../src/protocol/generated/messages/init-producer-id.ts'
import type { AddOffsetsToTxnResponse } from '../../../../src/protocol/generated/messages/add-offsets-to-txn.ts'
import type { TxnOffsetCommitResponse } from '../../../../src/protocol/generated/messages/txn-offset-commit.ts'
import type { EndTxnResponse } from '../../../../src/protocol/generated/messages/end-txn.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../../src/protocol/generated/messages/fetch.ts'
import type { OffsetFetchResponse } from '../../../../src/protocol/generated/messages/offset-fetch.ts'
import { partitionForGroup } from '../../../../src/broker/coordinator/group/group-partition.ts'
import { TxnState, tpKey } from '../../../../src/broker/coordinator/txn/txn-metadata.ts'
import { encodeTxnKey, encodeTxnValue } from '../../../../src/broker/coordinator/txn/txn-records.ts'
import { logConfig } from '../../../helpers/log-config.ts'
import { Log } from '../../../../src/storage/log.ts'
import { AdminRaw } from '../../api/admin-client.ts'
import { retry } from '../../../helpers/retry.ts'
import { recordsBuffer } from '../../../../src/protocol/primitives/index.ts'

const CONFIG = { 'transaction.state.log.num.partitions': 1, 'offsets.topic.num.partitions': 3 }
const GROUP = 'txn-group'
const OFFSETS_PARTITION = partitionForGroup(GROUP, 3)

class Session {
  constructor(readonly broker: Broker, readonly c: AdminRaw) {}
  static async start(dataDir: string): Promise<Session> {
    const broker = await startBroker({ dataDir, config: CONFIG })
    return new Session(broker, await AdminRaw.connect(broker.port))
  }

  init(id: string) {
    return retry(() => this.c.call<InitProducerIdResponse>(ApiKey.InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 600_000, producerId: -1n, producerEpoch: -1 }),
      (r) => r.errorCode === ErrorCode.NONE)
  }

  addOffsets(id: string, pid: bigint, epoch: number) {
    return this.c.call<AddOffsetsToTxnResponse>(ApiKey.AddOffsetsToTxn, 3, { transactionalId: id, producerId: pid, producerEpoch: epoch, groupId: GROUP })
  }

  async commitOffset(id: string, pid: bigint, epoch: number, offset: number): Promise<number> {
    const r = await this.c.call<TxnOffsetCommitResponse>(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: id, groupId: GROUP, producerId: pid, producerEpoch: epoch, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'in', partitions: [{ partitionIndex: 0, committedOffset: BigInt(offset), committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
    })
    return r.topics[0]!.partitions[0]!.errorCode
  }

  end(id: string, pid: bigint, epoch: number, committed: boolean) {
    return this.c.call<EndTxnResponse>(ApiKey.EndTxn, 3, { transactionalId: id, producerId: pid, producerEpoch: epoch, committed })
  }

  /** [committed offset, error code] of in-0 for the group. */
  async fetched(requireStable: boolean): Promise<[number, number]> {
    const r = await this.c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 7, { groupId: GROUP, topics: [{ name: 'in', partitionIndexes: [0] }], groups: [], requireStable })
    const p = r.topics[0]!.partitions[0]!
    return [Number(p.committedOffset), p.errorCode]
  }

  /** Transactional batches (producer ids) and markers in the group's __consumer_offsets partition. */
  async offsetsLog(): Promise<{ txnBatches: number[], markers: number[] }> {
    const req = defaultFetchRequest()
    req.maxWaitMs = 0
    req.maxBytes = 1 << 20
    req.topics = [{ topic: '__consumer_offsets', topicId: '00000000-0000-0000-0000-000000000000',
      partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: OFFSETS_PARTITION, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })] }]
    const buf = recordsBuffer((await this.c.call<FetchResponse>(ApiKey.Fetch, 11, req)).responses[0]!.partitions[0]!.records ?? [])
    const out = { txnBatches: [] as number[], markers: [] as number[] }
    for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
      const b = decodeRecordBatch(buf, pos)
      if (b.control) out.markers.push(b.producerId)
      else if (b.transactional) out.txnBatches.push(b.producerId)
    }
    return out
  }

  async close(): Promise<void> {
    this.c.close()
    await this.broker.close()
  }
}

test('transactional offsets live in __consumer_offsets: pending until the marker, across restarts and a crash in PrepareCommit', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-txn-offsets-'))
  let s = await Session.start(dataDir)
  try {
    const create = defaultCreateTopicsRequest()
    create.timeoutMs = 5000
    create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'in', numPartitions: 1, replicationFactor: 1 })]
    assert.equal((await s.c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)).topics[0]!.errorCode, 0)
    const { producerId: pid, producerEpoch: epoch } = await s.init('tx-off')

    // Without AddOffsetsToTxn the offsets could never be ended by a marker: refused.
    assert.equal(await s.commitOffset('tx-off', pid, epoch, 1), ErrorCode.INVALID_TXN_STATE)
    assert.equal((await s.addOffsets('tx-off', pid, epoch)).errorCode, ErrorCode.NONE)
    assert.equal(await s.commitOffset('tx-off', pid, epoch, 42), ErrorCode.NONE)
    assert.deepEqual(await s.fetched(false), [-1, ErrorCode.NONE], 'not visible before the commit')
    assert.deepEqual((await s.fetched(true))[1], ErrorCode.UNSTABLE_OFFSET_COMMIT)
    assert.deepEqual(await s.offsetsLog(), { txnBatches: [Number(pid)], markers: [] })
    assert.ok(!existsSync(join(dataDir, 'txn-pending-offsets.json')), 'no side file')

    // Restart with the transaction open: the replay keeps the offsets pending.
    await s.close()
    s = await Session.start(dataDir)
    assert.deepEqual(await retry(() => s.fetched(true), (v) => v[1] === ErrorCode.UNSTABLE_OFFSET_COMMIT), [-1, ErrorCode.UNSTABLE_OFFSET_COMMIT])
    // The transaction coordinator may still be loading (clients retry COORDINATOR_LOAD_IN_PROGRESS).
    assert.equal((await retry(() => s.end('tx-off', pid, epoch, true), (r) => r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)).errorCode, ErrorCode.NONE)
    assert.deepEqual(await retry(() => s.fetched(true), (v) => v[0] === 42), [42, ErrorCode.NONE])
    assert.deepEqual((await s.offsetsLog()).markers, [Number(pid)])

    // Aborted offsets never show, before or after a restart.
    assert.equal((await s.addOffsets('tx-off', pid, epoch)).errorCode, ErrorCode.NONE)
    assert.equal(await s.commitOffset('tx-off', pid, epoch, 50), ErrorCode.NONE)
    assert.equal((await s.end('tx-off', pid, epoch, false)).errorCode, ErrorCode.NONE)
    assert.deepEqual(await retry(() => s.fetched(true), (v) => v[1] === ErrorCode.NONE), [42, ErrorCode.NONE])
    await s.close()
    s = await Session.start(dataDir)
    assert.deepEqual(await retry(() => s.fetched(true), (v) => v[0] >= 0), [42, ErrorCode.NONE], 'commit replayed, abort dropped')

    // A fenced (older) epoch cannot add offsets.
    const fresh = await s.init('tx-off')
    assert.ok(fresh.producerEpoch > epoch)
    assert.notEqual(await s.commitOffset('tx-off', pid, epoch, 60), ErrorCode.NONE)

    // Crash in PrepareCommit: offsets appended, the Prepare record written, no marker.
    assert.equal((await s.addOffsets('tx-off', fresh.producerId, fresh.producerEpoch)).errorCode, ErrorCode.NONE)
    assert.equal(await s.commitOffset('tx-off', fresh.producerId, fresh.producerEpoch, 77), ErrorCode.NONE)
    await s.close()
    const log = await Log.open({ dir: join(dataDir, '__transaction_state-0'), config: logConfig({}) })
    const now = Date.now()
    const value = encodeTxnValue({
      transactionalId: 'tx-off', producerId: Number(fresh.producerId), previousProducerId: -1, producerEpoch: fresh.producerEpoch, lastProducerEpoch: -1,
      timeoutMs: 600_000, state: TxnState.PrepareCommit, txnStartTimestamp: now, txnLastUpdateTimestamp: now,
      partitions: new Map([[tpKey('__consumer_offsets', OFFSETS_PARTITION), { topic: '__consumer_offsets', partition: OFFSETS_PARTITION }]]),
    })
    await log.append(buildRecordBatch({ records: [{ key: encodeTxnKey('tx-off'), value }] }), { origin: 'coordinator' })
    await log.close()
    await unlink(join(dataDir, '.samsa_cleanshutdown'))
    s = await Session.start(dataDir)
    assert.deepEqual(await retry(() => s.fetched(true), (v) => v[0] === 77), [77, ErrorCode.NONE], 'completed after the restart')
    await s.close()
    s = await Session.start(dataDir)
    assert.deepEqual(await retry(() => s.fetched(true), (v) => v[0] >= 0), [77, ErrorCode.NONE], 'and replayed from the log afterwards')
  } finally {
    await s.close().catch(() => {})
    await rm(dataDir, { recursive: true, force: true })
  }
})
