import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FrameReader, FrameSizeError } from '../../../src/broker/net/frame-reader.ts'

function frame(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length)
  out.writeInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

function drain(r: FrameReader): Buffer[] {
  const out: Buffer[] = []
  for (let f = r.next(); f !== null; f = r.next()) out.push(Buffer.from(f))
  return out
}

const bodies = [Buffer.from('first frame'), Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.alloc(300, 7), Buffer.from('z')]
const stream = Buffer.concat(bodies.map(frame))

test('every single split position yields the same frames', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const r = new FrameReader(1 << 20)
    r.push(stream.subarray(0, cut))
    const got = drain(r)
    r.push(stream.subarray(cut))
    got.push(...drain(r))
    assert.deepEqual(got, bodies, `cut at ${cut}`)
    assert.equal(r.bufferedBytes, 0)
  }
})

test('every pair of split positions yields the same frames', () => {
  for (let a = 0; a <= stream.length; a += 3) {
    for (let b = a; b <= stream.length; b += 5) {
      const r = new FrameReader(1 << 20)
      const got: Buffer[] = []
      for (const part of [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]) {
        r.push(part)
        got.push(...drain(r))
      }
      assert.deepEqual(got, bodies, `cuts at ${a}, ${b}`)
    }
  }
})

test('one byte at a time', () => {
  const r = new FrameReader(1 << 20)
  const got: Buffer[] = []
  for (let i = 0; i < stream.length; i++) {
    r.push(stream.subarray(i, i + 1))
    got.push(...drain(r))
  }
  assert.deepEqual(got, bodies)
})

test('a frame inside one chunk is a zero-copy view of that chunk', () => {
  const r = new FrameReader(1 << 20)
  const chunk = Buffer.concat([frame(Buffer.from('abc')), frame(Buffer.from('defg'))])
  r.push(chunk)
  const f = r.next()!
  assert.equal(f.buffer, chunk.buffer)
  assert.equal(f.byteOffset, chunk.byteOffset + 4)
  assert.equal(r.next()!.toString(), 'defg')
})

test('negative and oversized size prefixes throw FrameSizeError', () => {
  const neg = Buffer.alloc(4)
  neg.writeInt32BE(-5, 0)
  const r1 = new FrameReader(100)
  r1.push(neg)
  assert.throws(() => r1.next(), (e: unknown) => e instanceof FrameSizeError && e.size === -5)
  const big = Buffer.alloc(4)
  big.writeInt32BE(101, 0)
  const r2 = new FrameReader(100)
  r2.push(big)
  assert.throws(() => r2.next(), (e: unknown) => e instanceof FrameSizeError && /exceeds socket\.request\.max\.bytes 100/.test(e.message))
  // Exactly the limit is accepted.
  const r3 = new FrameReader(3)
  r3.push(frame(Buffer.from('abc')))
  assert.equal(r3.next()!.toString(), 'abc')
})

test('many small chunks across one large frame are copied once, in order', () => {
  const body = Buffer.alloc(100_000)
  for (let i = 0; i < body.length; i++) body[i] = i % 251
  const data = frame(body)
  const r = new FrameReader(1 << 20)
  for (let i = 0; i < data.length; i += 97) {
    r.push(data.subarray(i, i + 97))
    if (i + 97 < data.length) assert.equal(r.next(), null)
  }
  assert.deepEqual(r.next(), body)
})
