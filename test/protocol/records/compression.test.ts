import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { compressFrameSync } from 'lz4-napi'
import { compressSync as snappyRaw } from 'snappy'
import type * as ZstdBinding from 'zstd-napi/binding.js'
import { codecByName, codecNames, compress, decompress, getCodec, isXerialFramed } from '../../../src/protocol/records/compression/index.ts'
import { xxhash32 } from '../../../src/protocol/records/compression/xxhash32.ts'
import { RecordsError } from '../../../src/protocol/records/records-error.ts'
import { bytes } from './arbitraries.ts'

const zstd = createRequire(import.meta.url)('zstd-napi/binding.js') as typeof ZstdBinding
const isRecordsError = (reason?: string) => (e: unknown) =>
  e instanceof RecordsError && (reason === undefined || e.reason === reason)

const text = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => `{"id":${i},"v":"x${i % 17}"}`).join(','))

test('every codec round-trips arbitrary bytes', () => {
  for (let id = 0; id <= 4; id++) {
    fc.assert(
      fc.property(fc.oneof(bytes(2000), fc.nat(5000).map(text)), (data) => {
        assert.deepEqual(decompress(id, compress(id, data), data.length), data)
      }),
      { numRuns: 60 },
    )
  }
  assert.deepEqual(codecNames, ['none', 'gzip', 'snappy', 'lz4', 'zstd'])
  assert.equal(codecByName('zstd').id, 4)
  assert.throws(() => getCodec(5), isRecordsError('unsupported-compression'))
})

test('large inputs (many blocks) round-trip for every codec', () => {
  const data = text(60000) // ~1.3 MB: several snappy-xerial and lz4 blocks
  for (let id = 0; id <= 4; id++) assert.deepEqual(decompress(id, compress(id, data), data.length), data, codecNames[id])
})

test('snappy: xerial framing by default, raw on request, both detected when decompressing', () => {
  const data = text(5000)
  const xerial = compress(2, data)
  assert.ok(isXerialFramed(xerial))
  assert.deepEqual(xerial.subarray(0, 16), Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]))
  const raw = compress(2, data, { snappyFraming: 'raw' })
  assert.ok(!isXerialFramed(raw))
  assert.deepEqual(raw, snappyRaw(data))
  assert.deepEqual(decompress(2, xerial, data.length), data)
  assert.deepEqual(decompress(2, raw, data.length), data)
  // Empty xerial stream (header only) is empty data.
  assert.equal(decompress(2, xerial.subarray(0, 16), 10).length, 0)
  // Truncated xerial block and a lying block length.
  assert.throws(() => decompress(2, xerial.subarray(0, xerial.length - 3), 1e6), isRecordsError('bad-compressed-data'))
  const lying = Buffer.from(xerial)
  lying.writeInt32BE(0x7fffffff, 16)
  assert.throws(() => decompress(2, lying, 1e6), isRecordsError('bad-compressed-data'))
  // Raw blocks: a cut, an over-long and an over-large uvarint length preamble; a declared length over the limit.
  for (const hex of ['', '8080', 'ffffffffff01', 'ffffffff1f']) {
    assert.throws(() => decompress(2, Buffer.from(hex, 'hex'), 1e6), isRecordsError('bad-compressed-data'), hex)
  }
  assert.throws(() => decompress(2, raw, data.length - 1), isRecordsError('too-large'))
})

