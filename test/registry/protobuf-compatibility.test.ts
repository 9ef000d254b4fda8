// Protobuf compatibility matrix, each pair naming the Confluent Protobuf difference type it
// exercises (compatible: FIELD_ADDED/REMOVED, MESSAGE_ADDED, ENUM_CONST_ADDED, FIELD_NAME_CHANGED,
// ONEOF_FIELD_ADDED, ...; incompatible: PACKAGE_CHANGED, MESSAGE_REMOVED, FIELD_*_CHANGED,
// REQUIRED_FIELD_*, ONEOF_FIELD_REMOVED, MULTIPLE_FIELDS_MOVED_TO_ONEOF).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ProtobufSchema } from '../../src/registry/protobuf.ts'
import { checkCompatibility } from '../../src/registry/compatibility.ts'
import type { CompatibilityLevel } from '../../src/registry/compatibility.ts'
import { RegistryError } from '../../src/registry/errors.ts'

const proto = (body: string, pkg = 'shop') => `syntax = "proto3";\npackage ${pkg};\n${body}\n`
const parse = (s: string) => ProtobufSchema.parse(s, [])
const ok = (level: CompatibilityLevel, history: string[], next: string) => checkCompatibility(level, parse(next), history.map(parse)).length === 0

interface Pair { rule: string; old: string; next: string; backward: boolean; forward: boolean }
const M1 = proto('message Order { string id = 1; int32 qty = 2; }')
const PAIRS: Pair[] = [
  { rule: 'FIELD_ADDED / FIELD_REMOVED', old: M1, next: proto('message Order { string id = 1; int32 qty = 2; string note = 3; }'), backward: true, forward: true },
  { rule: 'FIELD_NAME_CHANGED (numbers, not names, are on the wire)', old: M1, next: proto('message Order { string id = 1; int32 quantity = 2; }'), backward: true, forward: true },
  { rule: 'MESSAGE_ADDED / MESSAGE_REMOVED', old: M1, next: proto('message Order { string id = 1; int32 qty = 2; } message Line { string sku = 1; }'), backward: true, forward: false },
  { rule: 'FIELD_SCALAR_KIND_CHANGED', old: M1, next: proto('message Order { string id = 1; int64 qty = 2; }'), backward: false, forward: false },
  { rule: 'FIELD_KIND_CHANGED (scalar to message)', old: M1, next: proto('message Order { string id = 1; Qty qty = 2; } message Qty { int32 n = 1; }'), backward: false, forward: false },
  { rule: 'FIELD_NAMED_TYPE_CHANGED', old: proto('message A { B b = 1; } message B { int32 x = 1; } message C { int32 x = 1; }'), next: proto('message A { C b = 1; } message B { int32 x = 1; } message C { int32 x = 1; }'), backward: false, forward: false },
  { rule: 'FIELD_NUMERIC_LABEL_CHANGED', old: M1, next: proto('message Order { string id = 1; repeated int32 qty = 2; }'), backward: false, forward: false },
  { rule: 'FIELD_STRING_OR_BYTES_LABEL_CHANGED is compatible', old: M1, next: proto('message Order { repeated string id = 1; int32 qty = 2; }'), backward: true, forward: true },
  { rule: 'PACKAGE_CHANGED', old: M1, next: proto('message Order { string id = 1; int32 qty = 2; }', 'store'), backward: false, forward: false },
  { rule: 'ENUM_CONST_ADDED / ENUM_CONST_REMOVED', old: proto('enum S { A = 0; B = 1; } message M { S s = 1; }'), next: proto('enum S { A = 0; B = 1; C = 2; } message M { S s = 1; }'), backward: true, forward: true },
  { rule: 'ONEOF_FIELD_ADDED / ONEOF_FIELD_REMOVED', old: proto('message M { oneof v { string s = 1; } }'), next: proto('message M { oneof v { string s = 1; int32 i = 2; } }'), backward: true, forward: false },
  { rule: 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL / one field moved into a new oneof', old: proto('message M { oneof v { string s = 1; } }'), next: proto('message M { string s = 1; }'), backward: true, forward: true },
  { rule: 'MULTIPLE_FIELDS_MOVED_TO_ONEOF', old: proto('message M { string s = 1; int32 i = 2; }'), next: proto('message M { oneof v { string s = 1; int32 i = 2; } }'), backward: false, forward: true },
  { rule: 'REQUIRED_FIELD_ADDED / REQUIRED_FIELD_REMOVED (proto2)', old: 'syntax = "proto2"; package p; message M { optional string a = 1; }', next: 'syntax = "proto2"; package p; message M { optional string a = 1; required int32 b = 2; }', backward: false, forward: false },
]

for (const p of PAIRS) {
  test(`protobuf pair: ${p.rule}`, () => {
    assert.equal(ok('BACKWARD', [p.old], p.next), p.backward, 'BACKWARD')
    assert.equal(ok('FORWARD', [p.old], p.next), p.forward, 'FORWARD')
    assert.equal(ok('FULL', [p.old], p.next), p.backward && p.forward, 'FULL')
    assert.equal(ok('NONE', [p.old], p.next), true, 'NONE')
  })
}

test('protobuf: transitive levels check every version', () => {
  const v1 = proto('message Order { string id = 1; }')
  const v2 = proto('message Order { string id = 1; } message Extra { int32 x = 1; }')
  const v3 = proto('message Order { bytes id = 1; } message Extra { int32 x = 1; }')
  const v4 = proto('message Order { string id = 1; } message Extra { int32 x = 1; } message More { int32 y = 1; }')
  // Plain BACKWARD looks at the latest version only.
  assert.ok(!ok('BACKWARD', [v1, v2, v3], v4), 'v4 changes id back from bytes: incompatible with v3')
  assert.ok(ok('BACKWARD', [v1, v2], v4))
  // v5 drops Extra (MESSAGE_REMOVED against v2) but is what v1 was: transitive sees v2.
  const v5 = proto('message Order { string id = 1; }')
  assert.ok(ok('BACKWARD', [v2, v1], v5), 'latest is v1')
  assert.ok(!ok('BACKWARD_TRANSITIVE', [v2, v1], v5), 'v2 had Extra')
})

test('protobuf: canonical text ignores comments and spacing; references and well-known types resolve; bad .proto is 42201', () => {
  const a = parse('syntax = "proto3";\n// an order\npackage shop;\nmessage Order {\n  string id = 1; /* key */\n}\n')
  const b = parse('syntax="proto3"; package shop; message Order { string id=1; }')
  assert.equal(a.canonical, b.canonical)
  assert.doesNotThrow(() => ProtobufSchema.parse('syntax = "proto3"; package p; import "google/protobuf/timestamp.proto"; message M { google.protobuf.Timestamp at = 1; }', []))
  const ref = { name: 'money.proto', schemaType: 'PROTOBUF' as const, schema: 'syntax = "proto3"; package money; message Amount { int64 cents = 1; }' }
  assert.doesNotThrow(() => ProtobufSchema.parse('syntax = "proto3"; package p; import "money.proto"; message M { money.Amount a = 1; }', [ref]))
  for (const bad of ['message {', 'syntax = "proto3"; message M { Missing m = 1; }', 'syntax = "proto3";']) {
    assert.throws(() => parse(bad), (err: unknown) => err instanceof RegistryError && err.errorCode === 42201, bad)
  }
})
