import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { cleanLog } from '../../src/storage/cleaner.ts'
import { ManualScheduler } from '../../src/storage/clock.ts'
import { logConfig } from '../helpers/log-config.ts'
import { Log } from '../../src/storage/log.ts'
import { LogManager } from '../../src/storage/log-manager.ts'
import { readdir } from 'node:fs/promises'
import { computeCrc } from '../../src/protocol/records/batch-header.ts'
import { batch, decodeAll, nextOffsetAfter, recordingLogger, tempDir } from './helpers.ts'

function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const COMPACT = { 'cleanup.policy': 'compact', 'segment.bytes': 1500, 'min.cleanable.dirty.ratio': 0.01, 'delete.retention.ms': 10_000 }

async function readAll(log: Log) {
  const out: ReturnType<typeof decodeAll> = []
  let offset = log.logStartOffset
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, 1 << 20)
    const recs = decodeAll(r.batches).filter((x) => x.offset >= offset)
    if (r.batches.length === 0) {
      // An emptied segment: continue from the next segment's base.
      const next = log.segments.find((s) => s.baseOffset > offset)
      if (!next) break
      offset = next.baseOffset
      continue
    }
    out.push(...recs)
    offset = nextOffsetAfter(r.batches)
  }
  return out
}

/** Applies random puts/deletes (random batch sizes and codecs); returns the model. */
async function workload(log: Log, random: () => number, ops: number, clock: ManualScheduler) {
  const model = new Map<string, string | null>()
  let n = 0
  while (n < ops) {
    const size = 1 + Math.floor(random() * 5)
    const records = []
    for (let i = 0; i < size; i++, n++) {
      const key = `k${Math.floor(random() * 25)}`
      const del = random() < 0.15
      const value = del ? null : `v${n}`
      model.set(key, value)
      records.push({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: clock.now() })
    }
    await log.append(buildRecordBatch({ records, compression: [0, 0, 1, 2, 3, 4][Math.floor(random() * 6)]! }))
    clock.advance(10)
  }
  return model
}

function fold(recs: ReturnType<typeof decodeAll>) {
  const state = new Map<string, string | null>()
  for (const r of recs) state.set(r.key!, r.value)
  return state
}

const live = (m: Map<string, string | null>) => [...m].filter(([, v]) => v !== null).sort()

test('compaction keeps the latest value per key (model check, all codecs), offsets only increase', async () => {
  for (const seed of [1, 2, 3, 4]) {
    const tmp = await tempDir()
    const clock = new ManualScheduler()
    const log = await Log.open({ dir: join(tmp.path, 'c-0'), config: logConfig(COMPACT), scheduler: clock })
    const random = rng(seed)
    const model = await workload(log, random, 400, clock)
    const before = log.size
    const r = await cleanLog(log, { now: clock.now(), firstDirtyOffset: 0 })
    assert.ok(r && r.recordsRemoved > 0, `seed ${seed}: something was compacted`)
    assert.ok(log.size < before)
    assert.ok(log.segments.slice(1, -1).every((s) => s.size > 0), 'emptied middle segments are removed')
    const recs = await readAll(log)
    for (let i = 1; i < recs.length; i++) assert.ok(recs[i]!.offset > recs[i - 1]!.offset, 'offsets increase')
    assert.deepEqual(live(fold(recs)), live(model), `seed ${seed}: latest values match the model`)
    // Below the first uncleanable offset each key appears at most once.
    const cleanedEnd = r.cleanedUpTo
    const seen = new Set<string>()
    for (const rec of recs.filter((x) => x.offset < cleanedEnd)) {
      assert.ok(!seen.has(rec.key!), `seed ${seed}: duplicate key ${rec.key} in cleaned part`)
      seen.add(rec.key!)
    }
    // More writes, another pass (starting from the checkpointed dirty offset), then tombstones expire.
    const more = await workload(log, random, 200, clock)
    for (const [k, v] of more) model.set(k, v)
    await cleanLog(log, { now: clock.now(), firstDirtyOffset: cleanedEnd })
    assert.deepEqual(live(fold(await readAll(log))), live(model))
    const tombstonesBefore = (await readAll(log)).filter((x) => x.value === null && x.offset < log.activeSegment.baseOffset).length
    clock.advance(20_000)
    await log.roll()
    await cleanLog(log, { now: clock.now(), firstDirtyOffset: 0, force: true })
    // Tombstones first cleaned just now (they were in the active segment) got a fresh horizon.
    clock.advance(20_000)
    await cleanLog(log, { now: clock.now(), firstDirtyOffset: 0, force: true })
    const after = await readAll(log)
    assert.equal(after.filter((x) => x.value === null).length, 0, `seed ${seed}: tombstones removed after delete.retention.ms (had ${tombstonesBefore})`)
    assert.deepEqual(live(fold(after)), live(model))
    await log.close()
    // Reopening (full recovery) sees the same compacted data.
    const again = await Log.open({ dir: join(tmp.path, 'c-0'), config: logConfig(COMPACT), scheduler: clock })
    assert.deepEqual(live(fold(await readAll(again))), live(model))
    await again.close()
    await tmp.cleanup()
  }
})

