import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../../src/protocol/records/control-record.ts'
import { ManualScheduler } from '../../../src/storage/clock.ts'
import { logConfig } from '../../helpers/log-config.ts'
import type { StorageError } from '../../../src/storage/errors.ts'
import { Log } from '../../../src/storage/log.ts'
import type { ProducerStateManager } from '../../../src/storage/producer/producer-state-manager.ts'
import { decodeSnapshot, encodeSnapshot } from '../../../src/storage/producer/snapshot.ts'
import { decodeAbortedTxns, encodeAbortedTxn } from '../../../src/storage/txn-index.ts'
import { tempDir } from '../helpers.ts'

const T0 = 1_700_000_000_000

function pbatch(pid: number, epoch: number, seq: number, n = 1, txn = false): Buffer {
  return buildRecordBatch({
    producerId: pid,
    producerEpoch: epoch,
    baseSequence: seq,
    transactional: txn,
    baseTimestamp: T0,
    records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`p${pid}-${seq + i}`) })),
  })
}

function marker(pid: number, epoch: number, commit: boolean, coordinatorEpoch = 0): Buffer {
  return buildEndTxnMarkerBatch({ type: commit ? ControlRecordType.Commit : ControlRecordType.Abort, producerId: pid, producerEpoch: epoch, coordinatorEpoch, timestamp: T0 })
}

async function openLog(dir: string, clock: ManualScheduler, raw: Record<string, unknown> = {}, expirationMs = 60_000) {
  const pdir = join(dir, 'topic-0')
  const log = await Log.open({ dir: pdir, config: logConfig(raw), scheduler: clock, producerIdExpirationMs: expirationMs })
  return { log, psm: log.producerState }
}

const code = (c: string) => (e: StorageError) => e.code === c

test('duplicates of any of the last five batches get their original offsets and are not written', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(T0)
  const { log } = await openLog(tmp.path, clock)
  const r0 = await log.append(pbatch(7, 0, 0, 3))
  const r1 = await log.append(pbatch(7, 0, 3, 2))
  assert.deepEqual([r0.baseOffset, r0.lastOffset, r1.baseOffset, r1.lastOffset], [0, 2, 3, 4])
  const dup = await log.append(pbatch(7, 0, 0, 3))
  assert.deepEqual([dup.baseOffset, dup.lastOffset], [0, 2])
  assert.equal(log.logEndOffset, 5)
  for (let i = 0; i < 5; i++) await log.append(pbatch(7, 0, 5 + i))
  // Batch seq 3-4 is now the sixth newest: forgotten, so it is out of order rather than a duplicate.
  await assert.rejects(log.append(pbatch(7, 0, 3, 2)), code('OUT_OF_ORDER_SEQUENCE_NUMBER'))
  const dup2 = await log.append(pbatch(7, 0, 5))
  assert.equal(dup2.baseOffset, 5)
  assert.equal(log.logEndOffset, 10)
  await log.close()
  await tmp.cleanup()
})

test('gaps, stale epochs, unknown producers and non-transactional writes in a transaction are rejected', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(T0)
  const { log } = await openLog(tmp.path, clock)
  await log.append(pbatch(1, 3, 0, 2))
  await assert.rejects(log.append(pbatch(1, 3, 5)), code('OUT_OF_ORDER_SEQUENCE_NUMBER'))
  await assert.rejects(log.append(pbatch(1, 2, 2)), code('INVALID_PRODUCER_EPOCH'))
  // A new epoch must start at sequence 0.
  await assert.rejects(log.append(pbatch(1, 4, 2)), code('OUT_OF_ORDER_SEQUENCE_NUMBER'))
  await log.append(pbatch(1, 4, 0))
  await assert.rejects(log.append(pbatch(1, 3, 2)), code('INVALID_PRODUCER_EPOCH'))
  // Never seen: must start at 0.
  await assert.rejects(log.append(pbatch(2, 0, 9)), code('UNKNOWN_PRODUCER_ID'))
  // Several batches of one producer in one append are checked against each other.
  await log.append(Buffer.concat([pbatch(3, 0, 0, 2), pbatch(3, 0, 2, 2)]))
  await assert.rejects(log.append(Buffer.concat([pbatch(3, 0, 4), pbatch(3, 0, 6)])), code('OUT_OF_ORDER_SEQUENCE_NUMBER'))
  await log.append(pbatch(4, 0, 0, 1, true))
  await assert.rejects(log.append(pbatch(4, 0, 1, 1, false)), code('INVALID_TXN_STATE'))
  // Sequence numbers wrap at 2^31-1.
  const end = log.logEndOffset
  await log.append(pbatch(5, 0, 0))
  const tail = await log.append(Buffer.concat([pbatch(5, 0, 1, 1)]))
  assert.equal(tail.baseOffset, end + 1)
  await log.close()
  await tmp.cleanup()
})

