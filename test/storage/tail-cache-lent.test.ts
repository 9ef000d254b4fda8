// Large appends lent to the tail cache (AppendOptions.hold, the broker's pooled produce frames):
// reads at the log end are served from the lent bytes, which must be exactly the file's bytes;
// every hold the cache or a reader takes is released, and truncation, a segment roll and the byte
// budget drop what the cache kept, so readers behind it read the file.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { logConfig } from '../helpers/log-config.ts'
import { Log } from '../../src/storage/log.ts'
import { TailCacheBudget } from '../../src/storage/tail-cache.ts'
import type { BufferHold, HoldCollector } from '../../src/storage/tail-cache.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { decodeAll, tempDir } from './helpers.ts'

/** A lender's hold: starts with the lender's own reference, as a request frame does. */
class Lent implements BufferHold {
  refs = 1
  retain(): void {
    this.refs++
  }
  release(): void {
    assert.ok(this.refs > 0, 'released more often than retained')
    this.refs--
  }
}

/** A reader's collector: keeps holds until `done`. */
class Reader implements HoldCollector {
  held: BufferHold[] = []
  keep(hold: BufferHold): void {
    hold.retain()
    this.held.push(hold)
  }
  done(): void {
    for (const h of this.held) h.release()
    this.held = []
  }
}

/** One batch of `records` records of ~2 KiB each, values naming `tag` (large: > 4 KiB). */
function bigBatch(tag: string, records = 4): Buffer {
  return buildRecordBatch({
    records: Array.from({ length: records }, (_, i) => ({ value: Buffer.from(`${tag}-${i}-`.padEnd(2048, String.fromCharCode(97 + (i % 26)))), timestamp: 1_700_000_000_000 + i })),
  })
}

async function lentLog(path: string, config: Record<string, unknown> = {}, budget = 1 << 20) {
  return Log.open({ dir: join(path, 't-0'), config: logConfig(config), tailCache: new TailCacheBudget(budget) })
}

/** Appends `n` lent batches (the lender releases its own reference once the append is done). */
async function appendLent(log: Log, n: number, tag: string): Promise<Lent[]> {
  const holds: Lent[] = []
  for (let i = 0; i < n; i++) {
    const h = new Lent()
    await log.append(bigBatch(`${tag}${i}`), { hold: h })
    h.release()
    holds.push(h)
  }
  return holds
}

test('lent appends are served from memory, byte for byte the file, and every hold is released', async () => {
  const tmp = await tempDir()
  const log = await lentLog(tmp.path)
  const holds = await appendLent(log, 6, 'a')
  assert.deepEqual(holds.map((h) => h.refs), [1, 1, 1, 1, 1, 1], 'the cache keeps one reference per append')
  const reader = new Reader()
  for (const offset of [0, 3, 4, 13, 23]) {
    for (const maxBytes of [1, 9000, 1 << 20]) {
      const mem = log.readNow(offset, maxBytes, { holder: reader })
      assert.ok(mem !== undefined, `offset ${offset} is cached`)
      // Without a holder the lent bytes are not handed out: the read goes to the file.
      assert.equal(log.readNow(offset, maxBytes), undefined)
      const file = await log.read(offset, maxBytes)
      assert.deepEqual(Buffer.concat(mem.batches), Buffer.concat(file.batches), `offset ${offset} maxBytes ${maxBytes}`)
    }
  }
  assert.ok(holds.every((h) => h.refs > 1), 'the reader holds what it was given')
  reader.done()
  assert.deepEqual(holds.map((h) => h.refs), [1, 1, 1, 1, 1, 1])
  await log.close()
  assert.deepEqual(holds.map((h) => h.refs), [0, 0, 0, 0, 0, 0], 'closing releases the cache')
  await tmp.cleanup()
})

test('the byte budget evicts the oldest lent appends: a reader far behind reads the file', async () => {
  const tmp = await tempDir()
  const one = bigBatch('x').length
  const log = await lentLog(tmp.path, {}, 3 * one)
  const holds = await appendLent(log, 8, 'b')
  assert.deepEqual(holds.map((h) => h.refs), [0, 0, 0, 0, 0, 1, 1, 1])
  assert.equal(log.tail.firstOffset, 20)
  const reader = new Reader()
  assert.equal(log.readNow(0, 1 << 20, { holder: reader }), undefined, 'evicted: not served from memory')
  const behind = await log.read(0, 1 << 20, { holder: reader })
  assert.deepEqual(decodeAll(behind.batches).map((r) => r.offset), Array.from({ length: 32 }, (_, i) => i))
  assert.equal(reader.held.length, 0, 'a file read holds nothing')
  await log.close()
  await tmp.cleanup()
})

test('truncation drops lent appends; reads after it return the new bytes', async () => {
  const tmp = await tempDir()
  const log = await lentLog(tmp.path)
  const holds = await appendLent(log, 4, 'c')
  await log.truncateTo(8)
  assert.deepEqual(holds.map((h) => h.refs), [0, 0, 0, 0])
  const again = await appendLent(log, 2, 'd')
  const reader = new Reader()
  const mem = log.readNow(8, 1 << 20, { holder: reader })!
  assert.deepEqual(decodeAll(mem.batches).map((r) => r.value?.slice(0, 5)), ['d0-0-', 'd0-1-', 'd0-2-', 'd0-3-', 'd1-0-', 'd1-1-', 'd1-2-', 'd1-3-'])
  assert.deepEqual(Buffer.concat(mem.batches), Buffer.concat((await log.read(8, 1 << 20)).batches))
  assert.equal(log.readNow(0, 1 << 20, { holder: reader }), undefined, 'below the truncation point the cache has nothing')
  reader.done()
  await log.close()
  assert.deepEqual(again.map((h) => h.refs), [0, 0])
  await tmp.cleanup()
})

test('a segment roll drops the cache: it never spans segments', async () => {
  const tmp = await tempDir()
  const one = bigBatch('x').length
  const log = await lentLog(tmp.path, { 'segment.bytes': 3 * one + 10 })
  const holds = await appendLent(log, 4, 'e')
  assert.equal(log.segments.length, 2)
  assert.deepEqual(holds.map((h) => h.refs), [0, 0, 0, 1], 'the batches of the rolled segment were released')
  const reader = new Reader()
  assert.equal(log.readNow(0, 1 << 20, { holder: reader }), undefined)
  const mem = log.readNow(12, 1 << 20, { holder: reader })!
  assert.deepEqual(Buffer.concat(mem.batches), Buffer.concat((await log.read(12, 1 << 20)).batches))
  reader.done()
  await log.close()
  await tmp.cleanup()
})

test('appends without a hold are not kept: lent and unlent appends keep the cache contiguous', async () => {
  const tmp = await tempDir()
  const log = await lentLog(tmp.path)
  const holds = await appendLent(log, 2, 'f')
  await log.append(bigBatch('g'))
  assert.deepEqual(holds.map((h) => h.refs), [0, 0], 'an unlent large append clears the cache')
  assert.equal(log.tail.firstOffset, Infinity)
  const later = await appendLent(log, 1, 'h')
  const reader = new Reader()
  assert.equal(log.readNow(8, 1 << 20, { holder: reader }), undefined)
  assert.deepEqual(decodeAll(log.readNow(12, 1 << 20, { holder: reader })!.batches).map((r) => r.offset), [12, 13, 14, 15])
  reader.done()
  await log.close()
  assert.equal(later[0]!.refs, 0)
  await tmp.cleanup()
})
