import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { baseOffset, batchSize, maxTimestamp, partitionLeaderEpoch, timestampType, TimestampType, verifyCrc } from '../../src/protocol/records/batch-header.ts'
import { buildEndTxnMarkerBatch } from '../../src/protocol/records/control-record.ts'
import type { MarkerBatchOptions } from '../../src/protocol/records/control-record.ts'
import { ManualScheduler } from '../../src/storage/clock.ts'
import { logConfig } from '../helpers/log-config.ts'
import type { StorageError } from '../../src/storage/errors.ts'
import { Log } from '../../src/storage/log.ts'
import { TailCacheBudget } from '../../src/storage/tail-cache.ts'
import { Segment } from '../../src/storage/segment.ts'
import { batch, decodeAll, sizedBatch, tempDir } from './helpers.ts'

const open = (dir: string, raw: Record<string, unknown> = {}, extra: Partial<Parameters<typeof Log.open>[0]> = {}) =>
  Log.open({ dir: join(dir, 'topic-0'), config: logConfig(raw), ...extra })

test('append assigns contiguous offsets and read returns the batches', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path)
  const r1 = await log.append(batch(3, 'a'))
  const r2 = await log.append(Buffer.concat([batch(2, 'b'), batch(1, 'c')]))
  assert.deepEqual([r1.baseOffset, r1.lastOffset, r2.baseOffset, r2.lastOffset], [0, 2, 3, 5])
  assert.equal(log.logEndOffset, 6)
  const all = decodeAll((await log.read(0, 1 << 20)).batches)
  assert.deepEqual(all.map((r) => r.offset), [0, 1, 2, 3, 4, 5])
  assert.deepEqual(all.map((r) => r.value), ['a-0', 'a-1', 'a-2', 'b-0', 'b-1', 'c-0'])
  // Read from the middle of a batch returns that whole batch.
  const mid = decodeAll((await log.read(4, 1 << 20)).batches)
  assert.deepEqual(mid.map((r) => r.offset), [3, 4, 5])
  await log.close()
  await tmp.cleanup()
})

test('reads from file (no tail cache) and from the tail cache agree, honour maxBytes and maxOffset', async () => {
  const tmp = await tempDir()
  const budget = new TailCacheBudget(1 << 20)
  const cached = await open(tmp.path, { 'index.interval.bytes': 100 }, { tailCache: budget })
  for (let i = 0; i < 50; i++) await cached.append(batch(2, `x${i}`))
  const fromCache = await cached.read(10, 1 << 20)
  await cached.close()
  const log = await open(tmp.path, { 'index.interval.bytes': 100 })
  const fromFile = await log.read(10, 1 << 20)
  assert.deepEqual(Buffer.concat(fromFile.batches), Buffer.concat(fromCache.batches))
  assert.equal(decodeAll(fromFile.batches)[0]!.offset, 10)
  // maxBytes: the first batch always, then only whole batches that fit.
  const one = await log.read(10, 1)
  assert.equal(one.batches.length, 1)
  assert.equal(decodeAll(one.batches).length, 2)
  const size = batchSize(one.batches[0]!, 0)
  const three = await log.read(10, size * 3 + size - 1)
  assert.equal(decodeAll(three.batches).length, 6)
  // maxOffset (high watermark): batches whose last offset is >= maxOffset are not returned.
  const hw = await log.read(10, 1 << 20, { maxOffset: 15 })
  assert.deepEqual(decodeAll(hw.batches).map((r) => r.offset), [10, 11, 12, 13])
  assert.equal((await log.read(100, 1000)).batches.length, 0)
  await assert.rejects(log.read(101, 1000), (e: StorageError) => e.code === 'OFFSET_OUT_OF_RANGE')
  await assert.rejects(log.read(-1, 1000), (e: StorageError) => e.code === 'OFFSET_OUT_OF_RANGE')
  await log.close()
  await tmp.cleanup()
})

