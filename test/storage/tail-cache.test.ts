import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { logConfig } from '../helpers/log-config.ts'
import { Log } from '../../src/storage/log.ts'
import { LogTailCache, TailCacheBudget } from '../../src/storage/tail-cache.ts'
import { batch, decodeAll, tempDir } from './helpers.ts'

test('the shared budget evicts oldest chunks across logs and each cache stays contiguous', () => {
  const budget = new TailCacheBudget(2000)
  const a = new LogTailCache(budget)
  const b = new LogTailCache(budget)
  let offA = 0
  let offB = 0
  const add = (c: LogTailCache, off: number) => {
    const buf = batch(2)
    buf.writeUInt32BE(0, 0)
    buf.writeUInt32BE(off, 4)
    c.add(buf, off, off + 1)
    return off + 2
  }
  for (let i = 0; i < 20; i++) {
    offA = add(a, offA)
    offB = add(b, offB)
    assert.ok(budget.used <= 2000)
  }
  assert.ok(a.firstOffset > 0 && a.firstOffset < offA)
  // Reads below the cached range miss; reads inside return contiguous whole batches to the end.
  assert.equal(a.read(a.firstOffset - 1, 1 << 20, Infinity), undefined)
  const got = a.read(a.firstOffset + 1, 1 << 20, Infinity)!
  const recs = decodeAll(got)
  assert.equal(recs[0]!.offset, a.firstOffset)
  assert.equal(recs[recs.length - 1]!.offset, offA - 1)
  assert.deepEqual(decodeAll(a.read(offA - 4, 1 << 20, offA - 1)!).map((r) => r.offset), [offA - 4, offA - 3])
  a.clear()
  assert.equal(a.firstOffset, Infinity)
  assert.ok(budget.used <= 1000)
})

test('log reads are identical whether served by the tail cache or the file', async () => {
  const tmp = await tempDir()
  const budget = new TailCacheBudget(50_000)
  const log = await Log.open({ dir: join(tmp.path, 't-0'), config: logConfig({ 'segment.bytes': 3000 }), tailCache: budget })
  const plain = await Log.open({ dir: join(tmp.path, 'u-0'), config: logConfig({ 'segment.bytes': 3000 }) })
  for (let i = 0; i < 300; i++) {
    const n = 1 + (i % 4)
    await log.append(batch(n, `x${i}`))
    await plain.append(batch(n, `x${i}`))
  }
  for (const offset of [0, 1, 100, 555, 700, 740, 749]) {
    for (const maxBytes of [1, 500, 1 << 20]) {
      const a = await log.read(offset, maxBytes, { maxOffset: 745 })
      const b = await plain.read(offset, maxBytes, { maxOffset: 745 })
      // The file path stops at a segment end, the cache does not: one is a prefix of the other.
      const ra = decodeAll(a.batches)
      const rb = decodeAll(b.batches)
      const n = Math.min(ra.length, rb.length)
      assert.ok(n > 0 || offset >= 740)
      assert.deepEqual(ra.slice(0, n), rb.slice(0, n), `offset ${offset} maxBytes ${maxBytes}`)
      if (maxBytes === 1 && n > 0) assert.equal(a.batches.length, 1)
    }
  }
  await log.close()
  await plain.close()
  await tmp.cleanup()
})

test('a cached multi-batch append is cut at maxBytes like a file read (the first batch always)', async () => {
  const tmp = await tempDir()
  const log = await Log.open({ dir: join(tmp.path, 't-0'), config: logConfig({}), tailCache: new TailCacheBudget(1 << 20) })
  await log.append(Buffer.concat([batch(1, 'a'), batch(1, 'b'), batch(1, 'c')]))
  const one = batch(1, 'a').length
  assert.deepEqual(decodeAll((await log.read(0, 1)).batches).map((r) => r.value), ['a-0'])
  assert.deepEqual(decodeAll((await log.read(0, 2 * one)).batches).map((r) => r.value), ['a-0', 'b-0'])
  assert.deepEqual(decodeAll((await log.read(0, 3 * one)).batches).map((r) => r.value), ['a-0', 'b-0', 'c-0'])
  assert.deepEqual(decodeAll((await log.read(1, 3 * one, { maxOffset: 2 })).batches).map((r) => r.value), ['b-0'])
  await log.close()
  await tmp.cleanup()
})
