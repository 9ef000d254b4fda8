// SharePartition and the share fetch read on their own (manual clock, a stand-in partition):
// read_committed skips aborted transactions and control batches (archived, never delivered), a
// compaction gap is archived, the start offset moves over a done prefix and over the log start,
// the acquired-records cap holds, and persisted state batches round-trip through initialize.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ManualScheduler } from '../../../src/storage/index.ts'
import { TimerQueue } from '../../../src/broker/coordinator/timer-queue.ts'
import { SharePartition, RecordState, AcknowledgeType } from '../../../src/broker/share/share-partition.ts'
import { readAndAcquire } from '../../../src/broker/share/share-fetch-read.ts'
import type { Partition } from '../../../src/broker/replica/partition.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../../src/protocol/records/control-record.ts'
import { mergeBatches } from '../../../src/broker/coordinator/share/share-coordinator.ts'

function sharePartition(maxInFlightAcquired = 1000) {
  const clock = new ManualScheduler()
  const timers = new TimerQueue(clock)
  let changes = 0
  const sp = new SharePartition({ timers, key: 'k', lockDurationMs: () => 1000, deliveryCountLimit: () => 2, maxInFlightAcquired, onAvailable: () => {}, onStateChange: () => { changes++ } })
  return { sp, clock, timers, changes: () => changes }
}

const data = (base: number, n: number, producerId = -1) => buildRecordBatch({
  baseOffset: base, transactional: producerId >= 0, producerId, producerEpoch: producerId >= 0 ? 0 : -1,
  records: Array.from({ length: n }, () => ({ key: null, value: Buffer.from('v'), timestamp: 1 })),
})

test('read_committed: aborted transactions and control batches are archived, committed ones delivered', async () => {
  // 0-1 plain; 2-3 producer 7 (aborted, marker at 4); 5-6 producer 8 (committed, marker at 7); 8 plain.
  const log = [
    data(0, 2), data(2, 2, 7),
    buildEndTxnMarkerBatch({ type: ControlRecordType.Abort, producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, timestamp: 1, baseOffset: 4 }),
    data(5, 2, 8),
    buildEndTxnMarkerBatch({ type: ControlRecordType.Commit, producerId: 8, producerEpoch: 0, coordinatorEpoch: 0, timestamp: 1, baseOffset: 7 }),
    data(8, 1),
  ]
  const p = {
    logStartOffset: 0,
    fetchBound: () => 9,
    read: async () => ({ batches: [Buffer.concat(log)], bytes: 1, logStartOffset: 0, logEndOffset: 9 }),
    abortedTransactions: (from: number, to: number) => (from <= 4 && to > 2 ? [{ producerId: 7, firstOffset: 2, lastOffset: 4, lastStableOffset: 5 }] : []),
  } as unknown as Partition
  const { sp } = sharePartition()
  sp.initialize(0, [], 0)
  const read = await readAndAcquire(p, sp, 'm', 1 << 20, 100, false, true)
  assert.deepEqual(read.acquired.map((a) => [a.firstOffset, a.lastOffset]), [[0, 1], [5, 6], [8, 8]])
  for (const o of [2, 3, 4, 7]) assert.equal(sp.stateOf(o)?.state, RecordState.ARCHIVED, `offset ${o}`)
  // read_uncommitted: the aborted records are delivered, markers still not.
  const u = sharePartition()
  u.sp.initialize(0, [], 0)
  const r2 = await readAndAcquire(p, u.sp, 'm', 1 << 20, 100, false, false)
  assert.deepEqual(r2.acquired.map((a) => [a.firstOffset, a.lastOffset]), [[0, 3], [5, 6], [8, 8]])
})

test('share-partition: gaps archived, start offset, record-lock cap, exact record limit, state round trip', () => {
  const { sp, clock, timers } = sharePartition(5)
  sp.initialize(10, [], 0)
  // Batches 10-12 and 15-16 (13-14 compacted away).
  const got = sp.acquire('a', [{ baseOffset: 10, lastOffset: 12, skip: false }, { baseOffset: 15, lastOffset: 16, skip: false }], 100, false)
  assert.deepEqual(got.map((r) => [r.firstOffset, r.lastOffset]), [[10, 12], [15, 16]])
  assert.equal(sp.stateOf(13)?.state, RecordState.ARCHIVED)
  assert.equal(sp.acquired, 5)
  assert.deepEqual(sp.acquire('b', [{ baseOffset: 17, lastOffset: 20, skip: false }], 100, false), [], 'group.share.partition.max.record.locks reached')
  assert.equal(sp.acknowledge('a', [{ firstOffset: 10, lastOffset: 12, acknowledgeTypes: [AcknowledgeType.ACCEPT] }]), 0)
  assert.equal(sp.spso, 15, 'the start offset moved over 10-14')
  // Exact record limit (ShareAcquireMode record_limit) vs finishing the batch.
  assert.deepEqual(sp.acquire('b', [{ baseOffset: 17, lastOffset: 20, skip: false }], 2, true).map((r) => [r.firstOffset, r.lastOffset]), [[17, 18]])
  // Lock expiry: released once (count 1 < limit 2), then archived after the second delivery.
  clock.advance(1001)
  timers.runDue()
  assert.equal(sp.stateOf(15)?.state, RecordState.AVAILABLE)
  assert.deepEqual(sp.acquire('c', [{ baseOffset: 15, lastOffset: 16, skip: false }], 100, false).map((r) => r.deliveryCount), [2])
  assert.equal(sp.acknowledge('c', [{ firstOffset: 15, lastOffset: 16, acknowledgeTypes: [AcknowledgeType.RELEASE] }]), 0)
  assert.equal(sp.spso, 17, 'archived at the delivery limit: the start offset moved over 15-16')
  const batches = sp.stateBatches()
  const copy = sharePartition().sp
  copy.initialize(sp.spso, batches, 3)
  assert.deepEqual(copy.stateBatches(), batches)
  assert.equal(copy.nextFetchOffset(), sp.nextFetchOffset())
  // The log start passing the start offset finishes what it skipped.
  copy.moveStartTo(19)
  assert.equal(copy.spso, 19)
})

test('share coordinator: update batches overlay the snapshot; the start offset cuts', () => {
  const b = (f: number, l: number, s: number, c: number) => ({ firstOffset: f, lastOffset: l, deliveryState: s, deliveryCount: c })
  assert.deepEqual(mergeBatches([b(0, 9, 0, 1)], [b(3, 4, 2, 1)], 2), [b(2, 2, 0, 1), b(3, 4, 2, 1), b(5, 9, 0, 1)])
  assert.deepEqual(mergeBatches([b(0, 4, 0, 1), b(5, 9, 4, 2)], [b(0, 4, 0, 1)], 0), [b(0, 4, 0, 1), b(5, 9, 4, 2)])
})