test('append validation rejects bad batches with typed errors and appends nothing', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path, { 'max.message.bytes': 2000 })
  const bad = batch(2)
  bad[bad.length - 1]! ^= 0xff
  await assert.rejects(log.append(bad), (e: StorageError) => e.code === 'CORRUPT_MESSAGE')
  await assert.rejects(log.append(batch(2).subarray(0, 70)), (e: StorageError) => e.code === 'CORRUPT_MESSAGE')
  await assert.rejects(log.append(Buffer.alloc(0)), (e: StorageError) => e.code === 'CORRUPT_MESSAGE')
  await assert.rejects(log.append(Buffer.alloc(100)), (e: StorageError) => e.code === 'CORRUPT_MESSAGE')
  await assert.rejects(log.append(sizedBatch(3000)), (e: StorageError) => e.code === 'MESSAGE_TOO_LARGE')
  const magic1 = batch(1)
  magic1.writeInt8(1, 16)
  await assert.rejects(log.append(magic1), (e: StorageError) => e.code === 'UNSUPPORTED_FOR_MESSAGE_FORMAT')
  const inconsistent = batch(3)
  inconsistent.writeInt32BE(5, 57) // record count; CRC covers it, so fix the CRC
  const { computeCrc } = await import('../../src/protocol/records/batch-header.ts')
  inconsistent.writeUInt32BE(computeCrc(inconsistent, 0), 17)
  await assert.rejects(log.append(inconsistent), (e: StorageError) => e.code === 'INVALID_RECORD')
  assert.equal(log.logEndOffset, 0)
  const small = await open(tmp.path + '/s', { 'segment.bytes': 100 })
  await assert.rejects(small.append(Buffer.concat([batch(3), batch(3)])), (e: StorageError) => e.code === 'RECORD_LIST_TOO_LARGE')
  await small.close()
  await log.close()
  await tmp.cleanup()
})

test('LogAppendTime topics get the broker time stamped with a valid CRC; leader epoch is stamped', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(1_800_000_000_000)
  const log = await open(tmp.path, { 'message.timestamp.type': 'LogAppendTime' }, { scheduler: clock })
  const r = await log.append(batch(2), { leaderEpoch: 7 })
  assert.equal(r.logAppendTime, 1_800_000_000_000)
  const [buf] = (await log.read(0, 1000)).batches
  assert.equal(timestampType(buf!), TimestampType.LogAppendTime)
  assert.equal(maxTimestamp(buf!), 1_800_000_000_000)
  assert.equal(partitionLeaderEpoch(buf!), 7)
  assert.ok(verifyCrc(buf!))
  assert.deepEqual(log.epochs.all, [{ epoch: 7, startOffset: 0 }])
  await log.close()
  await tmp.cleanup()
})

test('concurrent appends are ordered and group-committed; segments roll on segment.bytes', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path, { 'segment.bytes': 4096, 'flush.messages': 1 })
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(batch(1, `m${i}`))))
  results.forEach((r, i) => assert.equal(r.baseOffset, i))
  assert.ok(log.segments.length >= 3, `segments: ${log.segments.length}`)
  assert.equal(log.recoveryPoint, 200)
  const names = (await readdir(join(tmp.path, 'topic-0'))).filter((n) => n.endsWith('.log'))
  assert.equal(names.length, log.segments.length)
  assert.ok(names.includes('00000000000000000000.log'))
  // Read everything back across segments.
  let offset = 0
  const values: string[] = []
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, 1 << 20)
    const recs = decodeAll(r.batches)
    values.push(...recs.map((x) => x.value!))
    offset = recs[recs.length - 1]!.offset + 1
  }
  assert.deepEqual(values, results.map((_, i) => `m${i}-0`))
  await log.close()
  // Reopen after clean close: same content.
  const again = await open(tmp.path, { 'segment.bytes': 4096 }, { cleanShutdown: true, recoveryPoint: 200 })
  assert.equal(again.logEndOffset, 200)
  assert.equal(decodeAll((await again.read(150, 100)).batches)[0]!.value, 'm150-0')
  const next = await again.append(batch(1))
  assert.equal(next.baseOffset, 200)
  await again.close()
  await tmp.cleanup()
})

test('segment.ms rolls with an injected clock', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler()
  const log = await open(tmp.path, { 'segment.ms': 1000 }, { scheduler: clock })
  await log.append(batch(1))
  clock.advance(500)
  await log.append(batch(1))
  assert.equal(log.segments.length, 1)
  clock.advance(600)
  await log.append(batch(1))
  assert.deepEqual(log.segments.map((s) => s.baseOffset), [0, 2])
  await log.close()
  await tmp.cleanup()
})

