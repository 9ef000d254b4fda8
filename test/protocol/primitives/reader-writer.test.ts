import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Reader } from '../../../src/protocol/primitives/reader.ts'
import { Writer } from '../../../src/protocol/primitives/writer.ts'
import { ProtocolDecodeError, ProtocolEncodeError } from '../../../src/protocol/primitives/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/uuid.ts'

const reason = (wanted: string) => (e: unknown) => e instanceof ProtocolDecodeError && e.reason === wanted

test('fixed-width integers, floats, bools and uuids round-trip', () => {
  const w = new Writer(1)
  w.int8(-128)
  w.int16(-32768)
  w.uint16(65535)
  w.int32(-(2 ** 31))
  w.uint32(2 ** 32 - 1)
  w.int64(-(2n ** 63n))
  w.int64(2n ** 53n + 1n)
  w.float64(-0.1)
  w.bool(true)
  w.bool(false)
  w.uuid(ZERO_UUID)
  w.uuid('AQIDBAUGBwgJCgsMDQ4PEA')
  const b = w.finish()
  assert.equal(b.length, 1 + 2 + 2 + 4 + 4 + 8 + 8 + 8 + 2 + 32)
  const r = new Reader(b)
  assert.equal(r.int8(), -128)
  assert.equal(r.int16(), -32768)
  assert.equal(r.uint16(), 65535)
  assert.equal(r.int32(), -(2 ** 31))
  assert.equal(r.uint32(), 2 ** 32 - 1)
  assert.equal(r.int64(), -(2n ** 63n))
  assert.equal(r.int64(), 2n ** 53n + 1n)
  assert.equal(r.float64(), -0.1)
  assert.equal(r.bool(), true)
  assert.equal(r.bool(), false)
  assert.equal(r.uuid(), ZERO_UUID)
  assert.equal(b.subarray(b.length - 16).toString('hex'), '0102030405060708090a0b0c0d0e0f10')
  assert.equal(r.uuid(), 'AQIDBAUGBwgJCgsMDQ4PEA')
  assert.equal(r.remaining, 0)
  assert.throws(() => r.int8(), reason('truncated'))
})

test('int64 in the safe-integer range is written like Buffer#writeBigInt64BE', () => {
  const values = [0n, 1n, -1n, 255n, -256n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), -(2n ** 32n) - 1n, 1796440025159n, -123456789012n,
    2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]
  const w = new Writer(1)
  for (const v of values) w.int64(v)
  const b = w.finish()
  const expected = Buffer.alloc(8 * values.length)
  values.forEach((v, i) => expected.writeBigInt64BE(v, 8 * i))
  assert.deepEqual(b, expected)
  assert.throws(() => new Writer().int64(2n ** 63n))
})

test('uuid strings that do not encode 16 bytes exactly are rejected', () => {
  const w = new Writer()
  assert.throws(() => w.uuid('short'), ProtocolEncodeError)
  assert.throws(() => w.uuid('AAAAAAAAAAAAAAAAAAAAAB'), ProtocolEncodeError)
  assert.throws(() => w.uuid('AAAAAAAAAAAAAAAAAAAA+A'), ProtocolEncodeError)
})

test('strings and bytes in classic and compact form, including null and empty', () => {
  const w = new Writer()
  w.string('héllo')
  w.nullableString(null)
  w.compactString('')
  w.compactNullableString(null)
  w.compactNullableString('x')
  w.bytes(Buffer.from([1, 2, 3]))
  w.nullableBytes(null)
  w.compactBytes(Buffer.alloc(0))
  w.compactNullableBytes(null)
  const b = w.finish()
  const r = new Reader(b)
  assert.equal(r.string(), 'héllo')
  assert.equal(r.nullableString(), null)
  assert.equal(r.compactString(), '')
  assert.equal(r.compactNullableString(), null)
  assert.equal(r.compactNullableString(), 'x')
  const bytes = r.bytes()
  assert.deepEqual([...bytes], [1, 2, 3])
  assert.equal(bytes.buffer, b.buffer, 'bytes are a zero-copy view of the input')
  assert.equal(r.nullableBytes(), null)
  assert.equal(r.compactBytes().length, 0)
  assert.equal(r.compactNullableBytes(), null)
  assert.equal(r.remaining, 0)
})

test('null in non-nullable fields, negative lengths and over-long lengths are typed errors', () => {
  assert.throws(() => new Reader(Buffer.from('ffff', 'hex')).string(), reason('null-not-allowed'))
  assert.throws(() => new Reader(Buffer.from('fffe', 'hex')).nullableString(), reason('negative-length'))
  assert.throws(() => new Reader(Buffer.from('0005616263', 'hex')).string(), reason('truncated'))
  assert.throws(() => new Reader(Buffer.from('fffffffe', 'hex')).nullableBytes(), reason('negative-length'))
  assert.throws(() => new Reader(Buffer.from('7fffffff', 'hex')).bytes(), reason('truncated'))
  assert.throws(() => new Reader(Buffer.from('00', 'hex')).compactString(), reason('null-not-allowed'))
  assert.throws(() => new Reader(Buffer.from('ffffffff0f', 'hex')).compactBytes(), reason('truncated'))
})

