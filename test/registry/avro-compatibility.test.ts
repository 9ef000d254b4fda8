// Avro compatibility matrix: for each level, schema pairs that must pass and must fail, each
// citing the Avro schema-resolution rule (the spec's "Schema Resolution" section, which Confluent's
// AvroCompatibilityChecker applies) that decides it. BACKWARD = the new schema reads old data,
// FORWARD = the old schema reads new data, FULL = both; _TRANSITIVE = against every version.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AvroSchema } from '../../src/registry/avro.ts'
import { checkCompatibility, LEVELS } from '../../src/registry/compatibility.ts'
import type { CompatibilityLevel } from '../../src/registry/compatibility.ts'
import { RegistryError } from '../../src/registry/errors.ts'

const rec = (fields: object[], name = 'R', extra: object = {}) => JSON.stringify({ type: 'record', name, fields, ...extra })
const parse = (s: string) => AvroSchema.parse(s, [])
const ok = (level: CompatibilityLevel, history: string[], next: string) =>
  checkCompatibility(level, parse(next), history.map(parse)).length === 0

interface Pair {
  rule: string
  old: string
  next: string
  /** Whether the new schema reads old data (BACKWARD) and the old reads new data (FORWARD). */
  backward: boolean
  forward: boolean
}

const A = { name: 'a', type: 'string' }
const PAIRS: Pair[] = [
  { rule: 'a reader field missing from the writer takes its default', old: rec([A]), next: rec([A, { name: 'b', type: 'int', default: 0 }]), backward: true, forward: true },
  { rule: 'a reader field missing from the writer without a default is an error', old: rec([A]), next: rec([A, { name: 'b', type: 'int' }]), backward: false, forward: true },
  { rule: 'a writer field the reader lacks is ignored; the old reader uses its default', old: rec([A, { name: 'b', type: 'int', default: 1 }]), next: rec([A]), backward: true, forward: true },
  { rule: 'removing a field without a default: old readers have no value for it', old: rec([A, { name: 'b', type: 'int' }]), next: rec([A]), backward: true, forward: false },
  { rule: 'promotion: int is promoted to long, never the reverse', old: rec([{ name: 'n', type: 'int' }]), next: rec([{ name: 'n', type: 'long' }]), backward: true, forward: false },
  { rule: 'promotion: string and bytes read each other', old: rec([{ name: 'n', type: 'string' }]), next: rec([{ name: 'n', type: 'bytes' }]), backward: true, forward: true },
  { rule: 'types that do not match and do not promote', old: rec([{ name: 'n', type: 'string' }]), next: rec([{ name: 'n', type: 'int' }]), backward: false, forward: false },
  { rule: 'enum: a writer symbol the reader lacks is an error', old: rec([{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } }]), next: rec([{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B', 'C'] } }]), backward: true, forward: false },
  { rule: 'enum: a writer symbol the reader lacks reads as the reader\'s default symbol (Avro 1.9+)', old: rec([{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'], default: 'A' } }]), next: rec([{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B', 'C'], default: 'A' } }]), backward: true, forward: true },
  { rule: 'union: every writer branch must resolve to a reader branch', old: rec([{ name: 'u', type: ['null', 'string'] }]), next: rec([{ name: 'u', type: ['null', 'string', 'int'] }]), backward: true, forward: false },
  { rule: 'union reader, non-union writer: the writer type must match a branch', old: rec([{ name: 'u', type: 'string' }]), next: rec([{ name: 'u', type: ['null', 'string'] }]), backward: true, forward: false },
  { rule: 'named types must have the same (full) name', old: rec([A], 'R'), next: rec([A], 'S'), backward: false, forward: false },
  { rule: 'a reader alias matches the writer\'s old name', old: rec([A], 'R'), next: rec([A], 'S', { aliases: ['R'] }), backward: true, forward: false },
  { rule: 'arrays resolve item by item', old: JSON.stringify({ type: 'array', items: 'int' }), next: JSON.stringify({ type: 'array', items: 'long' }), backward: true, forward: false },
  { rule: 'maps resolve value by value', old: JSON.stringify({ type: 'map', values: 'float' }), next: JSON.stringify({ type: 'map', values: 'double' }), backward: true, forward: false },
  { rule: 'fixed: sizes must match', old: JSON.stringify({ type: 'fixed', name: 'F', size: 4 }), next: JSON.stringify({ type: 'fixed', name: 'F', size: 8 }), backward: false, forward: false },
]

for (const p of PAIRS) {
  test(`avro pair: ${p.rule}`, () => {
    assert.equal(ok('BACKWARD', [p.old], p.next), p.backward, 'BACKWARD')
    assert.equal(ok('FORWARD', [p.old], p.next), p.forward, 'FORWARD')
    assert.equal(ok('FULL', [p.old], p.next), p.backward && p.forward, 'FULL')
    assert.equal(ok('NONE', [p.old], p.next), true, 'NONE accepts anything')
    // With one earlier version the transitive levels agree with the plain ones.
    assert.equal(ok('BACKWARD_TRANSITIVE', [p.old], p.next), p.backward)
    assert.equal(ok('FORWARD_TRANSITIVE', [p.old], p.next), p.forward)
    assert.equal(ok('FULL_TRANSITIVE', [p.old], p.next), p.backward && p.forward)
  })
}

test('transitive levels check every earlier version, plain ones only the latest', () => {
  // BACKWARD: v2 drops `a`; v3 brings it back as a string with a default. v3 reads v2's data
  // (default) but not v1's (an int is not a string).
  const b1 = rec([{ name: 'a', type: 'int' }])
  const b2 = rec([])
  const b3 = rec([{ name: 'a', type: 'string', default: 'x' }])
  assert.ok(ok('BACKWARD', [b1, b2], b3))
  assert.ok(!ok('BACKWARD_TRANSITIVE', [b1, b2], b3))
  // FORWARD: v1 needs `a` (no default), v2 gives it a default, v3 drops it. v2 reads v3's data,
  // v1 cannot. The same history is FULL but not FULL_TRANSITIVE.
  const f1 = rec([{ name: 'a', type: 'int' }])
  const f2 = rec([{ name: 'a', type: 'int', default: 0 }])
  const f3 = rec([])
  assert.ok(ok('FORWARD', [f1, f2], f3))
  assert.ok(!ok('FORWARD_TRANSITIVE', [f1, f2], f3))
  assert.ok(ok('FULL', [f1, f2], f3))
  assert.ok(!ok('FULL_TRANSITIVE', [f1, f2], f3))
  assert.equal(LEVELS.length, 7)
})

test('canonical text: spelling does not change identity, content does', () => {
  const a = parse('{ "type": "record", "name": "R", "fields": [ { "type": {"type": "int"}, "name": "n" } ] }')
  const b = parse('{"fields":[{"name":"n","type":"int"}],"name":"R","type":"record"}')
  assert.equal(a.canonical, b.canonical)
  assert.equal(a.canonical, '{"type":"record","name":"R","fields":[{"name":"n","type":"int"}]}')
  const withDoc = parse('{"type":"record","name":"R","doc":"d","fields":[{"name":"n","type":"int"}]}')
  assert.notEqual(withDoc.canonical, a.canonical)
  assert.equal(parse('"string"').canonical, '"string"')
  assert.equal(parse('string').canonical, '"string"')
})

test('invalid Avro is 42201 with the reason', () => {
  for (const bad of ['{"type":"record","name":"R"}', '{"type":"nope"}', '{', rec([{ name: 'n', type: 'int', default: 'x' }])]) {
    assert.throws(() => parse(bad), (err: unknown) => err instanceof RegistryError && err.errorCode === 42201 && err.status === 422, bad)
  }
})
