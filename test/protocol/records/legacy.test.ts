import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch, recordOffset, recordTimestamp } from '../../../src/protocol/records/batch-decoder.ts'
import { compress } from '../../../src/protocol/records/compression/index.ts'
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../../src/protocol/records/control-record.ts'
import { batchesToLegacy, legacyToBatches } from '../../../src/protocol/records/legacy/convert.ts'
import { NO_TIMESTAMP, encodeMessage } from '../../../src/protocol/records/legacy/message.ts'
import type { LegacyRecordInput } from '../../../src/protocol/records/legacy/message-set.ts'
import { decodeMessageSet, encodeMessageSet } from '../../../src/protocol/records/legacy/message-set.ts'
import { RecordsError } from '../../../src/protocol/records/records-error.ts'
import { splitBatches } from '../../../src/protocol/records/split-batches.ts'
import { nullableBytes, recordList } from './arbitraries.ts'

// KafkaJS's own MessageSet code is an independent implementation to check our bytes against.
const require = createRequire(import.meta.url)
const kjsMessageSet = require('kafkajs/src/protocol/messageSet') as (o: {
  messageVersion: number
  compression?: number
  entries: { key: Buffer | null; value: Buffer | null; timestamp?: number; compression?: number }[]
}) => { buffer: Buffer }
const kjsDecoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown
const kjsDecodeMessageSet = require('kafkajs/src/protocol/messageSet/decoder') as (
  d: unknown,
  size: number,
) => Promise<{ offset: string; magicByte: number; timestamp?: string; key: Buffer | null; value: Buffer | null }[]>

const isRecordsError = (reason?: string) => (e: unknown) =>
  e instanceof RecordsError && (reason === undefined || e.reason === reason)

const legacyRecords = fc
  .array(fc.record({ gap: fc.integer({ min: 1, max: 3 }), timestamp: fc.integer({ min: 0, max: 2 ** 45 }), key: nullableBytes(), value: nullableBytes(200) }), {
    minLength: 1,
    maxLength: 12,
  })
  .map((rs) => {
    let offset = 1000
    return rs.map((r): LegacyRecordInput => ({ offset: (offset += r.gap), timestamp: r.timestamp, key: r.key, value: r.value }))
  })

test('message sets written by KafkaJS (v0, v1) decode with our decoder', () => {
  const entries = [
    { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1600000000000 },
    { key: null, value: Buffer.from('v2'), timestamp: 1600000000001 },
    { key: Buffer.from('k3'), value: null, timestamp: 1600000000002 },
  ]
  for (const magic of [0, 1] as const) {
    const { records, partialBytes } = decodeMessageSet(kjsMessageSet({ messageVersion: magic, entries }).buffer)
    assert.equal(partialBytes, 0)
    assert.deepEqual(
      records.map((r) => [r.magic, r.timestamp, r.key, r.value]),
      entries.map((e) => [magic, magic === 0 ? NO_TIMESTAMP : e.timestamp, e.key, e.value]),
    )
  }
})

test('message sets we write (plain and gzip wrappers, v0 and v1) decode with KafkaJS', async () => {
  const input: LegacyRecordInput[] = [
    { offset: 40, timestamp: 1600000000000, key: Buffer.from('a'), value: Buffer.from('one') },
    { offset: 41, timestamp: 1600000000005, key: null, value: Buffer.from('two') },
    { offset: 43, timestamp: 1600000000003, key: Buffer.from('c'), value: null },
  ]
  for (const magic of [0, 1] as const) {
    for (const compression of [0, 1]) {
      const set = encodeMessageSet(input, { magic, compression })
      const decoded = await kjsDecodeMessageSet(new kjsDecoder(set), set.length)
      assert.deepEqual(
        decoded.map((m) => [Number(m.offset), m.magicByte, m.key, m.value]),
        input.map((r) => [r.offset, magic, r.key, r.value]),
        `magic ${magic} compression ${compression}`,
      )
      if (magic === 1 && compression === 0) assert.deepEqual(decoded.map((m) => Number(m.timestamp)), input.map((r) => r.timestamp))
    }
  }
})

test('message sets round-trip for magic 0/1 with every legacy codec', () => {
  fc.assert(
    fc.property(legacyRecords, fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>, fc.constantFrom(0, 1, 2, 3), fc.boolean(), (input, magic, compression, lat) => {
      const set = encodeMessageSet(input, { magic, compression, logAppendTime: lat })
      const { records } = decodeMessageSet(set)
      const maxTs = Math.max(...input.map((r) => r.timestamp!))
      assert.deepEqual(
        records.map((r) => [r.offset, r.timestamp, r.key, r.value, r.compression, r.logAppendTime]),
        input.map((r) => [
          r.offset,
          magic === 0 ? NO_TIMESTAMP : lat && compression !== 0 ? maxTs : r.timestamp,
          r.key,
          r.value,
          compression,
          magic === 1 && lat,
        ]),
      )
    }),
    { numRuns: 150 },
  )
})

