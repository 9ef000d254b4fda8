// JSON Schema compatibility matrix. The question is always "does the reader accept every document
// the writer accepts?" (BACKWARD: the new schema reads old data; FORWARD: the old reads new data;
// FULL: both). Each pair names the Confluent JSON Schema difference type it exercises.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { JsonSchema } from '../../src/registry/json-schema.ts'
import { checkCompatibility } from '../../src/registry/compatibility.ts'
import type { CompatibilityLevel } from '../../src/registry/compatibility.ts'
import { RegistryError } from '../../src/registry/errors.ts'

const obj = (properties: object, extra: object = {}) => JSON.stringify({ type: 'object', properties, ...extra })
const closed = (properties: object, extra: object = {}) => obj(properties, { additionalProperties: false, ...extra })
const parse = (s: string) => JsonSchema.parse(s, [])
const ok = (level: CompatibilityLevel, history: string[], next: string) => checkCompatibility(level, parse(next), history.map(parse)).length === 0

interface Pair { rule: string; old: string; next: string; backward: boolean; forward: boolean }
const S = { type: 'string' }
const PAIRS: Pair[] = [
  { rule: 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: old data may carry the new name with any value', old: obj({ a: S }), next: obj({ a: S, b: { type: 'integer' } }), backward: false, forward: true },
  { rule: 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', old: closed({ a: S }), next: closed({ a: S, b: { type: 'integer' } }), backward: true, forward: false },
  { rule: 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', old: closed({ a: S, b: S }), next: closed({ a: S }), backward: false, forward: true },
  { rule: 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL', old: obj({ a: S, b: S }), next: obj({ a: S }), backward: true, forward: false },
  { rule: 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', old: closed({ a: S, b: S }), next: closed({ a: S, b: S }, { required: ['b'] }), backward: false, forward: true },
  { rule: 'TYPE_NARROWED / TYPE_EXTENDED', old: obj({ n: { type: 'integer' } }), next: obj({ n: { type: 'number' } }), backward: true, forward: false },
  { rule: 'TYPE_CHANGED', old: obj({ n: S }), next: obj({ n: { type: 'integer' } }), backward: false, forward: false },
  { rule: 'MAX_LENGTH_INCREASED / MAX_LENGTH_DECREASED', old: obj({ s: { type: 'string', maxLength: 5 } }), next: obj({ s: { type: 'string', maxLength: 10 } }), backward: true, forward: false },
  { rule: 'MINIMUM_DECREASED / MINIMUM_INCREASED', old: obj({ n: { type: 'integer', minimum: 5 } }), next: obj({ n: { type: 'integer', minimum: 0 } }), backward: true, forward: false },
  { rule: 'ENUM_ARRAY_EXTENDED / ENUM_ARRAY_NARROWED', old: obj({ e: { enum: ['a', 'b'] } }), next: obj({ e: { enum: ['a', 'b', 'c'] } }), backward: true, forward: false },
  { rule: 'COMBINED_TYPE_EXTENDED (oneOf gains a branch)', old: obj({ v: { oneOf: [S, { type: 'integer' }] } }), next: obj({ v: { oneOf: [S, { type: 'integer' }, { type: 'boolean' }] } }), backward: true, forward: false },
  { rule: 'ADDITIONAL_PROPERTIES_ADDED (an open model closed)', old: obj({ a: S }), next: closed({ a: S }), backward: false, forward: true },
  { rule: 'ITEMS narrowed inside an array', old: JSON.stringify({ type: 'array', items: { type: 'number' } }), next: JSON.stringify({ type: 'array', items: { type: 'integer' } }), backward: false, forward: true },
  { rule: 'PATTERN_CHANGED (cannot be proven either way)', old: obj({ s: { type: 'string', pattern: '^a' } }), next: obj({ s: { type: 'string', pattern: '^b' } }), backward: false, forward: false },
  { rule: 'a $ref into definitions is followed', old: JSON.stringify({ definitions: { N: { type: 'integer' } }, type: 'object', properties: { n: { $ref: '#/definitions/N' } } }), next: obj({ n: { type: 'number' } }), backward: true, forward: false },
  { rule: 'description and title changes are not compatibility changes', old: obj({ a: { type: 'string', description: 'x' } }), next: obj({ a: { type: 'string', title: 'A', description: 'y' } }), backward: true, forward: true },
]

for (const p of PAIRS) {
  test(`json schema pair: ${p.rule}`, () => {
    assert.equal(ok('BACKWARD', [p.old], p.next), p.backward, 'BACKWARD')
    assert.equal(ok('FORWARD', [p.old], p.next), p.forward, 'FORWARD')
    assert.equal(ok('FULL', [p.old], p.next), p.backward && p.forward, 'FULL')
    assert.equal(ok('NONE', [p.old], p.next), true, 'NONE')
  })
}

test('json schema: transitive levels see past the latest version', () => {
  const v1 = obj({ n: { type: 'number', minimum: -10 } })
  const v2 = obj({ n: { type: 'number', minimum: 0 } })
  const v3 = obj({ n: { type: 'number', minimum: -5 } })
  assert.ok(ok('BACKWARD', [v1, v2], v3), 'v3 (>= -5) reads v2 (>= 0)')
  assert.ok(!ok('BACKWARD_TRANSITIVE', [v1, v2], v3), 'v3 (>= -5) cannot read v1 (>= -10)')
})

test('json schema: canonical text ignores key order; drafts 4 to 2020-12 validate; invalid schemas are 42201', () => {
  assert.equal(parse('{"type":"object","properties":{"b":{"type":"string"},"a":{}}}').canonical, parse('{"properties":{"a":{},"b":{"type":"string"}},"type":"object"}').canonical)
  for (const draft of ['http://json-schema.org/draft-04/schema#', 'http://json-schema.org/draft-06/schema#', 'http://json-schema.org/draft-07/schema#', 'https://json-schema.org/draft/2019-09/schema', 'https://json-schema.org/draft/2020-12/schema']) {
    assert.doesNotThrow(() => parse(JSON.stringify({ $schema: draft, type: 'object', properties: { a: { type: 'string' } } })), draft)
  }
  for (const bad of ['{"type":"nope"}', '{"properties":5}', '[1]', '{']) {
    assert.throws(() => parse(bad), (err: unknown) => err instanceof RegistryError && err.errorCode === 42201, bad)
  }
})