test('offsetForTimestamp finds the earliest batch with max timestamp >= t', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path, { 'index.interval.bytes': 0, 'segment.bytes': 2000 })
  for (let i = 0; i < 40; i++) await log.append(batch(2, 't', { timestamp: 1000 + i * 10 }))
  // batch i holds offsets 2i, 2i+1 with timestamps 1000+10i and 1000+10i+1? (builder: timestamp for all records)
  const check = async (t: number, expected: number | undefined) => {
    const r = await log.offsetForTimestamp(t)
    assert.equal(r?.offset, expected, `t=${t}`)
  }
  await check(0, 0)
  await check(1000, 0)
  await check(1001, 2)
  await check(1105, 22)
  await check(1390, 78)
  await check(1391, undefined)
  assert.equal((await log.maxTimestamp())?.offset, 78)
  await log.close()
  const reopened = await open(tmp.path, { 'index.interval.bytes': 0, 'segment.bytes': 2000 }, { cleanShutdown: true })
  assert.equal((await reopened.offsetForTimestamp(1105))?.offset, 22)
  await reopened.close()
  await tmp.cleanup()
})

test('truncateTo removes whole batches from the end, across segments', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path, { 'segment.bytes': 1000 })
  for (let i = 0; i < 30; i++) await log.append(batch(3, `b${i}`), { leaderEpoch: Math.floor(i / 10) })
  await log.truncateTo(47) // inside batch 15 (45..47)
  assert.equal(log.logEndOffset, 45)
  assert.deepEqual(log.epochs.all.map((e) => e.epoch), [0, 1])
  const r = await log.append(batch(1, 'after'))
  assert.equal(r.baseOffset, 45)
  const recs = decodeAll((await log.read(42, 1 << 20)).batches)
  assert.deepEqual(recs.map((x) => x.value), ['b14-0', 'b14-1', 'b14-2', 'after-0'].slice(0, recs.length))
  await log.truncateTo(0)
  assert.equal(log.logEndOffset, 0)
  assert.equal((await log.append(batch(1))).baseOffset, 0)
  await log.close()
  await tmp.cleanup()
})

test('deleteRecordsBefore moves the log start offset and deletes whole segments below it', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path, { 'segment.bytes': 1000 })
  for (let i = 0; i < 30; i++) await log.append(batch(3))
  const segs = log.segments.length
  assert.equal(await log.deleteRecordsBefore(40), 40)
  assert.equal(log.logStartOffset, 40)
  assert.ok(log.segments.length < segs)
  assert.ok(log.segments[0]!.baseOffset <= 40)
  await assert.rejects(log.read(39, 100), (e: StorageError) => e.code === 'OFFSET_OUT_OF_RANGE')
  assert.equal(baseOffset((await log.read(40, 100)).batches[0]!), 39)
  await assert.rejects(log.deleteRecordsBefore(1000), (e: StorageError) => e.code === 'OFFSET_OUT_OF_RANGE')
  await log.close()
  await tmp.cleanup()
})

test('only a log start inside a segment is reported for a checkpoint; one at a segment base is found again by loading', async () => {
  const tmp = await tempDir()
  let told = 0
  const onLogStartOffset = () => { told++ }
  const config = { 'segment.bytes': 1000, 'retention.bytes': 2000 }
  const log = await open(tmp.path, config, { onLogStartOffset })
  for (let i = 0; i < 40; i++) await log.append(batch(3))
  // Retention (by size, at the batches' time) moves the start to the first segment it keeps.
  assert.ok(await log.applyRetention(1_700_000_000_000) > 0)
  const afterRetention = log.logStartOffset
  assert.equal(afterRetention, log.segments[0]!.baseOffset)
  assert.ok(afterRetention > 0)
  // DeleteRecords to the next segment's base, then into the middle of a batch.
  const base = log.segments[1]!.baseOffset
  assert.equal(await log.deleteRecordsBefore(base), base)
  assert.equal(told, 0)
  await log.close()
  // Loaded with no checkpointed start (0), the log starts at its first segment: nothing was lost.
  const again = await open(tmp.path, config, { onLogStartOffset })
  assert.equal(again.logStartOffset, base)
  assert.equal(await again.deleteRecordsBefore(base + 1), base + 1)
  assert.equal(told, 1)
  await again.close()
  await tmp.cleanup()
})