test('magic 1 wrappers use relative inner offsets; magic 0 wrappers use absolute ones', () => {
  const input: LegacyRecordInput[] = [10, 11, 15].map((offset) => ({ offset, timestamp: offset, key: null, value: Buffer.from('x') }))
  for (const magic of [0, 1] as const) {
    const set = encodeMessageSet(input, { magic, compression: 1 })
    assert.equal(set.readBigInt64BE(0), 15n, 'the wrapper carries the last offset')
    const inner = decodeMessageSet(set).records
    assert.deepEqual(inner.map((r) => r.offset), [10, 11, 15])
  }
})

test('old magic-0 LZ4 messages with the KAFKA-1493 header checksum decode', () => {
  const input: LegacyRecordInput[] = [{ offset: 5, key: null, value: Buffer.from('lz4 legacy '.repeat(20)) }]
  const set = encodeMessageSet(input, { magic: 0, compression: 3 })
  const frame = set.subarray(12 + 14) // log overhead + v0 header (value length ends it)
  assert.equal(frame.readUInt32LE(0), 0x184d2204)
  assert.deepEqual(decodeMessageSet(set).records.map((r) => r.value), input.map((r) => r.value))
})

test('magic 2 -> magic 0/1 -> magic 2 preserves offsets, timestamps, keys and values', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(recordList(6), fc.constantFrom(0, 1, 2, 3), fc.boolean(), fc.integer({ min: 1, max: 50 })), { minLength: 1, maxLength: 4 }),
      fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>,
      (specs, magic) => {
        let base = 0
        const batches = specs.map(([records, compression, logAppendTime, gap]) => {
          const b = buildRecordBatch({ records, compression, logAppendTime, baseOffset: base, baseTimestamp: 1_700_000_000_000 + base })
          base += records.length + gap
          return b
        })
        const v2 = Buffer.concat(batches)
        const expected = batches.flatMap((b) => {
          const d = decodeRecordBatch(b)
          return d.records.map((r) => ({
            offset: recordOffset(d, r),
            timestamp: magic === 0 ? NO_TIMESTAMP : recordTimestamp(d, r),
            key: r.key,
            value: r.value,
          }))
        })
        const { messageSet, partialBytes } = batchesToLegacy(v2, { magic })
        assert.equal(partialBytes, 0)
        const legacy = decodeMessageSet(messageSet).records
        assert.deepEqual(legacy.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value })), expected)
        const back = legacyToBatches(messageSet)
        const again = splitBatches(back).batches.flatMap(({ pos }) => {
          const d = decodeRecordBatch(back, pos)
          return d.records.map((r) => ({ offset: recordOffset(d, r), timestamp: recordTimestamp(d, r), key: r.key, value: r.value }))
        })
        assert.deepEqual(again, expected)
      },
    ),
    { numRuns: 100 },
  )
})

test('down-conversion drops control batches and headers; zstd needs an explicit codec', () => {
  const data = buildRecordBatch({
    baseOffset: 0,
    baseTimestamp: 100,
    transactional: true,
    producerId: 7,
    producerEpoch: 1,
    records: [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }] }],
  })
  const marker = buildEndTxnMarkerBatch({ type: ControlRecordType.Commit, producerId: 7, producerEpoch: 1, coordinatorEpoch: 0, timestamp: 101, baseOffset: 1 })
  const { messageSet } = batchesToLegacy(Buffer.concat([data, marker]), { magic: 1 })
  const records = decodeMessageSet(messageSet).records
  assert.deepEqual(records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString()]), [[0, 100, 'k', 'v']])

  const zstdBatch = buildRecordBatch({ compression: 4, baseTimestamp: 1, records: [{ value: Buffer.from('z') }] })
  assert.throws(() => batchesToLegacy(zstdBatch, { magic: 1 }), isRecordsError('unsupported-compression'))
  const asGzip = batchesToLegacy(zstdBatch, { magic: 1, compression: 1 }).messageSet
  assert.deepEqual(decodeMessageSet(asGzip).records.map((r) => [r.value?.toString(), r.compression]), [['z', 1]])
})

