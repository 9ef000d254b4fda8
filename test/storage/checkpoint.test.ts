import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeCheckpoint, decodeOffsets, encodeCheckpoint, encodeOffsets } from '../../src/storage/checkpoint.ts'
import { OffsetIndex } from '../../src/storage/offset-index.ts'
import { TimeIndex } from '../../src/storage/time-index.ts'

test('checkpoint files round-trip and any damage is detected, never thrown', () => {
  const offsets = new Map([['orders-0', 42], ['my-topic-with-dashes-12', 9007199254740991]])
  const text = encodeCheckpoint(encodeOffsets(offsets))
  assert.deepEqual(decodeOffsets(decodeCheckpoint(text)!), offsets)
  fc.assert(
    fc.property(fc.nat(text.length - 1), fc.integer({ min: 1, max: 127 }), (at, x) => {
      const damaged = text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ x) + text.slice(at + 1)
      assert.equal(decodeCheckpoint(damaged), undefined)
    }),
  )
  fc.assert(fc.property(fc.string(), (s) => void decodeCheckpoint(s)))
  for (let n = 0; n < text.length; n++) assert.equal(decodeCheckpoint(text.slice(0, n)), undefined)
})

test('index files round-trip; implausible bytes are rejected', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 50 }), (steps) => {
      const idx = new OffsetIndex(1000, 100)
      const time = new TimeIndex(1000)
      let off = 1000
      let pos = 0
      for (const [dOff, dPos] of steps) {
        off += dOff
        pos += dPos
        idx.append(off, pos)
        time.maybeAppend(off * 3, off)
      }
      const back = OffsetIndex.fromBuffer(1000, 100, idx.toBuffer(), pos + 1)!
      assert.deepEqual(back.toBuffer(), idx.toBuffer())
      for (let probe = 1000; probe <= off; probe += 7) assert.equal(back.lookup(probe), idx.lookup(probe))
      assert.deepEqual(TimeIndex.fromBuffer(1000, time.toBuffer())!.toBuffer(), time.toBuffer())
      if (steps.length > 0) assert.equal(OffsetIndex.fromBuffer(1000, 100, idx.toBuffer(), pos), undefined) // position past the log
    }),
  )
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void OffsetIndex.fromBuffer(0, 10, Buffer.from(bytes), 1 << 20)))
  assert.equal(OffsetIndex.fromBuffer(0, 10, Buffer.alloc(7), 100), undefined)
  assert.equal(TimeIndex.fromBuffer(0, Buffer.alloc(13)), undefined)
})
