// The registry state machine, fed `_schemas` records directly: Confluent's key and value format,
// soft and permanent deletes, configs and modes, and the log-order rule that settles races
// between brokers (the first record to bind an id or a version wins, everywhere, every replay).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RegistryState } from '../../src/registry/state.ts'
import { decodeKey, encodeKey, encodeSchemaValue } from '../../src/registry/records.ts'
import type { SchemaValue } from '../../src/registry/records.ts'

const b = (o: unknown) => Buffer.from(JSON.stringify(o))
const AVRO_A = '{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}'
const AVRO_B = '{"type":"record","name":"B","fields":[{"name":"y","type":"string"}]}'
const schemaKey = (subject: string, version: number) => b({ keytype: 'SCHEMA', subject, version, magic: 1 })
const schemaValue = (subject: string, version: number, id: number, schema: string, deleted = false) =>
  b({ subject, version, id, schema, deleted })

test('keys serialize exactly as Confluent writes them (compaction compares key bytes)', () => {
  assert.equal(encodeKey({ keytype: 'SCHEMA', subject: 's', version: 3 }).toString(), '{"keytype":"SCHEMA","subject":"s","version":3,"magic":1}')
  assert.equal(encodeKey({ keytype: 'CONFIG', subject: null }).toString(), '{"keytype":"CONFIG","subject":null,"magic":0}')
  assert.equal(encodeKey({ keytype: 'MODE', subject: 's' }).toString(), '{"keytype":"MODE","subject":"s","magic":0}')
  assert.equal(encodeKey({ keytype: 'DELETE_SUBJECT', subject: 's' }).toString(), '{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}')
  assert.equal(encodeKey({ keytype: 'NOOP' }).toString(), '{"keytype":"NOOP","magic":0}')
  // Key property order does not matter when reading (Confluent's reader is a JSON mapper too).
  assert.deepEqual(decodeKey(b({ magic: 1, version: 2, subject: 's', keytype: 'SCHEMA' })), { keytype: 'SCHEMA', subject: 's', version: 2 })
  assert.equal(decodeKey(b({ keytype: 'ASSOC', subject: 's', magic: 0 })), null) // newer key types are skipped
  assert.equal(decodeKey(Buffer.from('not json')), null)
  const v: SchemaValue = { subject: 's', version: 1, id: 7, schemaType: 'PROTOBUF', references: [{ name: 'x.proto', subject: 'x', version: 1 }], schema: 'syntax = "proto3";', deleted: false }
  assert.equal(encodeSchemaValue(v).toString(),
    '{"subject":"s","version":1,"id":7,"schemaType":"PROTOBUF","references":[{"name":"x.proto","subject":"x","version":1}],"schema":"syntax = \\"proto3\\";","deleted":false}')
  assert.equal(encodeSchemaValue({ ...v, schemaType: 'AVRO', references: [] }).toString(),
    '{"subject":"s","version":1,"id":7,"schema":"syntax = \\"proto3\\";","deleted":false}')
})

test('replay of a Confluent-written topic: versions, ids shared across subjects, configs, modes, soft and permanent deletes', () => {
  const s = new RegistryState()
  const log: [Buffer, Buffer | null][] = [
    [b({ keytype: 'CONFIG', subject: null, magic: 0 }), b({ compatibilityLevel: 'FULL' })],
    [schemaKey('a-value', 1), schemaValue('a-value', 1, 1, AVRO_A)],
    [schemaKey('b-value', 1), schemaValue('b-value', 1, 2, AVRO_B)],
    [schemaKey('c-value', 1), schemaValue('c-value', 1, 1, AVRO_A)], // same schema, same id
    [b({ keytype: 'NOOP', magic: 0 }), null],
    [b({ keytype: 'MODE', subject: 'b-value', magic: 0 }), b({ subject: 'b-value', mode: 'READONLY' })],
    [b({ keytype: 'CONFIG', subject: 'a-value', magic: 0 }), b({ compatibilityLevel: 'NONE' })],
    [b({ keytype: 'CONFIG', subject: 'a-value', magic: 0 }), null], // config removed
    [b({ keytype: 'DELETE_SUBJECT', subject: 'c-value', magic: 0 }), b({ subject: 'c-value', version: 1 })],
    [schemaKey('b-value', 1), schemaValue('b-value', 1, 2, AVRO_B, true)], // soft-deleted version
    [schemaKey('b-value', 1), null], // then permanently
  ]
  for (const [k, v] of log) s.applyRecord(k, v)
  assert.deepEqual(s.subjectNames(), ['a-value'])
  assert.deepEqual(s.subjectNames(true), ['a-value', 'c-value'])
  assert.equal(s.configs.get(null)?.compatibilityLevel, 'FULL')
  assert.equal(s.configs.has('a-value'), false)
  assert.equal(s.modes.get('b-value'), 'READONLY')
  assert.deepEqual(s.usesOf(1).map((v) => v.subject), ['a-value'])
  assert.deepEqual(s.usesOf(1, true).map((v) => v.subject), ['a-value', 'c-value'])
  assert.equal(s.schemaById(2), undefined, 'the id of a permanently deleted schema is gone')
  assert.equal(s.maxId, 2, 'but never handed out again')
  // CLEAR_SUBJECT drops what soft-deleted versions remain.
  s.applyRecord(b({ keytype: 'CLEAR_SUBJECT', subject: 'c-value', magic: 0 }), b({ subject: 'c-value' }))
  assert.deepEqual(s.subjectNames(true), ['a-value'])
})

test('races settle by log order: a second binding of an id or of a live version is a conflict, on every replay', () => {
  const records: [Buffer, Buffer][] = [
    [schemaKey('s', 1), schemaValue('s', 1, 1, AVRO_A)],
    [schemaKey('t', 1), schemaValue('t', 1, 1, AVRO_B)], // another broker picked id 1 for another schema
    [schemaKey('s', 1), schemaValue('s', 1, 2, AVRO_B)], // another broker picked version 1 of s
  ]
  for (let run = 0; run < 2; run++) {
    const s = new RegistryState()
    assert.deepEqual(records.map(([k, v]) => s.applyRecord(k, v)), ['applied', 'conflict', 'conflict'])
    assert.equal(s.version('s', 1)?.schema, AVRO_A)
    assert.equal(s.version('t', 1), undefined)
  }
  // A soft delete rewrites a version with its own id: not a conflict.
  const s = new RegistryState()
  s.applyRecord(...records[0]!)
  assert.equal(s.applyRecord(schemaKey('s', 1), schemaValue('s', 1, 1, AVRO_A, true)), 'applied')
  assert.equal(s.version('s', 1)?.deleted, true)
})

test('malformed records are skipped, never thrown', () => {
  const s = new RegistryState()
  assert.equal(s.applyRecord(null, null), 'ignored')
  assert.equal(s.applyRecord(schemaKey('s', 1), Buffer.from('{')), 'ignored')
  assert.equal(s.applyRecord(schemaKey('s', 1), b({ subject: 's', version: 1 })), 'ignored') // no id, no schema
  assert.equal(s.applyRecord(schemaKey('s', 1), b({ id: 1, schema: 'x', schemaType: 'XML' })), 'ignored')
  assert.deepEqual(s.subjectNames(true), [])
})
