import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  CRC,
  RECORD_BATCH_OVERHEAD,
  baseOffset,
  batchSize,
  lastOffsetDelta,
  maxTimestamp,
  recordCount,
  setBaseOffset,
  setLogAppendTime,
  verifyCrc,
} from '../../../src/protocol/records/batch-header.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch, iterateRecords, recordTimestamp } from '../../../src/protocol/records/batch-decoder.ts'
import { decodeRecord, encodeRecord } from '../../../src/protocol/records/record.ts'
import { RecordsError } from '../../../src/protocol/records/records-error.ts'
import { codec, plain, record, recordList } from './arbitraries.ts'

test('a record round-trips through encodeRecord/decodeRecord', () => {
  fc.assert(
    fc.property(record, (r) => {
      assert.deepEqual(plain(decodeRecord(encodeRecord(r))), plain(r))
    }),
  )
})

test('record encoding matches the Kafka layout byte for byte', () => {
  const r = { attributes: 0, timestampDelta: 1, offsetDelta: 2, key: Buffer.from('k'), value: null, headers: [{ key: 'h', value: Buffer.from('v') }] }
  // length 11 (zigzag 22), attrs 0, ts 1 -> 2, offset 2 -> 4, key len 1 -> 2 'k', value -1 -> 1,
  // 1 header -> 2, key len 1 -> 2 'h', value len 1 -> 2 'v'
  assert.deepEqual(encodeRecord(r), Buffer.from([22, 0, 2, 4, 2, 0x6b, 1, 2, 2, 0x68, 2, 0x76]))
})

test('bad varints inside a record are RecordsErrors with the reason a broker maps to CORRUPT_MESSAGE', () => {
  const isReason = (reason: string) => (e: unknown) => e instanceof RecordsError && e.reason === reason
  // length varint of 6 bytes, and one whose fifth byte overflows 32 bits
  assert.throws(() => decodeRecord(Buffer.from('ffffffffff01', 'hex')), isReason('bad-varint'))
  assert.throws(() => decodeRecord(Buffer.from('ffffffff7f', 'hex')), isReason('bad-varint'))
  // a timestamp delta beyond the safe-integer range (length 11, attributes 0, varlong 2^62)
  const huge = Buffer.from('1600' + '8080808080808080807f', 'hex')
  assert.throws(() => decodeRecord(huge), isReason('bad-varint'))
  // a varint cut by the end of the record: length 2, attributes, then a continuation byte
  assert.throws(() => decodeRecord(Buffer.from('040080', 'hex')), isReason('truncated'))
  assert.throws(() => decodeRecord(Buffer.from('8080', 'hex')), isReason('truncated'))
})

test('a lying key length cannot read into the next record', () => {
  const a = encodeRecord({ attributes: 0, timestampDelta: 0, offsetDelta: 0, key: Buffer.from('k'), value: null, headers: [] })
  const b = encodeRecord({ attributes: 0, timestampDelta: 0, offsetDelta: 1, key: null, value: Buffer.from('value'), headers: [] })
  const both = Buffer.concat([a, b])
  both[4] = 2 * 6 // key length 6: fits the buffer, not the record
  assert.throws(() => decodeRecord(both), (e: unknown) => e instanceof RecordsError && e.reason === 'truncated')
})

test('batches round-trip with every codec and every header field', () => {
  fc.assert(
    fc.property(
      recordList(),
      codec,
      fc.record({
        baseOffset: fc.integer({ min: 0, max: 2 ** 50 }),
        partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
        producerId: fc.integer({ min: -1, max: 2 ** 50 }),
        producerEpoch: fc.integer({ min: -1, max: 32767 }),
        baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
        baseTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
        transactional: fc.boolean(),
        logAppendTime: fc.boolean(),
      }),
      (records, compression, h) => {
        const buf = buildRecordBatch({ ...h, compression, records })
        assert.ok(verifyCrc(buf))
        assert.equal(batchSize(buf), buf.length)
        const b = decodeRecordBatch(buf)
        assert.equal(b.magic, 2)
        assert.equal(b.compression, compression)
        assert.equal(b.baseOffset, h.baseOffset)
        assert.equal(b.partitionLeaderEpoch, h.partitionLeaderEpoch)
        assert.equal(b.producerId, h.producerId)
        assert.equal(b.producerEpoch, h.producerEpoch)
        assert.equal(b.baseSequence, h.baseSequence)
        assert.equal(b.baseTimestamp, h.baseTimestamp)
        assert.equal(b.transactional, h.transactional)
        assert.equal(b.logAppendTime, h.logAppendTime)
        assert.equal(b.control, false)
        assert.equal(recordCount(buf), records.length)
        assert.equal(b.lastOffsetDelta, Math.max(0, records.length - 1))
        const maxDelta = records.length ? Math.max(...records.map((r) => r.timestampDelta)) : 0
        assert.equal(b.maxTimestamp, h.baseTimestamp + maxDelta)
        assert.deepEqual(b.records.map(plain), records.map(plain))
      },
    ),
    { numRuns: 150 },
  )
})