test('array counts are checked against the remaining bytes before any allocation', () => {
  assert.throws(() => new Reader(Buffer.from('7fffffff', 'hex')).arrayLength(), reason('count-too-large'))
  assert.throws(() => new Reader(Buffer.from('ffffffff', 'hex')).arrayLength(), reason('null-not-allowed'))
  assert.equal(new Reader(Buffer.from('ffffffff', 'hex')).arrayLength(true), -1)
  assert.throws(() => new Reader(Buffer.from('80000000', 'hex')).arrayLength(true), reason('negative-length'))
  assert.throws(() => new Reader(Buffer.from('ffffffff07', 'hex')).compactArrayLength(), reason('count-too-large'))
  assert.equal(new Reader(Buffer.from('00', 'hex')).compactArrayLength(true), -1)
  assert.equal(new Reader(Buffer.from('030000', 'hex')).compactArrayLength(), 2)
})

test('tagged-field sections can be skipped; sizes are bounds-checked', () => {
  const w = new Writer()
  w.uvarint(2)
  w.uvarint(0)
  w.uvarint(3)
  w.raw(Buffer.from('abc'))
  w.uvarint(7)
  w.uvarint(0)
  w.int8(42)
  const r = new Reader(w.finish())
  r.skipTaggedFields()
  assert.equal(r.int8(), 42)
  assert.throws(() => new Reader(Buffer.from('010005', 'hex')).skipTaggedFields(), reason('truncated'))
  assert.throws(() => new Reader(Buffer.from('7f', 'hex')).skipTaggedFields(), reason('count-too-large'))
})

test('writer grows once per reserve and references large payloads in finishChunks', () => {
  const big = Buffer.alloc(10_000, 7)
  const w = new Writer(8, 4096)
  w.int32(0)
  w.bytes(Buffer.from('small'))
  w.bytes(big)
  w.int16(5)
  const chunks = w.finishChunks()
  assert.equal(chunks.length, 3)
  assert.equal(chunks[1], big, 'the large payload is the caller buffer itself')
  assert.equal(w.length, 4 + 4 + 5 + 4 + 10_000 + 2)
  w.patchInt32(0, w.length - 4)
  const whole = w.finish()
  assert.equal(whole.length, w.length)
  assert.deepEqual(Buffer.concat(w.finishChunks()), whole)
  const r = new Reader(whole)
  assert.equal(r.int32(), whole.length - 4)
  assert.equal(r.bytes().toString(), 'small')
  assert.deepEqual(r.bytes(), big)
  assert.equal(r.int16(), 5)

  const copy = new Writer(8)
  copy.bytes(big)
  assert.equal(copy.finishChunks().length, 1, 'without a threshold everything is copied into one buffer')
})

test('reserve allocates enough for the whole message at once', () => {
  const w = new Writer(64)
  w.int8(1)
  w.reserve(1000)
  const buf = w.buf
  for (let i = 0; i < 250; i++) w.int32(i)
  assert.equal(w.buf, buf, 'no reallocation after reserve')
})

test('compact strings longer than 32767 bytes are rejected like classic ones', () => {
  const w = new Writer()
  w.uvarint(32769)
  w.raw(Buffer.alloc(32768, 0x61))
  assert.throws(() => new Reader(w.finish()).compactString(), reason('value-out-of-range'))
  assert.throws(() => new Writer().string('a'.repeat(32768)), ProtocolEncodeError)
})

test('integers outside their wire type are rejected on encode, never truncated', () => {
  const w = new Writer()
  assert.throws(() => w.int8(128), ProtocolEncodeError)
  assert.throws(() => w.int16(-32769), ProtocolEncodeError)
  assert.throws(() => w.uint16(-1), ProtocolEncodeError)
  assert.throws(() => w.int32(2 ** 31), ProtocolEncodeError)
  assert.throws(() => w.int32(1.5), ProtocolEncodeError)
  assert.throws(() => w.uint32(2 ** 32), ProtocolEncodeError)
  assert.throws(() => w.uvarint(-1), ProtocolEncodeError)
  assert.throws(() => w.varint(2 ** 31), ProtocolEncodeError)
  assert.equal(w.length, 0)
})

test('signed and unsigned reads interpret the high bit correctly', () => {
  const r = new Reader(Buffer.from('80' + 'ff7f' + '8000' + 'ffff' + '80000000' + 'ffffffff', 'hex'))
  assert.deepEqual([r.int8(), r.int16(), r.int16(), r.uint16(), r.int32(), r.uint32()], [-128, -129, -32768, 65535, -(2 ** 31), 2 ** 32 - 1])
})

test('strings are their UTF-8 bytes whatever the path (short and long ASCII, Latin-1, multi-byte, lone surrogates)', () => {
  const cases = ['', 'a', 'é', '\u00ff', '\ud800', 'x\udfff', '\u{1F600}', '日本']
  for (let len = 1; len <= 70; len++) {
    const ascii = Array.from({ length: len }, (_, i) => String.fromCharCode(32 + ((i * 7) % 95))).join('')
    cases.push(ascii, ascii.slice(0, -1) + 'é', 'é' + ascii.slice(1), ascii.slice(0, -1) + '\u0080')
  }
  for (const s of cases) {
    const w = new Writer(8) // small: the writer grows mid-way
    w.int8(1)
    w.compactString(s)
    w.string(s)
    const expected = Buffer.from(s, 'utf8')
    const buf = w.finish()
    const r = new Reader(buf)
    r.int8()
    assert.deepEqual(Buffer.from(r.compactString(), 'utf8'), expected, JSON.stringify(s))
    assert.deepEqual(Buffer.from(r.string(), 'utf8'), expected, JSON.stringify(s))
    assert.equal(r.remaining, 0)
  }
})
