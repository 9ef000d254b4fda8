// Small appends share slab chunks in the tail cache: what a read handed out must not change when
// later appends are copied into the same slab, and reads at any offset stay exact.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LogTailCache, TailCacheBudget } from '../../src/storage/tail-cache.ts'
import { batch, decodeAll } from './helpers.ts'

test('views handed out stay intact while small appends fill the same slab; every offset reads exactly', () => {
  const budget = new TailCacheBudget(1 << 20)
  const cache = new LogTailCache(budget)
  let off = 0
  const add = () => {
    const buf = batch(2)
    buf.writeUInt32BE(0, 0)
    buf.writeUInt32BE(off, 4)
    cache.add(buf, off, off + 1)
    off += 2
  }
  add()
  const early = cache.read(0, 1 << 20, Infinity)!
  const snapshot = Buffer.concat(early)
  for (let i = 0; i < 500; i++) add()
  assert.deepEqual(Buffer.concat(early), snapshot, 'an earlier read changed under later appends')
  for (const from of [0, 1, 2, 401, off - 2, off - 1]) {
    const recs = decodeAll(cache.read(from, 1 << 20, Infinity)!)
    assert.equal(recs[0]!.offset, from - (from % 2))
    assert.equal(recs[recs.length - 1]!.offset, off - 1)
  }
  // Budget accounting follows the coalesced bytes: clearing returns it to zero.
  assert.ok(budget.used > 0)
  cache.clear()
  assert.equal(budget.used, 0)
})
