import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from '../../../src/protocol/records/varint.ts'
import type { RecordsError } from '../../../src/protocol/records/records-error.ts'

const out = { value: 0, pos: 0 }

test('varint round-trips every int32 and matches its size', () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
      const buf = Buffer.alloc(5)
      const end = writeVarint(buf, 0, v)
      assert.equal(end, sizeOfVarint(v))
      readVarint(buf, 0, end, out)
      assert.equal(out.value, v)
      assert.equal(out.pos, end)
    }),
  )
})

test('varlong round-trips every safe integer and matches its size', () => {
  fc.assert(
    fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer()), (v) => {
      const buf = Buffer.alloc(10)
      const end = writeVarlong(buf, 0, v)
      assert.equal(end, sizeOfVarlong(v))
      readVarlong(buf, 0, end, out)
      assert.equal(out.value, v)
      assert.equal(out.pos, end)
    }),
  )
  for (const v of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1, 2 ** 31, -(2 ** 31) - 1]) {
    const buf = Buffer.alloc(10)
    readVarlong(buf, 0, writeVarlong(buf, 0, v), out)
    assert.equal(out.value, v)
  }
})

test('varlong encoding matches Kafka zigzag bytes', () => {
  const buf = Buffer.alloc(10)
  assert.deepEqual(buf.subarray(0, writeVarlong(buf, 0, -1)), Buffer.from([0x01]))
  assert.deepEqual(buf.subarray(0, writeVarlong(buf, 0, 1)), Buffer.from([0x02]))
  assert.deepEqual(buf.subarray(0, writeVarlong(buf, 0, 64)), Buffer.from([0x80, 0x01]))
  assert.deepEqual(buf.subarray(0, writeVarlong(buf, 0, 2 ** 40)), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x40]))
})

test('bad varints are typed errors', () => {
  const tooLong = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
  assert.throws(() => readVarint(tooLong, 0, tooLong.length, out), (e: RecordsError) => e.reason === 'bad-varint')
  const overflow32 = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])
  assert.throws(() => readVarint(overflow32, 0, 5, out), (e: RecordsError) => e.reason === 'bad-varint')
  const long11 = Buffer.alloc(11, 0xff)
  assert.throws(() => readVarlong(long11, 0, 11, out), (e: RecordsError) => e.reason === 'bad-varint')
  const beyondSafe = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
  assert.throws(() => readVarlong(beyondSafe, 0, 10, out), (e: RecordsError) => e.reason === 'bad-varint')
  const cut = Buffer.from([0x80, 0x80])
  assert.throws(() => readVarint(cut, 0, 2, out), (e: RecordsError) => e.reason === 'truncated')
  assert.throws(() => readVarlong(cut, 0, 2, out), (e: RecordsError) => e.reason === 'truncated')
})