test('transactions: LSO, aborted transaction index, markers, coordinator epoch fencing', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(T0)
  const { log, psm } = await openLog(tmp.path, clock)
  await log.append(pbatch(9, 0, 0)) // 0 non-transactional
  assert.equal(psm.firstUnstableOffset, undefined)
  await log.append(pbatch(1, 0, 0, 2, true)) // 1-2
  await log.append(pbatch(2, 0, 0, 1, true)) // 3
  assert.equal(psm.firstUnstableOffset, 1)
  await log.append(marker(1, 0, false, 5), { origin: 'coordinator' }) // 4 abort
  assert.equal(psm.firstUnstableOffset, 3)
  assert.deepEqual(psm.abortedTransactions(0, 100), [{ producerId: 1, firstOffset: 1, lastOffset: 4, lastStableOffset: 3 }])
  assert.deepEqual(psm.abortedTransactions(5, 100), [])
  assert.deepEqual(psm.abortedTransactions(0, 1), [])
  // A marker from an older coordinator epoch is fenced.
  await log.append(pbatch(1, 0, 2, 1, true)) // 5
  await assert.rejects(log.append(marker(1, 0, true, 4), { origin: 'coordinator' }), code('TRANSACTION_COORDINATOR_FENCED'))
  await log.append(marker(2, 0, true), { origin: 'coordinator' }) // 6 commit
  assert.equal(psm.firstUnstableOffset, 5)
  await log.append(marker(1, 0, true, 5), { origin: 'coordinator' }) // 7
  assert.equal(psm.firstUnstableOffset, undefined)
  assert.equal(psm.abortedTransactions(0, 100).length, 1)
  // A bumped-epoch marker fences older data.
  await log.append(marker(1, 1, false, 5), { origin: 'coordinator' })
  await assert.rejects(log.append(pbatch(1, 0, 3)), code('INVALID_PRODUCER_EPOCH'))
  await log.close()
  const files = await readdir(join(tmp.path, 'topic-0'))
  assert.ok(files.some((f) => f.endsWith('.txnindex')))
  assert.ok(files.some((f) => f.endsWith('.snapshot')))
  await tmp.cleanup()
})

/** Comparable view of a manager's state. */
function stateOf(psm: ProducerStateManager) {
  return {
    producers: [...psm.entries()]
      .map((e) => ({ pid: e.producerId, epoch: e.epoch, last: e.batches.at(-1) ?? null, txn: e.currentTxnFirstOffset, ce: e.coordinatorEpoch }))
      .sort((a, b) => a.pid - b.pid),
    open: [...psm.openTransactions()],
    aborted: psm.abortedTransactions(0, Number.MAX_SAFE_INTEGER),
  }
}

async function workload(log: Log): Promise<void> {
  const seqs = new Map<number, number>()
  for (let i = 0; i < 60; i++) {
    const pid = i % 4
    const txn = pid >= 2
    const seq = seqs.get(pid) ?? 0
    await log.append(pbatch(pid, 0, seq, 2, txn))
    seqs.set(pid, seq + 2)
    if (txn && i % 8 >= 6) await log.append(marker(pid, 0, i % 16 < 8), { origin: 'coordinator' })
  }
}