test('lz4: Kafka frame layout, legacy KAFKA-1493 header checksum accepted, truncation rejected', () => {
  const data = text(8000)
  const frame = compress(3, data)
  assert.equal(frame.readUInt32LE(0), 0x184d2204)
  assert.equal(frame[4], 0x60) // version 1, independent blocks
  assert.ok([0x40, 0x50, 0x60, 0x70].includes(frame[5]!)) // 64 KiB .. 4 MiB blocks, no other BD bits
  assert.equal(frame[6], (xxhash32(frame.subarray(4, 6)) >>> 8) & 0xff)
  const legacy = compress(3, data, { lz4LegacyHeaderChecksum: true })
  assert.equal(legacy[6], (xxhash32(legacy.subarray(0, 6)) >>> 8) & 0xff)
  assert.notEqual(legacy[6], frame[6])
  assert.deepEqual(decompress(3, legacy, data.length), data)
  const before = Buffer.from(legacy)
  decompress(3, legacy, data.length)
  assert.deepEqual(legacy, before, 'the caller buffer is not patched in place')
  const wrongHc = Buffer.from(frame)
  wrongHc[6] ^= 0x5a
  assert.throws(() => decompress(3, wrongHc, 1e6), isRecordsError('bad-compressed-data'))
  for (const cut of [3, 7, 12, frame.length - 4, frame.length - 1]) {
    assert.throws(() => decompress(3, frame.subarray(0, cut), 1e6), isRecordsError('bad-compressed-data'), `cut ${cut}`)
  }
  // Frames written by the library directly, with content checksum, also decode.
  const checked = compressFrameSync(data, { contentChecksum: true, blockChecksums: true })
  assert.deepEqual(decompress(3, checked, data.length), data)
})

test('xxhash32 matches the reference vectors', () => {
  assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05)
  assert.equal(xxhash32(Buffer.from('a')), 0x550d7456)
  assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff)
  assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f)
})

test('zstd: frames without a content size are streamed and still bounded', () => {
  const data = text(20000)
  const cctx = new zstd.CCtx()
  const dst = Buffer.alloc(zstd.compressBound(data.length) + 64)
  // 'continue' first, then 'end' with no input: the frame header then states no content size.
  let [, produced] = cctx.compressStream2(dst, data, zstd.EndDirective.continue)
  let total = produced
  let ret: number
  do {
    ;[ret, produced] = cctx.compressStream2(dst.subarray(total), Buffer.alloc(0), zstd.EndDirective.end)
    total += produced
  } while (ret !== 0)
  const frame = dst.subarray(0, total)
  assert.equal(zstd.getFrameContentSize(frame), null)
  assert.deepEqual(decompress(4, frame, data.length), data)
  assert.throws(() => decompress(4, frame, 1000), isRecordsError('too-large'))
  assert.throws(() => decompress(4, frame.subarray(0, frame.length - 5), 1e7), isRecordsError('bad-compressed-data'))
  // The shared context recovers after a failure.
  assert.deepEqual(decompress(4, compress(4, data), data.length), data)
})

test('zip bombs stop at the caller limit with a typed error, for every codec', () => {
  const zeros = Buffer.alloc(8 << 20)
  for (let id = 1; id <= 4; id++) {
    const bomb = compress(id, zeros)
    assert.ok(bomb.length < zeros.length / 20, codecNames[id])
    assert.throws(() => decompress(id, bomb, 1 << 20), isRecordsError('too-large'), codecNames[id])
  }
  // gzip without the size in any header: zlib stops inside inflate.
  assert.throws(() => decompress(1, gzipSync(zeros), 4096), isRecordsError('too-large'))
  // A lie in the snappy preamble is caught before inflating.
  const lie = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])
  assert.throws(() => decompress(2, lie, 1 << 20), isRecordsError('too-large'))
  // none honours the bound too.
  assert.throws(() => decompress(0, Buffer.alloc(10), 5), isRecordsError('too-large'))
})

test('random bytes never crash any codec', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), bytes(300), (id, data) => {
      try {
        decompress(id, data, 1 << 16)
      } catch (e) {
        assert.ok(e instanceof RecordsError, String(e))
      }
    }),
    { numRuns: 400 },
  )
  // Valid headers followed by garbage are the interesting case for framed codecs.
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), bytes(200), fc.nat(), (id, tail, cut) => {
      const good = compress(id, text(300))
      const mixed = Buffer.concat([good.subarray(0, cut % good.length), tail])
      try {
        decompress(id, mixed, 1 << 16)
      } catch (e) {
        assert.ok(e instanceof RecordsError, String(e))
      }
    }),
    { numRuns: 400 },
  )
})
