// Shared body of the round-trip property tests: for one schema at every generated version,
// decode(encode(x)) deep-equals x, encode(decode(bytes)) reproduces the bytes, the size
// function is exact and the zero-copy chunked output equals the single-buffer output.
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ProtocolEncodeError, Reader, Writer } from '../../../src/protocol/primitives/index.ts'
import { loadCodec, structArb, type MessageSchema } from './schema-arbitraries.ts'

export async function checkRoundTrips(m: MessageSchema, numRuns: number): Promise<void> {
  const codec = await loadCodec(m)
  const [lo, hi] = m.versions
  for (let version = lo; version <= hi; version++) {
    // The all-defaults value (empty arrays, empty or null strings) round-trips too, unless a
    // default of null is not allowed at this version (e.g. non-nullable records).
    const empty = codec.defaults(m.name)
    const w0 = new Writer()
    let encodable = true
    try {
      codec.encode(w0, empty, version)
    } catch (e) {
      if (!(e instanceof ProtocolEncodeError && e.reason === 'null-not-allowed')) throw e
      encodable = false
    }
    if (encodable) assert.deepStrictEqual(codec.decode(new Reader(w0.finish()), version), empty)
    fc.assert(
      fc.property(structArb(m, codec, m.name, version), (value) => {
        const w = new Writer(16)
        codec.encode(w, value, version)
        const bytes = w.finish()
        assert.equal(bytes.length, codec.size(value, version, Infinity), 'size function is exact')

        const r = new Reader(bytes)
        const decoded = codec.decode(r, version)
        assert.equal(r.remaining, 0, 'decode consumes every byte')
        assert.deepStrictEqual(decoded, value)

        const again = new Writer(16)
        codec.encode(again, decoded, version)
        assert.deepStrictEqual(again.finish(), bytes, 're-encoding reproduces the bytes')

        const chunked = new Writer(16, 8)
        codec.encode(chunked, value, version)
        assert.deepStrictEqual(Buffer.concat(chunked.finishChunks()), bytes, 'zero-copy chunks hold the same bytes')
      }),
      { numRuns, seed: (version + 1) * 7919 + m.name.length, endOnFailure: true },
    )
  }
}