test('replay equivalence: snapshot + log replay (and replay without any snapshot) rebuild the same state', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(T0)
  // Small segments: several rolls, so several snapshots.
  const { log, psm } = await openLog(tmp.path, clock, { 'segment.bytes': 1200 })
  await workload(log)
  const live = stateOf(psm)
  assert.ok(live.aborted.length > 0 && live.open.length > 0)
  // Crash: no close (no final snapshot). Reopen from the last roll snapshot + replay.
  const again = await openLog(tmp.path, clock, { 'segment.bytes': 1200 })
  assert.deepEqual(stateOf(again.psm), live)
  // Duplicate detection survives the restart.
  const dup = await again.log.append(pbatch(0, 0, 28, 2))
  assert.equal(again.log.logEndOffset, log.logEndOffset)
  assert.ok(dup.baseOffset < log.logEndOffset)
  await again.log.close()
  await log.close().catch(() => {})
  // Without snapshots: replay of the whole log.
  const dir = join(tmp.path, 'topic-0')
  for (const f of await readdir(dir)) if (f.endsWith('.snapshot')) await import('node:fs/promises').then((fs) => fs.unlink(join(dir, f)))
  const fresh = await openLog(tmp.path, clock, { 'segment.bytes': 1200 })
  assert.deepEqual(stateOf(fresh.psm), live)
  // Each abort is indexed beside the segment that holds its marker.
  await fresh.psm.txnIndex.flush()
  const bases = fresh.log.segments.map((s) => s.baseOffset)
  const { readFile } = await import('node:fs/promises')
  let indexed = 0
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.txnindex'))) {
    const base = Number(f.slice(0, 20))
    const next = bases.find((b) => b > base) ?? Infinity
    for (const t of decodeAbortedTxns(await readFile(join(dir, f)))) {
      assert.ok(t.lastOffset >= base && t.lastOffset < next, `abort at ${t.lastOffset} indexed in segment ${base}`)
      indexed++
    }
  }
  assert.equal(indexed, live.aborted.length)
  await fresh.log.close()
  await tmp.cleanup()
})

test('producer.id.expiration.ms drops idle producers (not ones with an open transaction); log start offset evicts too', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(T0)
  const { log, psm } = await openLog(tmp.path, clock, { 'segment.bytes': 300 }, 1000)
  await log.append(pbatch(1, 0, 0))
  await log.append(pbatch(2, 0, 0, 1, true))
  clock.advance(999)
  assert.equal(psm.removeExpired(), 0)
  clock.advance(1)
  assert.equal(psm.removeExpired(), 1)
  assert.equal(psm.entry(1), undefined)
  assert.ok(psm.entry(2))
  await assert.rejects(log.append(pbatch(1, 0, 1)), code('UNKNOWN_PRODUCER_ID'))
  await log.append(pbatch(3, 0, 0))
  for (let i = 0; i < 8; i++) await log.append(pbatch(4, 0, i))
  await log.deleteRecordsBefore(log.logEndOffset - 1)
  assert.equal(psm.entry(3), undefined)
  assert.ok(psm.entry(4))
  assert.ok(psm.entry(2), 'open transaction keeps its producer')
  await log.close()
  await tmp.cleanup()
})

test('snapshot and txn index codecs round trip; corrupt bytes are rejected, not thrown', () => {
  const entries = [
    { producerId: 5, epoch: 2, batches: [{ firstSeq: 10, lastSeq: 14, firstOffset: 100, lastOffset: 104 }], coordinatorEpoch: 3, currentTxnFirstOffset: 90, lastTimestamp: T0 },
    { producerId: 6, epoch: 0, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: T0 + 1 },
  ]
  const buf = encodeSnapshot(entries)
  assert.deepEqual(decodeSnapshot(buf), entries)
  const bad = Buffer.from(buf)
  bad[bad.length - 1]! ^= 1
  assert.equal(decodeSnapshot(bad), undefined)
  assert.equal(decodeSnapshot(buf.subarray(0, 5)), undefined)
  const t = { producerId: 1, firstOffset: 2, lastOffset: 3, lastStableOffset: 4 }
  const two = Buffer.concat([encodeAbortedTxn(t), encodeAbortedTxn({ ...t, producerId: 9 }), Buffer.alloc(5)])
  assert.deepEqual(decodeAbortedTxns(two), [t, { ...t, producerId: 9 }])
})

