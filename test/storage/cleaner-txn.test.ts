// Compaction of a log with transactions: the cleaner stays below the first unstable offset, keeps
// aborted records out of its key map and drops them, and removes emptied markers (with their
// transaction-index entries) only after a whole pass and the delete horizon. What a read_committed
// consumer sees is checked with the consumers' own algorithm (aborted list + abort markers), also
// after reopening the log.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { readFile } from 'node:fs/promises'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'
import { DELETE_HORIZON_BIT, attributes, batchSize, baseOffset } from '../../src/protocol/records/batch-header.ts'
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../src/protocol/records/control-record.ts'
import { cleanLog } from '../../src/storage/cleaner.ts'
import { ManualScheduler } from '../../src/storage/clock.ts'
import { logConfig } from '../helpers/log-config.ts'
import { Log } from '../../src/storage/log.ts'
import type { ProducerStateManager } from '../../src/storage/producer/producer-state-manager.ts'
import { decodeAbortedTxns } from '../../src/storage/txn-index.ts'
import { tempDir } from './helpers.ts'

const T0 = 1_700_000_000_000
const CONFIG = { 'cleanup.policy': 'compact', 'delete.retention.ms': 1000, 'min.cleanable.dirty.ratio': 0.01 }

const data = (pid: number, seq: number, key: string, value: string, transactional = pid >= 0) =>
  buildRecordBatch({ producerId: pid, producerEpoch: pid >= 0 ? 0 : -1, baseSequence: pid >= 0 ? seq : -1, transactional,
    records: [{ key: Buffer.from(key), value: Buffer.from(value), timestamp: T0 }] })
const marker = (pid: number, commit: boolean) =>
  buildEndTxnMarkerBatch({ type: commit ? ControlRecordType.Commit : ControlRecordType.Abort, producerId: pid, producerEpoch: 0, coordinatorEpoch: 0, timestamp: T0 })

async function open(dir: string, clock: ManualScheduler) {
  const log = await Log.open({ dir, config: logConfig(CONFIG), scheduler: clock, producerIdExpirationMs: 1e12 })
  return { log, psm: log.producerState }
}

interface RawBatch { offset: number, control: boolean, horizon: boolean, pid: number, values: string[] }

async function rawBatches(log: Log): Promise<RawBatch[]> {
  const out: RawBatch[] = []
  for (const seg of log.segments) {
    const r = await log.read(seg.baseOffset, 1 << 20, { maxOffset: Math.min(log.logEndOffset, seg === log.segments.at(-1) ? Infinity : log.segments[log.segments.indexOf(seg) + 1]!.baseOffset) })
    for (const buf of r.batches) {
      for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
        if (out.length > 0 && baseOffset(buf, pos) <= out.at(-1)!.offset) continue
        const b = decodeRecordBatch(buf, pos)
        out.push({ offset: b.baseOffset, control: b.control, horizon: (attributes(buf, pos) & DELETE_HORIZON_BIT) !== 0, pid: b.producerId,
          values: b.control ? [] : b.records.map((x) => x.value?.toString() ?? 'null') })
      }
    }
  }
  return out
}

/** What a read_committed consumer returns from offset 0 (Kafka's consumer algorithm). */
async function committedView(log: Log, psm: ProducerStateManager): Promise<string[]> {
  const lso = psm.firstUnstableOffset ?? log.logEndOffset
  const aborted = psm.abortedTransactions(0, lso).sort((a, b) => a.firstOffset - b.firstOffset)
  const abortedPids = new Set<number>()
  const out: string[] = []
  for (const seg of log.segments) {
    for (const buf of (await log.read(seg.baseOffset, 1 << 20, { maxOffset: lso })).batches) {
      for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
        const b = decodeRecordBatch(buf, pos)
        const last = b.baseOffset + b.lastOffsetDelta
        if (out.length > 0 && Number(out.at(-1)!.split('@')[1]) >= b.baseOffset) continue
        while (aborted.length > 0 && aborted[0]!.firstOffset <= last) abortedPids.add(aborted.shift()!.producerId)
        if (b.control) {
          if (b.records[0]!.key!.readInt16BE(2) === ControlRecordType.Abort) abortedPids.delete(b.producerId)
          continue
        }
        if (b.transactional && abortedPids.has(b.producerId)) continue
        for (const r of b.records) out.push(`${r.key}=${r.value}@${b.baseOffset + r.offsetDelta}`)
      }
    }
  }
  return out.map((s) => s.split('@')[0]!)
}

