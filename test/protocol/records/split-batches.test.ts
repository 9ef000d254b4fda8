import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { encodeMessageSet } from '../../../src/protocol/records/legacy/message-set.ts'
import { RecordsError } from '../../../src/protocol/records/records-error.ts'
import { entryMagic, splitBatches } from '../../../src/protocol/records/split-batches.ts'
import { codec, recordList } from './arbitraries.ts'

test('concatenated batches split into exact spans, with a trailing partial batch reported', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(recordList(3), codec), { minLength: 1, maxLength: 5 }), fc.nat(), (specs, cutAt) => {
      const parts = specs.map(([records, compression], i) => buildRecordBatch({ records, compression, baseOffset: i * 10, baseTimestamp: 1 }))
      const all = Buffer.concat(parts)
      const { batches, partialBytes, partialPos } = splitBatches(all)
      assert.equal(partialBytes, 0)
      assert.equal(partialPos, all.length)
      let pos = 0
      batches.forEach((b, i) => {
        assert.deepEqual(b, { pos, size: parts[i]!.length })
        assert.equal(entryMagic(all, b.pos), 2)
        pos += b.size
      })
      // Cut inside the last batch: the whole ones stay, the rest is partial.
      const lastStart = all.length - parts[parts.length - 1]!.length
      const cut = lastStart + (cutAt % parts[parts.length - 1]!.length)
      const partial = splitBatches(all.subarray(0, cut))
      assert.equal(partial.batches.length, parts.length - 1)
      assert.equal(partial.partialPos, lastStart)
      assert.equal(partial.partialBytes, cut - lastStart)
    }),
  )
})

test('legacy message sets split the same way', () => {
  const set = encodeMessageSet(
    [
      { offset: 0, key: null, value: Buffer.from('a') },
      { offset: 1, key: Buffer.from('k'), value: Buffer.from('bb') },
    ],
    { magic: 1 },
  )
  const { batches } = splitBatches(set)
  assert.equal(batches.length, 2)
  assert.equal(entryMagic(set, batches[1]!.pos), 1)
  assert.equal(splitBatches(Buffer.alloc(0)).batches.length, 0)
  assert.equal(splitBatches(Buffer.alloc(5)).partialBytes, 5)
})

test('impossible entry lengths are typed errors', () => {
  const buf = Buffer.alloc(40)
  buf.writeInt32BE(-1, 8)
  assert.throws(() => splitBatches(buf), (e: unknown) => e instanceof RecordsError && e.reason === 'bad-length')
  buf.writeInt32BE(3, 8)
  assert.throws(() => splitBatches(buf), (e: unknown) => e instanceof RecordsError && e.reason === 'bad-length')
})