test('tombstones survive a first clean for delete.retention.ms', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler()
  const log = await Log.open({ dir: join(tmp.path, 'c-0'), config: logConfig(COMPACT), scheduler: clock })
  const put = (k: string, v: string | null) =>
    log.append(buildRecordBatch({ records: [{ key: Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: clock.now() }] }))
  await put('a', '1')
  await put('a', null)
  await put('b', '1')
  await log.roll()
  await put('c', '1')
  await cleanLog(log, { now: clock.now(), firstDirtyOffset: 0, force: true })
  let recs = await readAll(log)
  assert.deepEqual(recs.map((r) => [r.offset, r.key, r.value]), [[1, 'a', null], [2, 'b', '1'], [3, 'c', '1']])
  clock.advance(9_000)
  await cleanLog(log, { now: clock.now(), firstDirtyOffset: 0, force: true })
  assert.equal((await readAll(log)).length, 3)
  clock.advance(2_000)
  await cleanLog(log, { now: clock.now(), firstDirtyOffset: 0, force: true })
  recs = await readAll(log)
  assert.deepEqual(recs.map((r) => [r.offset, r.key]), [[2, 'b'], [3, 'c']])
  await log.close()
  await tmp.cleanup()
})

test('the cleaner honours min.compaction.lag.ms and min.cleanable.dirty.ratio; appends and reads continue during a clean', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler()
  const m = await LogManager.open({ logDirs: [tmp.path], scheduler: clock, cleanerBackoffMs: 1000 })
  const log = await m.getOrCreate('c', 0, logConfig({ ...COMPACT, 'min.compaction.lag.ms': 60_000, 'min.cleanable.dirty.ratio': 0.5 }))
  const model = await workload(log, rng(9), 300, clock)
  assert.deepEqual(await m.runCleaner(), [], 'nothing is old enough yet')
  clock.advance(60_000)
  const appends: Promise<unknown>[] = []
  const cleaning = m.runCleaner()
  for (let i = 0; i < 20; i++) {
    appends.push(log.append(buildRecordBatch({ records: [{ key: Buffer.from('late'), value: Buffer.from(`x${i}`), timestamp: clock.now() }] })))
    appends.push(log.read(log.logStartOffset, 1000))
  }
  const [results] = await Promise.all([cleaning, ...appends])
  assert.equal(results.length, 1)
  model.set('late', 'x19')
  assert.deepEqual(live(fold(await readAll(log))), live(model))
  // The new segments are dirty but, beside the cleaned part, below a 0.99 ratio: nothing to do.
  await log.roll()
  clock.advance(60_000)
  m.updateConfig('c', logConfig({ ...COMPACT, 'min.cleanable.dirty.ratio': 0.99 }))
  assert.deepEqual(await m.runCleaner(), [])
  m.updateConfig('c', logConfig({ ...COMPACT, 'min.cleanable.dirty.ratio': 0.01 }))
  assert.equal((await m.runCleaner()).length, 1)
  await m.close()
  await tmp.cleanup()
})

test('a bounded key map cleans in several passes, each ending at a segment boundary', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler()
  const log = await Log.open({ dir: join(tmp.path, 'c-0'), config: logConfig(COMPACT), scheduler: clock })
  const model = await workload(log, rng(5), 400, clock)
  let dirty = 0
  const ends: number[] = []
  for (let pass = 0; pass < 50; pass++) {
    const r = await cleanLog(log, { now: clock.now(), firstDirtyOffset: dirty, maxKeys: 10 })
    if (!r) break
    assert.ok(r.cleanedUpTo > dirty)
    assert.ok(log.segments.some((s) => s.baseOffset === r.cleanedUpTo), 'pass ends at a segment base')
    ends.push(r.cleanedUpTo)
    dirty = r.cleanedUpTo
  }
  assert.ok(ends.length > 1, `several passes (${ends.join(',')})`)
  assert.deepEqual(live(fold(await readAll(log))), live(model))
  await log.close()
  await tmp.cleanup()
})

test('a log whose records cannot be decoded is marked uncleanable, once, and stays usable', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler()
  const logger = recordingLogger()
  const m = await LogManager.open({ logDirs: [tmp.path], scheduler: clock, logger, cleanerEnabled: false })
  const log = await m.getOrCreate('bad', 0, logConfig(COMPACT))
  const broken = buildRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: clock.now() }] })
  broken[61]! = 0x7f // record length varint now claims far more bytes than the batch holds
  broken.writeUInt32BE(computeCrc(broken, 0), 17)
  await log.append(broken)
  await log.append(buildRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('w'), timestamp: clock.now() }] }))
  await log.roll()
  assert.deepEqual(await m.runCleaner(true), [])
  assert.deepEqual(await m.runCleaner(true), [])
  assert.equal(logger.lines.filter((l) => /uncleanable/.test(l.msg)).length, 1)
  assert.ok(!(await readdir(join(tmp.path, 'bad-0'))).some((f) => f.endsWith('.cleaned')))
  assert.equal((await log.append(batch(1))).baseOffset, 2)
  assert.ok((await log.read(0, 1 << 20)).bytes > 0)
  await m.close()
  await tmp.cleanup()
})