test('compaction with transactions: below the LSO only, aborted data out, emptied markers after a pass and the horizon', async () => {
  const tmp = await tempDir()
  const dir = join(tmp.path, 'tx-0')
  const clock = new ManualScheduler(T0)
  let { log, psm } = await open(dir, clock)
  const coord = { origin: 'coordinator' as const }
  await log.append(data(1, 0, 'a', 'a-committed')) // 0
  await log.append(data(2, 0, 'a', 'a-aborted')) // 1: must not supersede offset 0
  await log.append(marker(1, true), coord) // 2
  await log.append(marker(2, false), coord) // 3
  await log.append(data(-1, 0, 'b', 'b-old')) // 4
  await log.roll()
  await log.append(data(3, 0, 'c', 'c-open')) // 5: first unstable offset
  await log.append(data(-1, 0, 'b', 'b-new')) // 6
  await log.roll()
  await log.append(data(-1, 0, 'z', 'z')) // 7
  assert.equal(psm.firstUnstableOffset, 5)
  const clean = () => cleanLog(log, { now: clock.now(), firstDirtyOffset: 0, force: true })
  const expected = ['a=a-committed', 'b=b-old', 'b=b-new', 'z=z']
  assert.deepEqual(await committedView(log, psm), ['a=a-committed', 'b=b-old'])

  // Pass 1: only the segment below the LSO; the aborted batch is dropped, markers stay (data seen).
  const r1 = await clean()
  assert.equal(r1?.cleanedUpTo, 5)
  let raw = await rawBatches(log)
  assert.deepEqual(raw.map((b) => b.offset), [0, 2, 3, 4, 5, 6, 7])
  assert.ok(raw.find((b) => b.offset === 4)!.values.includes('b-old'), 'b-old is superseded only above the LSO: kept')
  assert.equal(psm.txnIndex.size, 1)
  assert.deepEqual(await committedView(log, psm), ['a=a-committed', 'b=b-old'])

  // Pass 2: the abort is empty now: its index entry goes, its marker gets a delete horizon.
  await clean()
  raw = await rawBatches(log)
  assert.deepEqual(raw.filter((b) => b.control).map((b) => [b.offset, b.horizon]), [[2, false], [3, true]])
  assert.equal(psm.txnIndex.size, 0)
  assert.deepEqual(decodeAbortedTxns(await readFile(join(dir, '00000000000000000000.txnindex'))), [])

  // Pass 3, before and after the horizon: the empty abort marker goes; the commit (data left) stays.
  clock.advance(500)
  await clean()
  assert.ok((await rawBatches(log)).some((b) => b.offset === 3))
  clock.advance(600)
  await clean()
  raw = await rawBatches(log)
  assert.deepEqual(raw.filter((b) => b.control).map((b) => b.offset), [2])

  // The producer whose abort marker is gone writes a committed transaction: consumers must not
  // still treat it as aborted (that is why its index entry went first).
  await log.append(data(2, 1, 'd', 'd-pid2')) // 8
  await log.append(marker(2, true), coord) // 9
  await log.append(marker(3, true), coord) // 10: the open transaction commits, the LSO moves on
  assert.equal(psm.firstUnstableOffset, undefined)
  await log.roll()
  await log.append(data(-1, 0, 'y', 'y')) // 11
  expected.push('c=c-open', 'd=d-pid2')
  const view = (v: string[]) => [...v].sort()
  assert.deepEqual(view(await committedView(log, psm)), view([...expected, 'y=y']))

  // Pass 4: the whole log below the new active segment; b-old is superseded now.
  await clean()
  raw = await rawBatches(log)
  assert.ok(!raw.some((b) => b.values.includes('b-old')))
  const final = view([...expected, 'y=y'].filter((x) => x !== 'b=b-old'))
  assert.deepEqual(view(await committedView(log, psm)), final)

  // Reopen: the same read_committed view from files (transaction index, snapshot + replay).
  await log.close()
  ;({ log, psm } = await open(dir, clock))
  assert.deepEqual(view(await committedView(log, psm)), final)
  assert.equal(psm.txnIndex.size, 0)
  await log.close()
  await tmp.cleanup()
})

test('an aborted record never wins over a committed one in the key map, even when the abort is in a later segment', async () => {
  const tmp = await tempDir()
  const dir = join(tmp.path, 'tx2-0')
  const clock = new ManualScheduler(T0)
  let { log, psm } = await open(dir, clock)
  await log.append(data(-1, 0, 'k', 'committed')) // 0
  await log.append(data(7, 0, 'k', 'aborted-1')) // 1
  await log.roll()
  await log.append(data(7, 1, 'k', 'aborted-2')) // 2
  await log.append(marker(7, false), { origin: 'coordinator' }) // 3
  await log.roll()
  await log.append(data(-1, 0, 'other', 'x')) // 4
  for (let i = 0; i < 3; i++) {
    await cleanLog(log, { now: clock.now(), firstDirtyOffset: 0, force: true })
    assert.deepEqual(await committedView(log, psm), ['k=committed', 'other=x'])
    clock.advance(2000)
  }
  const raw = await rawBatches(log)
  assert.deepEqual(raw.flatMap((b) => b.values), ['committed', 'x'])
  assert.ok(!raw.some((b) => b.control), 'the emptied abort marker is gone after its horizon')
  await log.close()
  ;({ log, psm } = await open(dir, clock))
  assert.deepEqual(await committedView(log, psm), ['k=committed', 'other=x'])
  await log.close()
  await tmp.cleanup()
})
