import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import {
  CompressionType,
  TimestampType,
  baseOffset,
  baseSequence,
  baseTimestamp,
  batchLength,
  batchSize,
  compression,
  isControl,
  isTransactional,
  lastOffset,
  lastOffsetDelta,
  magic,
  maxTimestamp,
  partitionLeaderEpoch,
  producerEpoch,
  producerId,
  readInt64,
  recordCount,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  storedCrc,
  timestampType,
  verifyCrc,
  writeInt64,
} from '../../src/protocol/records/batch-header.ts'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'

test('int64 as number round-trips exactly below 2^53 and for negatives', () => {
  const buf = Buffer.alloc(8)
  for (const v of [0, 1, -1, 2 ** 32, 2 ** 32 - 1, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1234567890123]) {
    writeInt64(buf, 0, v)
    assert.equal(buf.readBigInt64BE(0), BigInt(v))
    assert.equal(readInt64(buf, 0), v)
  }
})

test('header view of a real client batch at a non-zero position; stamping keeps the CRC valid', () => {
  const golden = readFileSync(new URL('../golden/batches/kcat-zstd.bin', import.meta.url))
  // The view reads at any position: put the batch after 7 unrelated bytes, like a log segment.
  const buf = Buffer.concat([Buffer.alloc(7, 0xee), golden])
  const at = 7
  const view = (b: Buffer) => [
    baseOffset(b, at), batchLength(b, at), partitionLeaderEpoch(b, at), magic(b, at), compression(b, at),
    timestampType(b, at), isTransactional(b, at), isControl(b, at), lastOffsetDelta(b, at),
    producerId(b, at), producerEpoch(b, at), baseSequence(b, at), recordCount(b, at),
  ]
  // librdkafka leaves offset and leader epoch 0 for the broker to stamp; 5 records, zstd, CreateTime.
  assert.deepEqual(view(buf), [0, golden.length - 12, 0, 2, CompressionType.Zstd, TimestampType.CreateTime, false, false, 4, -1, -1, -1, 5])
  assert.equal(batchSize(buf, at), golden.length)
  assert.ok(verifyCrc(buf, at))
  assert.ok(maxTimestamp(buf, at) >= baseTimestamp(buf, at))

  // Base offset and leader epoch are outside the CRC: stamped in place, the CRC still holds.
  const crc = storedCrc(buf, at)
  setBaseOffset(buf, at, 2 ** 40 + 3)
  setPartitionLeaderEpoch(buf, at, 17)
  assert.deepEqual([baseOffset(buf, at), lastOffset(buf, at), partitionLeaderEpoch(buf, at)], [2 ** 40 + 3, 2 ** 40 + 7, 17])
  assert.equal(storedCrc(buf, at), crc)
  assert.ok(verifyCrc(buf, at))
  // LogAppendTime changes covered bytes: the CRC is recomputed and the batch still decodes.
  setLogAppendTime(buf, at, 1_800_000_000_000)
  assert.notEqual(storedCrc(buf, at), crc)
  assert.ok(verifyCrc(buf, at))
  assert.deepEqual([timestampType(buf, at), maxTimestamp(buf, at), compression(buf, at)], [TimestampType.LogAppendTime, 1_800_000_000_000, CompressionType.Zstd])
  assert.equal(buf.subarray(0, at).toString('hex'), 'ee'.repeat(7), 'nothing before the batch was touched')
  const decoded = decodeRecordBatch(buf, at)
  assert.equal(decoded.records.length, 5)
  assert.equal(decoded.baseOffset, 2 ** 40 + 3)
})
