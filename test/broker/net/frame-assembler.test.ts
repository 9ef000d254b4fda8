import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FrameAssembler } from '../../../src/broker/net/frame-assembler.ts'
import { FrameSizeError } from '../../../src/broker/net/frame-reader.ts'
import type { FrameCopies } from '../../../src/broker/net/frame-reader.ts'

function frame(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length)
  out.writeInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

function drain(a: FrameAssembler): Buffer[] {
  const out: Buffer[] = []
  for (let f = a.next(); f !== null; f = a.next()) out.push(Buffer.from(f))
  return out
}

/** Hands `part` over in a scratch buffer that is scribbled over right after, as a shared read buffer is. */
const scratch = Buffer.alloc(1 << 16)
function give(a: FrameAssembler, part: Buffer): void {
  part.copy(scratch)
  a.received(scratch.subarray(0, part.length))
  scratch.fill(0xee)
}

// Produce (api key 0) frames >= 16 KiB come from the pool; the api key of the others is 0x7465 ('te...').
const produce = Buffer.alloc(20_000, 9)
produce.writeInt16BE(0, 0)
const bodies = [Buffer.from('first frame'), Buffer.alloc(0), Buffer.from([1]), Buffer.from([1, 2, 3]), Buffer.alloc(300, 7), produce, Buffer.from('z')]
const stream = Buffer.concat(bodies.map(frame))

test('every split position yields the same frames, though each read is overwritten after the call', () => {
  for (let cut = 0; cut <= stream.length; cut += cut < 400 ? 1 : 97) {
    const a = new FrameAssembler(1 << 20)
    give(a, stream.subarray(0, cut))
    const got = drain(a)
    give(a, stream.subarray(cut))
    got.push(...drain(a))
    assert.deepEqual(got, bodies, `cut at ${cut}`)
    assert.equal(a.pendingFrameBytes, -1)
  }
})

test('one byte at a time', () => {
  const a = new FrameAssembler(1 << 20)
  const got: Buffer[] = []
  for (let i = 0; i < stream.length; i++) {
    give(a, stream.subarray(i, i + 1))
    got.push(...drain(a))
  }
  assert.deepEqual(got, bodies)
})

test('pendingFrameBytes tells the size of a frame still arriving', () => {
  const a = new FrameAssembler(1 << 20)
  const f = frame(Buffer.alloc(100, 1))
  give(a, f.subarray(0, 3))
  assert.equal(a.pendingFrameBytes, -1)
  give(a, f.subarray(3, 50))
  assert.equal(a.pendingFrameBytes, 104)
  assert.equal(a.next(), null)
  give(a, f.subarray(50))
  assert.equal(a.next()!.length, 100)
  assert.equal(a.pendingFrameBytes, -1)
})

test('recyclable frames of 16 KiB or more are assembled in pooled buffers, others in their own', () => {
  const taken: Buffer[] = []
  const copies: FrameCopies = {
    take: (size) => { const b = Buffer.alloc(size + 100); taken.push(b); return b },
    recyclable: (apiKey) => apiKey === 0,
  }
  const a = new FrameAssembler(1 << 20, copies)
  const other = Buffer.alloc(20_000, 3)
  other.writeInt16BE(3, 0)
  const both = Buffer.concat([frame(produce), frame(other)])
  // The produce frame's api key arrives split from its size prefix.
  give(a, both.subarray(0, 5))
  give(a, both.subarray(5))
  const first = a.next()!
  assert.equal(a.lastFramePooled, true)
  assert.equal(first.buffer, taken[0]!.buffer)
  assert.deepEqual(Buffer.from(first), produce)
  const second = a.next()!
  assert.equal(a.lastFramePooled, false)
  assert.deepEqual(Buffer.from(second), other)
  assert.equal(taken.length, 1)
})

test('a negative or oversized size prefix is thrown by next(), after the frames before it', () => {
  const bad = Buffer.alloc(4)
  bad.writeInt32BE(101, 0)
  const a = new FrameAssembler(100)
  give(a, Buffer.concat([frame(Buffer.from('ok')), bad, Buffer.from('junk')]))
  assert.equal(a.next()!.toString(), 'ok')
  assert.throws(() => a.next(), (e: unknown) => e instanceof FrameSizeError && e.size === 101)
  const neg = Buffer.alloc(4)
  neg.writeInt32BE(-1, 0)
  const b = new FrameAssembler(100)
  give(b, neg.subarray(0, 2))
  give(b, neg.subarray(2))
  assert.throws(() => b.next(), FrameSizeError)
})

test('clear drops queued and partial frames', () => {
  const a = new FrameAssembler(1 << 20)
  give(a, Buffer.concat([frame(Buffer.from('a')), frame(Buffer.alloc(50)).subarray(0, 20)]))
  a.clear()
  assert.equal(a.next(), null)
  assert.equal(a.pendingFrameBytes, -1)
  give(a, frame(Buffer.from('b')))
  assert.equal(a.next()!.toString(), 'b')
})

/** Reads of at most `max` bytes each into the buffers readTarget names, as a TLS socket hands over records. */
function feedAt(a: FrameAssembler, bytes: Buffer, max: number): { inPlace: number } {
  let inPlace = 0
  for (let pos = 0; pos < bytes.length;) {
    const target = a.readTarget(scratch)
    const n = Math.min(max, target.length, bytes.length - pos)
    bytes.copy(target, 0, pos, pos + n)
    if (target.buffer !== scratch.buffer) inPlace += n
    a.receivedAt(n, target)
    if (target.buffer === scratch.buffer) scratch.fill(0xee)
    pos += n
  }
  return { inPlace }
}

test('reads into the targets readTarget names: frame bodies land in place, every read size yields the same frames', () => {
  for (const max of [1, 7, 300, 16 * 1024, 1 << 16]) {
    const a = new FrameAssembler(1 << 20)
    const { inPlace } = feedAt(a, stream, max)
    assert.deepEqual(drain(a), bodies, `reads of ${max}`)
    assert.equal(a.pendingFrameBytes, -1)
    // The 20,000-byte frame's body beyond the first read arrives where it belongs.
    if (max === 300) assert.ok(inPlace >= 19_000, `in place ${inPlace}`)
  }
})

test('a read into a target the assembler no longer expects is copied like any other', () => {
  const a = new FrameAssembler(1 << 20)
  const f = frame(Buffer.alloc(100, 5))
  feedAt(a, f.subarray(0, 30), 30)
  const stale = a.readTarget(scratch)
  assert.notEqual(stale.buffer, scratch.buffer)
  a.clear()
  // After clear() the old frame's memory is just bytes: they are taken as the start of a new frame.
  const next = frame(Buffer.from('fresh'))
  next.copy(stale)
  a.receivedAt(next.length, stale)
  assert.equal(a.next()!.toString(), 'fresh')
})