test('absolute timestamps become deltas from the first record; LogAppendTime uses maxTimestamp', () => {
  const buf = buildRecordBatch({
    baseOffset: 100,
    records: [
      { timestamp: 5000, value: Buffer.from('a') },
      { timestamp: 4000, value: Buffer.from('b') },
      { timestamp: 7000, value: Buffer.from('c') },
    ],
  })
  const b = decodeRecordBatch(buf)
  assert.equal(b.baseTimestamp, 5000)
  assert.equal(b.maxTimestamp, 7000)
  assert.deepEqual(b.records.map((r) => recordTimestamp(b, r)), [5000, 4000, 7000])
  assert.deepEqual([...iterateRecords(buf)].map((r) => r.offset), [100, 101, 102])
  setBaseOffset(buf, 0, 42)
  setLogAppendTime(buf, 0, 9999)
  const stamped = decodeRecordBatch(buf)
  assert.equal(stamped.baseOffset, 42)
  assert.equal(maxTimestamp(buf), 9999)
  assert.deepEqual([...iterateRecords(buf)].map((r) => [r.offset, r.timestamp]), [[42, 9999], [43, 9999], [44, 9999]])
})

test('compaction-style batches keep offset gaps and the original lastOffsetDelta', () => {
  const buf = buildRecordBatch({
    baseOffset: 10,
    lastOffsetDelta: 9,
    baseTimestamp: 1,
    deleteHorizon: true,
    records: [{ offsetDelta: 3, value: Buffer.from('x') }, { offsetDelta: 7, key: Buffer.from('k') }],
  })
  const b = decodeRecordBatch(buf)
  assert.equal(lastOffsetDelta(buf), 9)
  assert.equal(b.deleteHorizon, true)
  assert.deepEqual([...iterateRecords(buf)].map((r) => r.offset), [13, 17])
  assert.equal(baseOffset(buf), 10)
  const empty = decodeRecordBatch(buildRecordBatch({ records: [], baseTimestamp: 5, lastOffsetDelta: 3 }))
  assert.equal(empty.records.length, 0)
  assert.equal(empty.lastOffsetDelta, 3)
  // Compaction can leave an empty batch that keeps its codec bit but has no payload.
  const emptyZstd = buildRecordBatch({ records: [], baseTimestamp: 5 })
  emptyZstd.writeInt16BE(4, 21)
  assert.equal(decodeRecordBatch(emptyZstd, 0, { verifyCrc: false }).records.length, 0)
})

const isRecordsError = (reason?: string) => (e: unknown) =>
  e instanceof RecordsError && (reason === undefined || e.reason === reason)

test('a flipped byte anywhere under the CRC is caught', () => {
  fc.assert(
    fc.property(recordList(5), codec, fc.nat(), fc.integer({ min: 1, max: 255 }), (records, compression, at, flip) => {
      const buf = buildRecordBatch({ compression, records, baseTimestamp: 1 })
      const pos = CRC + 4 + (at % (buf.length - CRC - 4))
      buf[pos]! ^= flip
      assert.throws(() => decodeRecordBatch(buf), isRecordsError('crc-mismatch'))
    }),
    { numRuns: 100 },
  )
})