test('a trailing partial batch is reported, not converted', () => {
  const a = buildRecordBatch({ baseOffset: 0, baseTimestamp: 1, records: [{ value: Buffer.from('a') }] })
  const b = buildRecordBatch({ baseOffset: 1, baseTimestamp: 1, records: [{ value: Buffer.from('b') }] })
  const { messageSet, partialBytes } = batchesToLegacy(Buffer.concat([a, b.subarray(0, 30)]), { magic: 1 })
  assert.equal(partialBytes, 30)
  assert.equal(decodeMessageSet(messageSet).records.length, 1)
})

test('up-conversion keeps wrapper codec and LogAppendTime, and batches plain runs together', () => {
  const wrapped = encodeMessageSet(
    [0, 1, 2].map((o) => ({ offset: o, timestamp: 500 + o, key: null, value: Buffer.from(`w${o}`) })),
    { magic: 1, compression: 2, logAppendTime: true },
  )
  const plainSet = encodeMessageSet(
    [3, 4].map((o) => ({ offset: o, timestamp: 600 + o, key: null, value: Buffer.from(`p${o}`) })),
    { magic: 1 },
  )
  const out = legacyToBatches(Buffer.concat([wrapped, plainSet]))
  const spans = splitBatches(out).batches
  assert.equal(spans.length, 2)
  const first = decodeRecordBatch(out, spans[0]!.pos)
  assert.equal(first.compression, 2)
  assert.equal(first.logAppendTime, true)
  assert.deepEqual(first.records.map((r) => recordTimestamp(first, r)), [502, 502, 502])
  const second = decodeRecordBatch(out, spans[1]!.pos)
  assert.equal(second.compression, 0)
  assert.equal(second.baseOffset, 3)
  assert.deepEqual(second.records.map((r) => recordTimestamp(second, r)), [603, 604])
  const zstd = legacyToBatches(plainSet, { compression: 4 })
  assert.equal(decodeRecordBatch(zstd).compression, 4)
})

test('malformed legacy input is a typed error', () => {
  const set = encodeMessageSet([{ offset: 1, timestamp: 1, key: Buffer.from('key'), value: Buffer.from('value') }], { magic: 1 })
  for (let i = 16; i < set.length; i++) {
    const flipped = Buffer.from(set)
    flipped[i]! ^= 0x01
    assert.throws(() => decodeMessageSet(flipped), isRecordsError(), `flip at ${i}`)
  }
  const crcOnly = Buffer.from(set)
  crcOnly[set.length - 1]! ^= 0xff
  assert.throws(() => decodeMessageSet(crcOnly), isRecordsError('crc-mismatch'))
  // Truncation is a partial entry for the decoder and an error for conversion.
  assert.equal(decodeMessageSet(set.subarray(0, set.length - 1)).partialBytes, set.length - 1)
  assert.throws(() => legacyToBatches(set.subarray(0, set.length - 1)), isRecordsError('truncated'))
  // zstd (id 4) never existed for magic 0/1.
  const zstd = encodeMessage({ offset: 0, magic: 1, attributes: 4, timestamp: 0, key: null, value: compress(4, Buffer.from('x')) })
  assert.throws(() => decodeMessageSet(zstd), isRecordsError('unsupported-compression'))
  // A compressed wrapper holding another compressed wrapper.
  const innerWrapper = encodeMessageSet([{ offset: 0, timestamp: 0, key: null, value: Buffer.from('x') }], { magic: 1, compression: 1 })
  const nested = encodeMessage({ offset: 0, magic: 1, attributes: 1, timestamp: 0, key: null, value: compress(1, innerWrapper) })
  assert.throws(() => decodeMessageSet(nested), isRecordsError('invalid'))
  // A wrapper whose value is not compressed data.
  const garbage = encodeMessage({ offset: 0, magic: 1, attributes: 2, timestamp: 0, key: null, value: Buffer.from('garbage!') })
  assert.throws(() => decodeMessageSet(garbage), isRecordsError())
  // Magic 2 where a legacy message is expected.
  const v2 = buildRecordBatch({ baseTimestamp: 1, records: [{ value: Buffer.from('x') }] })
  assert.throws(() => decodeMessageSet(v2), isRecordsError('unsupported-magic'))
})

test('random mutations of legacy sets never escape as anything but RecordsError', () => {
  fc.assert(
    fc.property(
      legacyRecords,
      fc.constantFrom(0, 1, 2, 3),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }),
      (input, compression, edits) => {
        const set = encodeMessageSet(input, { magic: 1, compression })
        for (const [at, v] of edits) set[at % set.length] = v
        try {
          legacyToBatches(set, { verifyCrc: false, maxDecompressedSize: 1 << 20 })
        } catch (e) {
          assert.ok(e instanceof RecordsError, String(e))
        }
      },
    ),
    { numRuns: 300 },
  )
})
