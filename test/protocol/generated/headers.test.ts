// Request/response headers: exact bytes, including ClientId staying a classic (int16-length)
// nullable string in the flexible v2 header.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Reader, Writer } from '../../../src/protocol/primitives/index.ts'
import { decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader } from '../../../src/protocol/generated/headers.ts'

function hex(fn: (w: Writer) => void): string {
  const w = new Writer()
  fn(w)
  return w.finish().toString('hex')
}

test('request header v0, v1 and v2 bytes', () => {
  const h = { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'ab' }
  assert.equal(hex((w) => encodeRequestHeader(w, { ...h, clientId: null }, 0)), '0012' + '0003' + '00000007')
  assert.equal(hex((w) => encodeRequestHeader(w, h, 1)), '0012000300000007' + '00026162')
  assert.equal(hex((w) => encodeRequestHeader(w, h, 2)), '0012000300000007' + '00026162' + '00')
  assert.equal(hex((w) => encodeRequestHeader(w, { ...h, clientId: null }, 2)), '0012000300000007' + 'ffff' + '00')
  const decoded = decodeRequestHeader(new Reader(Buffer.from('0012000300000007000261620105020a0b', 'hex')), 2)
  assert.equal(decoded.clientId, 'ab')
  assert.deepEqual(decoded.unknownTaggedFields, [{ tag: 5, data: Buffer.from('0a0b', 'hex') }])
})

test('response header v0 and v1 bytes', () => {
  assert.equal(hex((w) => encodeResponseHeader(w, { correlationId: 9 }, 0)), '00000009')
  assert.equal(hex((w) => encodeResponseHeader(w, { correlationId: 9 }, 1)), '0000000900')
  assert.equal(decodeResponseHeader(new Reader(Buffer.from('0000000900', 'hex')), 1).correlationId, 9)
})
