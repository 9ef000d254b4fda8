// samsa/registry serializers against @kafkajs/confluent-schema-registry on the same registry:
// bytes either one writes, the other reads (Avro, JSON Schema; Protobuf from us to them: theirs
// lacks message indexes),
// subject name strategies, schema evolution on read, and refusals (bad values, foreign bytes).
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { startBroker } from '../../src/broker/index.ts'
import type { Broker } from '../../src/broker/index.ts'
import {
  startSchemaRegistry, RegistryClient, AvroSerializer, AvroDeserializer, JsonSchemaSerializer, JsonSchemaDeserializer,
  ProtobufSerializer, ProtobufDeserializer, RecordNameStrategy, TopicRecordNameStrategy, WireFormatError, JsonValidationError,
} from '../../src/registry/index.ts'
import type { RunningSchemaRegistry } from '../../src/registry/index.ts'
import { decodeIndexes, encodeIndexes } from '../../src/registry/serde/wire.ts'

let broker: Broker
let registry: RunningSchemaRegistry
let client: RegistryClient
let kjs: SchemaRegistry
before(async () => {
  broker = await startBroker()
  registry = await startSchemaRegistry({ client: { bootstrapServers: broker.bootstrap }, listeners: ['http://127.0.0.1:0'] })
  client = new RegistryClient({ url: registry.url! })
  kjs = new SchemaRegistry({ host: registry.url!, retry: { retries: 0 } })
})
after(async () => {
  await registry?.close()
  await broker?.close()
})

const USER = { type: 'record', name: 'User', namespace: 'app', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }] }

test('Avro: samsa bytes decode with KafkaJS\'s library and back; reader schemas resolve; strategies name subjects', { timeout: 20_000 }, async () => {
  const ser = new AvroSerializer<{ name: string; age: number }>(client, { schema: USER })
  const bytes = await ser.serialize('users', { name: 'Ada', age: 36 })
  assert.deepEqual({ ...await kjs.decode(bytes) as object }, { name: 'Ada', age: 36 })
  const id = await kjs.getLatestSchemaId('users-value')
  const theirs = await kjs.encode(id, { name: 'Bob', age: 7 })
  const de = new AvroDeserializer<{ name: string; age: number }>(client)
  assert.deepEqual({ ...await de.deserialize(theirs) }, { name: 'Bob', age: 7 })
  // A reader schema with a new defaulted field reads old bytes.
  const evolved = { ...USER, fields: [...USER.fields, { name: 'email', type: ['null', 'string'], default: null }] }
  assert.deepEqual({ ...await new AvroDeserializer(client, { readerSchema: evolved }).deserialize(bytes) as object }, { name: 'Ada', age: 36, email: null })
  // Subject name strategies.
  await new AvroSerializer(client, { schema: USER, subjectNameStrategy: RecordNameStrategy }).serialize('users', { name: 'x', age: 1 })
  await new AvroSerializer(client, { schema: USER, subjectNameStrategy: TopicRecordNameStrategy }).serialize('users', { name: 'x', age: 1 }, true)
  const subjects = await (await fetch(`${registry.url}/subjects`)).json()
  assert.deepEqual(subjects, ['app.User', 'users-app.User', 'users-value'])
  await assert.rejects(new AvroSerializer(client, { schema: USER }).serialize('users', { name: 1 } as never), /invalid|name/i)
  await assert.rejects(de.deserialize(Buffer.from('plain text')), WireFormatError)
})

test('JSON Schema: validated on write, read by either library', { timeout: 20_000 }, async () => {
  const schema = { title: 'Item', type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } }, required: ['sku'] }
  const ser = new JsonSchemaSerializer(client, { schema })
  const bytes = await ser.serialize('items', { sku: 'a', qty: 2 })
  assert.deepEqual(await kjs.decode(bytes), { sku: 'a', qty: 2 })
  assert.deepEqual(await new JsonSchemaDeserializer().deserialize(bytes), { sku: 'a', qty: 2 })
  await assert.rejects(ser.serialize('items', { qty: 'many' }), JsonValidationError)
})

test('Protobuf: message index paths ([0] short form, nested and later messages) agree with KafkaJS\'s library', { timeout: 20_000 }, async () => {
  assert.deepEqual(encodeIndexes([0]), [0])
  assert.deepEqual(encodeIndexes([1]), [2, 2])
  assert.deepEqual(encodeIndexes([2, 0, 1]), [6, 4, 0, 2])
  assert.deepEqual(decodeIndexes(Buffer.from([6, 4, 0, 2, 0xff]), 0), { indexes: [2, 0, 1], offset: 4 })
  const proto = `syntax = "proto3";
package shop;
message Order { string id = 1; repeated Line lines = 2; message Line { string sku = 1; int32 qty = 2; } }
message Refund { string order = 1; int64 cents = 2; }
`
  const order = new ProtobufSerializer(client, { schema: proto, messageType: 'shop.Order' })
  const bytes = await order.serialize('orders-pb', { id: 'o1', lines: [{ sku: 'a', qty: 2 }] })
  assert.equal(bytes[5], 0, 'first message: the [0] short form')
  const de = new ProtobufDeserializer(client)
  assert.deepEqual(await de.deserialize(bytes), { id: 'o1', lines: [{ sku: 'a', qty: 2 }] })
  const theirs = await kjs.decode(bytes) as { id: string; lines: { sku: string; qty: number }[] }
  assert.deepEqual([theirs.id, theirs.lines[0]!.sku, theirs.lines[0]!.qty], ['o1', 'a', 2])
  // (Not the other way: KafkaJS's library writes Protobuf without the message indexes Confluent's
  // format has — its decoder skips leading zero bytes, which is why it reads our [0] frames.)
  // The second top-level message and a nested one carry their paths.
  const refund = await new ProtobufSerializer(client, { schema: proto, messageType: 'shop.Refund', subjectNameStrategy: RecordNameStrategy })
    .serialize('orders-pb', { order: 'o1', cents: 1250 })
  assert.deepEqual([...refund.subarray(5, 7)], [2, 2])
  assert.deepEqual(await de.deserialize(refund), { order: 'o1', cents: 1250 })
  const line = await new ProtobufSerializer(client, { schema: proto, messageType: 'shop.Order.Line', subjectNameStrategy: RecordNameStrategy })
    .serialize('orders-pb', { sku: 'z', qty: 9 })
  assert.deepEqual([...line.subarray(5, 8)], [4, 0, 0])
  assert.deepEqual(await de.deserialize(line), { sku: 'z', qty: 9 })
})