test('closed log rejects appends; delete removes the directory', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path)
  await log.append(batch(1))
  await log.delete()
  assert.deepEqual(await readdir(tmp.path), [])
  await assert.rejects(log.append(batch(1)), (e: StorageError) => e.code === 'NOT_LEADER_OR_FOLLOWER')
  await tmp.cleanup()
})

test('replication appends keep the leader offsets (gaps allowed) and learn leader epochs', async () => {
  const tmp = await tempDir()
  const leader = await open(tmp.path)
  const follower = await Log.open({ dir: join(tmp.path, 'follower-0'), config: logConfig({}) })
  await leader.append(batch(2), { leaderEpoch: 1 })
  await leader.append(batch(3), { leaderEpoch: 3 })
  const data = Buffer.concat((await leader.read(0, 1 << 20)).batches)
  const r = await follower.append(Buffer.from(data), { origin: 'replication' })
  assert.deepEqual([r.baseOffset, r.lastOffset], [0, 4])
  assert.deepEqual(follower.epochs.all, [{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 2 }])
  assert.deepEqual(follower.epochs.endOffsetFor(1, follower.logEndOffset), { epoch: 1, endOffset: 2 })
  await assert.rejects(follower.append(Buffer.from(data), { origin: 'replication' }), (e: StorageError) => e.code === 'INVALID_RECORD')
  const gap = batch(1)
  gap.writeUInt32BE(0, 0)
  gap.writeUInt32BE(10, 4) // base offset 10: a compacted leader may have gaps
  await follower.append(gap, { origin: 'replication' })
  assert.equal(follower.logEndOffset, 11)
  await leader.close()
  await follower.close()
  await tmp.cleanup()
})

test('file reads return exactly the whole batches that fit (index jumps agree with a header walk)', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path, { 'index.interval.bytes': 100, 'segment.bytes': 20_000 })
  const sizes: { base: number; last: number; size: number }[] = []
  for (let i = 0; i < 150; i++) {
    const b = i % 7 === 0 ? sizedBatch(300 + i) : batch(1 + (i % 3), `s${i}`)
    const r = await log.append(b)
    sizes.push({ base: r.baseOffset, last: r.lastOffset, size: b.length })
  }
  await log.close()
  const reopened = await open(tmp.path, { 'index.interval.bytes': 100, 'segment.bytes': 20_000 }, { cleanShutdown: true })
  let seed = 7
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
  for (let k = 0; k < 300; k++) {
    const offset = rand(reopened.logEndOffset)
    const maxBytes = 1 + rand(3000)
    const maxOffset = k % 3 === 0 ? offset + rand(40) : reopened.logEndOffset
    const got = await reopened.read(offset, maxBytes, { maxOffset })
    // Expected: from the batch holding offset, greedily, within its segment.
    const seg = reopened.segments.filter((s) => s.baseOffset <= offset).pop()!
    const segEnd = reopened.segments.find((s) => s.baseOffset > seg.baseOffset)?.baseOffset ?? Infinity
    const want: number[] = []
    let bytes = 0
    for (const b of sizes) {
      if (b.last < offset || b.base >= segEnd) continue
      if (b.last >= maxOffset || (want.length > 0 && bytes + b.size > maxBytes)) break
      want.push(b.base)
      bytes += b.size
    }
    const bases: number[] = []
    for (const buf of got.batches) for (let p = 0; p < buf.length; p += batchSize(buf, p)) bases.push(baseOffset(buf, p))
    assert.deepEqual(bases, want, `offset ${offset} maxBytes ${maxBytes} maxOffset ${maxOffset}`)
  }
  await reopened.close()
  await tmp.cleanup()
})

test('minOneBatch=false returns nothing when the first batch exceeds maxBytes', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path, {}, { tailCache: new TailCacheBudget(1 << 20) })
  await log.append(sizedBatch(2000))
  assert.equal((await log.read(0, 1000)).batches.length, 1)
  assert.equal((await log.read(0, 1000, { minOneBatch: false })).bytes, 0)
  assert.ok((await log.read(0, 3000, { minOneBatch: false })).bytes > 0)
  await log.close()
  await tmp.cleanup()
})