test('a corrupt newest snapshot is dropped and the state is rebuilt from an older one plus replay', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(T0)
  const { log, psm } = await openLog(tmp.path, clock, { 'segment.bytes': 1200 })
  await workload(log)
  const live = stateOf(psm)
  await log.close()
  const dir = join(tmp.path, 'topic-0')
  const { writeFile } = await import('node:fs/promises')
  const snaps = (await readdir(dir)).filter((f) => f.endsWith('.snapshot')).sort()
  assert.ok(snaps.length >= 2)
  await writeFile(join(dir, snaps.at(-1)!), Buffer.from('garbage, not a snapshot'))
  // A torn transaction index tail (crash mid-write) is cut, not fatal.
  const idx = (await readdir(dir)).find((f) => f.endsWith('.txnindex'))!
  await writeFile(join(dir, idx), Buffer.alloc(7, 1), { flag: 'a' })
  const again = await openLog(tmp.path, clock, { 'segment.bytes': 1200 })
  assert.deepEqual(stateOf(again.psm), live)
  assert.ok(!(await readdir(dir)).includes(snaps.at(-1)!), 'the corrupt snapshot was deleted')
  await again.log.close()
  await tmp.cleanup()
})

test('LogManager: producer expiry for every partition on the scheduler with the current (dynamic) setting', async () => {
  const { LogManager } = await import('../../../src/storage/log-manager.ts')
  const tmp = await tempDir()
  const clock = new ManualScheduler(T0)
  let expiration = 10_000
  const m = await LogManager.open({ logDirs: [tmp.path], scheduler: clock, cleanerEnabled: false, producerIdExpirationMs: () => expiration, producerIdExpirationCheckIntervalMs: 1000 })
  const log = await m.getOrCreate('topic', 0)
  await log.append(pbatch(1, 0, 0))
  await log.append(pbatch(2, 0, 0, 2, true))
  assert.equal(log.lastStableOffset(log.logEndOffset), 1)
  assert.equal(log.lastStableOffset(0), 0)
  clock.advance(5000)
  assert.ok(log.producerState.entry(1))
  expiration = 4000
  clock.advance(1000)
  assert.equal(log.producerState.entry(1), undefined)
  assert.ok(log.producerState.entry(2), 'open transaction kept')
  await m.close()
  await tmp.cleanup()
})

test('LogManager: the producer state of a deleted partition goes with it; a re-created one starts afresh', async () => {
  const { LogManager } = await import('../../../src/storage/log-manager.ts')
  const tmp = await tempDir()
  const clock = new ManualScheduler(T0)
  const m = await LogManager.open({ logDirs: [tmp.path], scheduler: clock, cleanerEnabled: false, producerIdExpirationMs: 1000, producerIdExpirationCheckIntervalMs: 500 })
  const a = await m.getOrCreate('gone', 0)
  await m.getOrCreate('kept', 0)
  assert.equal([...m.all()].length, 2)
  await a.append(pbatch(7, 0, 0))
  const old = a.producerState
  await m.delete('gone', 0)
  assert.equal([...m.all()].length, 1, 'the deleted partition is no longer held')
  assert.equal(old.producerCount, 0)
  const again = await m.getOrCreate('gone', 0)
  assert.equal([...m.all()].length, 2)
  assert.notEqual(again.producerState, old)
  assert.equal(again.producerState.entry(7), undefined, 'no state carried over from the deleted topic')
  // The expiry timer runs at the check interval over the open partitions.
  await again.append(pbatch(8, 0, 0))
  clock.advance(999)
  assert.ok(again.producerState.entry(8))
  clock.advance(501)
  assert.equal(again.producerState.entry(8), undefined)
  await m.close()
  await tmp.cleanup()
})
