import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readInt64, writeInt64 } from '../../src/protocol/records/batch-header.ts'

test('int64 as number round-trips exactly below 2^53 and for negatives', () => {
  const buf = Buffer.alloc(8)
  for (const v of [0, 1, -1, 2 ** 32, 2 ** 32 - 1, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1234567890123]) {
    writeInt64(buf, 0, v)
    assert.equal(buf.readBigInt64BE(0), BigInt(v))
    assert.equal(readInt64(buf, 0), v)
  }
})
