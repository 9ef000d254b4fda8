// For every schema and version: a non-default value in a root field that does not exist at
// that version is an encode error unless the field is `ignorable`, in which case it is
// dropped and decodes back to the default.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ProtocolEncodeError, Reader, Writer } from '../../../src/protocol/primitives/index.ts'
import { SCHEMAS, defaultValue, inRange, loadCodec, type FieldSchema } from './schema-arbitraries.ts'

/** A value different from the field's default, or undefined for types this test skips. */
function nonDefault(f: FieldSchema, def: unknown): unknown {
  switch (f.type) {
    case 'bool':
      return !def
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint16':
    case 'uint32':
    case 'float64':
      return (def as number) === 1 ? 2 : 1
    case 'int64':
      return (def as bigint) === 1n ? 2n : 1n
    case 'string':
      return def === 'x' ? 'y' : 'x'
    case 'uuid':
      return 'AQIDBAUGBwgJCgsMDQ4PEA'
    default:
      return undefined
  }
}

test('absent fields: non-ignorable non-default values are refused, ignorable ones dropped', async () => {
  let refused = 0
  let dropped = 0
  for (const m of SCHEMAS) {
    const codec = await loadCodec(m)
    const [lo, hi] = m.versions
    for (let version = lo; version <= hi; version++) {
      for (const f of m.structs[m.name]!) {
        if (inRange(f.versions, version)) continue
        const def = defaultValue(f, codec)
        const other = nonDefault(f, def)
        if (other === undefined) continue
        const value = { ...(codec.defaults(m.name) as Record<string, unknown>), [f.prop]: other }
        const w = new Writer()
        const what = `${m.name} v${version} ${f.prop}`
        if (f.ignorable) {
          codec.encode(w, value, version)
          const decoded = codec.decode(new Reader(w.finish()), version) as Record<string, unknown>
          assert.deepStrictEqual(decoded[f.prop], def, what)
          dropped++
        } else {
          assert.throws(() => codec.encode(w, value, version), (e) => e instanceof ProtocolEncodeError && e.reason === 'unsupported-field', what)
          refused++
        }
      }
    }
  }
  // Both branches must have been exercised (the schemas have plenty of each).
  assert.ok(refused > 100, `refused ${refused}`)
  assert.ok(dropped > 50, `dropped ${dropped}`)
})
