import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Reader } from '../../../src/protocol/primitives/reader.ts'
import { Writer } from '../../../src/protocol/primitives/writer.ts'
import { ProtocolDecodeError } from '../../../src/protocol/primitives/errors.ts'
import { sizeOfUvarint, sizeOfVarint, sizeOfVarlong, sizeOfVarlongNumber } from '../../../src/protocol/primitives/varint.ts'

function bytesOf(fn: (w: Writer) => void): Buffer {
  const w = new Writer(16)
  fn(w)
  return w.finish()
}

const reason = (reasonWanted: string) => (e: unknown) => e instanceof ProtocolDecodeError && e.reason === reasonWanted

test('unsigned varint encodings match the spec at the byte boundaries', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 31 - 1, 'ffffffff07'],
    [2 ** 32 - 1, 'ffffffff0f'],
  ]
  for (const [v, hex] of cases) {
    const b = bytesOf((w) => w.uvarint(v))
    assert.equal(b.toString('hex'), hex, `encode ${v}`)
    assert.equal(sizeOfUvarint(v), b.length)
    const r = new Reader(b)
    assert.equal(r.uvarint(), v)
    assert.equal(r.remaining, 0)
  }
})

test('zigzag varint: 0, -1, 1, int32 extremes', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-64, '7f'],
    [64, '8001'],
    [2 ** 31 - 1, 'feffffff0f'],
    [-(2 ** 31), 'ffffffff0f'],
  ]
  for (const [v, hex] of cases) {
    const b = bytesOf((w) => w.varint(v))
    assert.equal(b.toString('hex'), hex, `encode ${v}`)
    assert.equal(sizeOfVarint(v), b.length)
    assert.equal(new Reader(b).varint(), v)
  }
})

test('zigzag varlong: int64 extremes, both bigint and number paths', () => {
  const cases: [bigint, string][] = [
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [2n ** 63n - 1n, 'feffffffffffffffff01'],
    [-(2n ** 63n), 'ffffffffffffffffff01'],
    [BigInt(Number.MAX_SAFE_INTEGER), 'feffffffffffff1f'],
  ]
  for (const [v, hex] of cases) {
    const b = bytesOf((w) => w.varlong(v))
    assert.equal(b.toString('hex'), hex, `encode ${v}`)
    assert.equal(sizeOfVarlong(v), b.length)
    assert.equal(new Reader(b).varlong(), v)
  }
  for (const v of [0, -1, 1, 1234567890123, -1234567890123, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 51, -(2 ** 51) - 1]) {
    const b = bytesOf((w) => w.varlongNumber(v))
    assert.deepEqual(b, bytesOf((w) => w.varlong(BigInt(v))), `same bytes for ${v}`)
    assert.equal(sizeOfVarlongNumber(v), b.length)
    assert.equal(new Reader(b).varlongNumber(), v)
  }
  assert.throws(() => new Reader(bytesOf((w) => w.varlong(2n ** 60n))).varlongNumber(), reason('value-out-of-range'))
  assert.equal(bytesOf((w) => w.varlongNumber(2 ** 40)).toString('hex'), '808080808040')
  assert.equal(bytesOf((w) => w.varlongNumber(64)).toString('hex'), '8001')
})

test('over-long and truncated varints are typed errors', () => {
  assert.throws(() => new Reader(Buffer.from('ffffffff8f01', 'hex')).uvarint(), reason('varint-too-long'))
  assert.throws(() => new Reader(Buffer.from('ffffffff10', 'hex')).uvarint(), reason('value-out-of-range'))
  assert.throws(() => new Reader(Buffer.from('ffffffffffffffffff8101', 'hex')).uvarlong(), reason('varint-too-long'))
  assert.throws(() => new Reader(Buffer.from('ffffffffffffffffff02', 'hex')).uvarlong(), reason('value-out-of-range'))
  assert.throws(() => new Reader(Buffer.from('8080', 'hex')).uvarint(), reason('truncated'))
  assert.throws(() => new Reader(Buffer.from('80808080808080', 'hex')).varlong(), reason('truncated'))
  assert.throws(() => new Reader(Buffer.alloc(0)).uvarint(), reason('truncated'))
})
