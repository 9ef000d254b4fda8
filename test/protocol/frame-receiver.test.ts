// FrameReceiver (the in-place response reader of the inter-broker channel and samsa/client): however the bytes are
// split into socket reads, every frame comes out whole and in order; large frames are read in
// place, and a recycled frame's memory takes the next large frame.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { FrameReceiver } from '../../src/protocol/framing/frame-receiver.ts'

function framed(payloads: Buffer[]): Buffer {
  return Buffer.concat(payloads.flatMap((p) => {
    const size = Buffer.alloc(4)
    size.writeInt32BE(p.length)
    return [size, p]
  }))
}

/** Feeds `stream` as a socket would: each read fills at most `maxRead` bytes of nextBuffer(). */
function feed(r: FrameReceiver, stream: Buffer, readSize: () => number): void {
  let pos = 0
  while (pos < stream.length) {
    const into = r.nextBuffer()
    const n = Math.min(into.length, readSize(), stream.length - pos)
    stream.copy(into, 0, pos, pos + n)
    pos += n
    r.received(n, into)
  }
}

test('frames of every size come out whole and in order under any read split', () => {
  const sizes = [0, 1, 3, 4, 100, 4096, 65_535, 65_536, 70_000, 1_048_576, 5, 300_000, 2]
  const payloads = sizes.map((n) => randomBytes(n))
  for (const readSize of [() => 1, () => 7, () => 4096, () => 65_536, () => 1 + Math.floor(Math.random() * 200_000)]) {
    const got: Buffer[] = []
    const r = new FrameReceiver((f) => got.push(Buffer.from(f)))
    feed(r, framed(payloads), readSize)
    assert.equal(got.length, payloads.length)
    got.forEach((g, i) => assert.ok(g.equals(payloads[i]!), `frame ${i} (${payloads[i]!.length} bytes)`))
  }
})

test('a large frame is read in place; after recycle() the next one reuses its memory', () => {
  const got: Buffer[] = []
  const r = new FrameReceiver((f) => got.push(f))
  const a = randomBytes(500_000)
  feed(r, framed([a]), () => 65_536)
  assert.ok(got[0]!.equals(a))
  r.recycle()
  const b = randomBytes(400_000)
  feed(r, framed([b]), () => 65_536)
  assert.ok(got[1]!.equals(b))
  assert.equal(got[1]!.buffer, got[0]!.buffer, 'the recycled memory took the second frame')
  // Without recycle() the memory is never handed out twice.
  const c = randomBytes(400_000)
  feed(r, framed([c]), () => 65_536)
  assert.notEqual(got[2]!.buffer, got[1]!.buffer)
  assert.ok(got[1]!.equals(b), 'the unrecycled frame is untouched')
})

test('a negative or oversized frame size throws (the channel closes)', () => {
  const r = new FrameReceiver(() => {}, 1000)
  const bad = Buffer.alloc(8)
  bad.writeInt32BE(5000)
  assert.throws(() => feed(r, bad, () => 8), /invalid frame size 5000/)
})

test('a read into a large frame may run past its end: the next frames come out of the same read', () => {
  const got: Buffer[] = []
  const r = new FrameReceiver((f) => got.push(Buffer.from(f)))
  const big = randomBytes(300_000) // allocated as 512 KiB: room past its end
  const next = [randomBytes(10), randomBytes(70_000)]
  const stream = framed([big, ...next])
  // The first read takes the frame's start into the scratch buffer; the second is offered the
  // frame's rest and more, so one read can end the frame and carry what follows.
  let pos = 0
  let into = r.nextBuffer()
  stream.copy(into, 0, 0, 65_536)
  r.received(65_536, into)
  pos = 65_536
  into = r.nextBuffer()
  const rest = 4 + big.length - pos
  assert.ok(into.length > rest, `offered ${into.length} bytes for a rest of ${rest}`)
  const n = Math.min(into.length, stream.length - pos)
  stream.copy(into, 0, pos, pos + n)
  r.received(n, into)
  pos += n
  feed(r, stream.subarray(pos), () => 65_536)
  assert.equal(got.length, 3)
  assert.ok(got[0]!.equals(big))
  assert.ok(got[1]!.equals(next[0]!))
  assert.ok(got[2]!.equals(next[1]!))
})