test('malformed batches are typed errors', () => {
  const good = buildRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('value') }], baseTimestamp: 1 })
  // Truncated anywhere.
  for (let n = 0; n < good.length; n++) assert.throws(() => decodeRecordBatch(good.subarray(0, n)), isRecordsError(), `cut at ${n}`)
  // Wrong magic.
  const m1 = Buffer.from(good)
  m1[16] = 1
  assert.throws(() => decodeRecordBatch(m1), isRecordsError('unsupported-magic'))
  // Batch length smaller than the header.
  const shortLen = Buffer.from(good)
  shortLen.writeInt32BE(10, 8)
  assert.throws(() => decodeRecordBatch(shortLen), isRecordsError('bad-length'))
  // Absurd record count (CRC skipped so the count check itself is exercised).
  const count = Buffer.from(good)
  count.writeInt32BE(0x7fffffff, 57)
  assert.throws(() => decodeRecordBatch(count, 0, { verifyCrc: false }), isRecordsError('bad-length'))
  count.writeInt32BE(-5, 57)
  assert.throws(() => decodeRecordBatch(count, 0, { verifyCrc: false }), isRecordsError('bad-length'))
  // A record whose key length points past the batch.
  const keyLen = Buffer.from(good)
  keyLen[RECORD_BATCH_OVERHEAD + 4] = 0x7e
  assert.throws(() => decodeRecordBatch(keyLen, 0, { verifyCrc: false }), isRecordsError())
  // An over-long varint as record length.
  const varint = Buffer.concat([good.subarray(0, RECORD_BATCH_OVERHEAD), Buffer.alloc(12, 0xff)])
  varint.writeInt32BE(varint.length - 12, 8)
  assert.throws(() => decodeRecordBatch(varint, 0, { verifyCrc: false }), isRecordsError('bad-varint'))
  // Garbage where compressed data should be, for every codec.
  for (let c = 1; c <= 4; c++) {
    const bad = Buffer.concat([good.subarray(0, RECORD_BATCH_OVERHEAD), Buffer.from('not compressed at all')])
    bad.writeInt32BE(bad.length - 12, 8)
    bad.writeInt16BE(c, 21)
    assert.throws(() => decodeRecordBatch(bad, 0, { verifyCrc: false }), isRecordsError('bad-compressed-data'), `codec ${c}`)
  }
  // Unknown codec id.
  const codec7 = Buffer.from(good)
  codec7.writeInt16BE(7, 21)
  assert.throws(() => decodeRecordBatch(codec7, 0, { verifyCrc: false }), isRecordsError('unsupported-compression'))
})

test('random mutations never escape as anything but RecordsError', () => {
  fc.assert(
    fc.property(
      recordList(4),
      codec,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      (records, compression, edits) => {
        const buf = buildRecordBatch({ compression, records, baseTimestamp: 1 })
        for (const [at, v] of edits) buf[at % buf.length] = v
        try {
          decodeRecordBatch(buf, 0, { verifyCrc: false, maxDecompressedSize: 1 << 20 })
        } catch (e) {
          assert.ok(e instanceof RecordsError, String(e))
        }
      },
    ),
    { numRuns: 300 },
  )
})

test('decompressed size is bounded by the caller', () => {
  const big = buildRecordBatch({ compression: 1, records: [{ value: Buffer.alloc(1 << 20) }], baseTimestamp: 1 })
  assert.ok(big.length < 10000)
  assert.throws(() => decodeRecordBatch(big, 0, { maxDecompressedSize: 64 * 1024 }), isRecordsError('too-large'))
  assert.equal(decodeRecordBatch(big, 0, { maxDecompressedSize: 2 << 20 }).records[0]!.value!.length, 1 << 20)
})

test('a batch built in a caller\'s buffer equals one built in a fresh buffer, and falls back when it does not fit', () => {
  const records = Array.from({ length: 10 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(100, i), timestamp: 1000 + i }))
  const fresh = buildRecordBatch({ records, producerId: 7, baseSequence: 3 })
  const pool = Buffer.alloc(fresh.length + 50, 0xff)
  const inPool = buildRecordBatch({ records, producerId: 7, baseSequence: 3, buffer: pool })
  assert.deepEqual(inPool, fresh)
  assert.equal(inPool.buffer, pool.buffer, 'built in place')
  const small = Buffer.alloc(fresh.length - 1)
  const fallback = buildRecordBatch({ records, producerId: 7, baseSequence: 3, buffer: small })
  assert.deepEqual(fallback, fresh)
  assert.notEqual(fallback.buffer, small.buffer)
})
