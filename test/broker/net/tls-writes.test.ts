import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { WRITE_ALONE_BYTES, writeMerged } from '../../../src/broker/net/tls-writes.ts'

/** Records each write: the buffer as given and whether it carried a callback. */
function fakeSocket(): { socket: Socket; writes: { buf: Buffer; cb?: () => void }[] } {
  const writes: { buf: Buffer; cb?: () => void }[] = []
  const socket = { write: (buf: Buffer, cb?: () => void) => { writes.push({ buf, cb }); return true } } as unknown as Socket
  return { socket, writes }
}

const small = (n: number, fill: number) => Buffer.alloc(n, fill)

test('large buffers are written as they are; runs of small ones are merged, in order', () => {
  const big1 = Buffer.alloc(WRITE_ALONE_BYTES, 1)
  const big2 = Buffer.alloc(WRITE_ALONE_BYTES * 3, 2)
  const { socket, writes } = fakeSocket()
  const bufs = [small(10, 3), small(20, 4), big1, small(5, 5), big2, small(7, 6)]
  writeMerged(socket, [{ bufs }])
  assert.equal(writes.length, 5)
  assert.equal(writes[1]!.buf, big1, 'not copied')
  assert.equal(writes[3]!.buf, big2, 'not copied')
  assert.deepEqual(Buffer.concat(writes.map((w) => w.buf)), Buffer.concat(bufs))
  assert.equal(writes[0]!.buf.length, 30)
})

test('small responses answered together become one write; each callback rides on its last byte', () => {
  const { socket, writes } = fakeSocket()
  const called: string[] = []
  const big = Buffer.alloc(WRITE_ALONE_BYTES, 9)
  writeMerged(socket, [
    { bufs: [small(10, 1), small(10, 2)], onWritten: () => called.push('a') },
    { bufs: [small(10, 3)], onWritten: () => called.push('b') },
    { bufs: [small(4, 4), big], onWritten: () => called.push('c') },
    { bufs: [small(3, 5)] },
  ])
  assert.equal(writes.length, 3)
  assert.equal(writes[0]!.buf.length, 34)
  assert.equal(writes[1]!.buf, big)
  assert.equal(writes[2]!.buf.length, 3)
  writes[0]!.cb!()
  assert.deepEqual(called, ['a', 'b'])
  writes[1]!.cb!()
  assert.deepEqual(called, ['a', 'b', 'c'])
  assert.equal(writes[2]!.cb, undefined)
})

test('a run that reaches the threshold is written at once and carries the callbacks it completes', () => {
  const { socket, writes } = fakeSocket()
  const called: string[] = []
  const half = WRITE_ALONE_BYTES / 2
  writeMerged(socket, [
    { bufs: [small(half, 1)], onWritten: () => called.push('a') },
    { bufs: [small(half, 2)], onWritten: () => called.push('b') },
    { bufs: [small(1, 3)], onWritten: () => called.push('c') },
  ])
  assert.equal(writes.length, 2)
  assert.equal(writes[0]!.buf.length, WRITE_ALONE_BYTES)
  writes[0]!.cb!()
  assert.deepEqual(called, ['a', 'b'])
  writes[1]!.cb!()
  assert.deepEqual(called, ['a', 'b', 'c'])
})