test('control batches: refused from clients, accepted from coordinators; timestamps outside the window refused', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(1_800_000_000_000)
  const log = await open(tmp.path, { 'message.timestamp.after.max.ms': 1000 }, { scheduler: clock })
  const commit = 1 as MarkerBatchOptions['type']
  const marker = () => buildEndTxnMarkerBatch({ type: commit, coordinatorEpoch: 0, producerId: 7, producerEpoch: 0, timestamp: clock.now() })
  await assert.rejects(log.append(marker()), (e: StorageError) => e.code === 'INVALID_RECORD')
  assert.equal((await log.append(marker(), { origin: 'coordinator' })).baseOffset, 0)
  await assert.rejects(log.append(batch(1, 'f', { timestamp: clock.now() + 5000 })), (e: StorageError) => e.code === 'INVALID_TIMESTAMP')
  assert.equal((await log.append(batch(1, 'ok', { timestamp: clock.now() + 500 }))).baseOffset, 1)
  await log.close()
  await tmp.cleanup()
})

test('a group of large appends is written in several calls and reads back intact', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path, { 'max.message.bytes': 2_000_000, 'flush.messages': 1 })
  const sizes = [700_000, 300_000, 900_000, 50_000, 1_500_000, 10_000]
  const results = await Promise.all(sizes.map((n) => log.append(sizedBatch(n))))
  results.forEach((r, i) => assert.equal(r.baseOffset, i))
  await log.close()
  const again = await open(tmp.path, {})
  for (let i = 0; i < sizes.length; i++) {
    const r = await again.read(i, 1)
    assert.equal(baseOffset(r.batches[0]!), i)
    assert.ok(Math.abs(r.bytes - sizes[i]!) < 100)
  }
  await again.close()
  await tmp.cleanup()
})

test('reads go into the buffers `allocate` lends, with the same result as fresh ones', async () => {
  const tmp = await tempDir()
  const log = await open(tmp.path, { 'index.interval.bytes': 100 })
  for (let i = 0; i < 20; i++) await log.append(batch(5, `v${i}`))
  const lent: Buffer[] = []
  const allocate = (size: number) => {
    const b = Buffer.alloc(size + 1000, 0xee) // larger than asked, as a pool's size classes are
    lent.push(b)
    return b
  }
  for (const [offset, max] of [[0, 1 << 20], [37, 500], [99, 1]] as const) {
    const plain = await log.read(offset, max)
    const pooled = await log.read(offset, max, { allocate })
    assert.deepEqual(decodeAll(pooled.batches), decodeAll(plain.batches))
    assert.ok(pooled.batches.every((b) => lent.some((l) => l.buffer === b.buffer)), 'the result is a view of a lent buffer')
  }
  await log.close()
  await tmp.cleanup()
})

test('a roll does not make appends wait for the old segment\'s fsync; the recovery point waits for it', async (t) => {
  const tmp = await tempDir()
  const size = batch(10, 'a').length
  const log = await open(tmp.path, { 'segment.bytes': size + 10 }) // one batch per segment
  let open_ = true
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const realFlush = Segment.prototype.flush
  t.mock.method(Segment.prototype, 'flush', async function (this: Segment) {
    if (open_) await gate
    return realFlush.call(this)
  })
  await log.append(batch(10, 'a'))
  const before = log.recoveryPoint
  const second = await log.append(batch(10, 'b')) // does not fit: rolls
  const third = await log.append(batch(10, 'c'))
  assert.equal(log.segments.length, 3, 'two rolls happened while the first flush was held')
  assert.equal(third.baseOffset, 20)
  assert.equal(log.recoveryPoint, before, 'nothing is counted durable while its fsync is held')
  let flushed = false
  const explicit = log.flush().then(() => (flushed = true))
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(flushed, false, 'an explicit flush waits for the rolled segments first')
  open_ = false
  release()
  await explicit
  assert.equal(log.recoveryPoint, 30)
  assert.equal(second.baseOffset, 10)
  await log.close()
  await tmp.cleanup()
})
