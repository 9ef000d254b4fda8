// @kafkajs/confluent-schema-registry (npm, unmodified) against the built-in registry: register,
// fetch by id, encode and decode Avro in Confluent's wire format through a real topic, schema
// references between subjects, and 409 on an incompatible change.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { startBroker } from '../../src/broker/index.ts'
import type { Broker } from '../../src/broker/index.ts'
import { startSchemaRegistry } from '../../src/registry/index.ts'
import type { RunningSchemaRegistry } from '../../src/registry/index.ts'
import { Consumer, Producer } from '../../src/client/index.ts'

let broker: Broker
let registry: RunningSchemaRegistry
before(async () => {
  broker = await startBroker()
  registry = await startSchemaRegistry({ client: { bootstrapServers: broker.bootstrap }, listeners: ['http://127.0.0.1:0'] })
})
after(async () => {
  await registry?.close()
  await broker?.close()
})

const ORDER_V1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'string' }, { name: 'qty', type: 'int' }] }
const ORDER_V2 = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'note', type: ['null', 'string'], default: null }] }
const ORDER_BAD = { ...ORDER_V1, fields: [...ORDER_V1.fields, { name: 'price', type: 'double' }] }

test('@kafkajs/confluent-schema-registry: register, encode, produce, consume, decode; 409 on an incompatible schema', { timeout: 20_000 }, async () => {
  const client = new SchemaRegistry({ host: registry.url!, retry: { retries: 0 } })
  const { id: id1 } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_V1) }, { subject: 'orders-value' })
  const { id: id2 } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_V2) }, { subject: 'orders-value' })
  assert.equal(id1, 1)
  assert.equal(id2, 2)
  assert.equal(await client.getLatestSchemaId('orders-value'), id2)
  assert.equal(await client.getRegistryId('orders-value', 1), id1)
  assert.equal(await client.getRegistryIdBySchema('orders-value', { type: SchemaType.AVRO, schema: JSON.stringify(ORDER_V1) }), id1)

  // Encode with both versions, send through a topic, decode with a fresh client (cold cache: it
  // fetches each schema by id from the registry).
  const values = [await client.encode(id1, { id: 'a', qty: 1 }), await client.encode(id2, { id: 'b', qty: 2, note: 'gift' })]
  assert.deepEqual([values[0]![0], values[0]!.readInt32BE(1)], [0, id1])
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  await producer.sendBatch(values.map((value) => ({ topic: 'orders', value })))
  await producer.close()
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest' })
  consumer.assign([{ topic: 'orders', partition: 0 }])
  const fresh = new SchemaRegistry({ host: registry.url!, retry: { retries: 0 } })
  const decoded: unknown[] = []
  for await (const m of consumer) {
    decoded.push(await fresh.decode(m.value!))
    if (decoded.length === 2) break
  }
  await consumer.close()
  assert.deepEqual(decoded.map((d) => ({ ...(d as object) })), [{ id: 'a', qty: 1 }, { id: 'b', qty: 2, note: 'gift' }])
  // Decoding old data with the new schema as reader fills the default.
  assert.deepEqual({ ...await fresh.decode(values[0]!, { [SchemaType.AVRO]: { readerSchema: ORDER_V2 as never } }) }, { id: 'a', qty: 1, note: null })

  await assert.rejects(
    client.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_BAD) }, { subject: 'orders-value' }),
    (err: { status?: number; message?: string }) => err.status === 409 || /409|incompatible/i.test(err.message ?? ''),
  )
  assert.equal(await client.getLatestSchemaId('orders-value'), id2)
})

test('@kafkajs/confluent-schema-registry: Avro schema references between subjects', { timeout: 20_000 }, async () => {
  const client = new SchemaRegistry({ host: registry.url!, retry: { retries: 0 } })
  const address = { type: 'record', name: 'Address', namespace: 'shop', fields: [{ name: 'city', type: 'string' }] }
  const { id: addressId } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(address) }, { subject: 'address' })
  const customer = { type: 'record', name: 'Customer', namespace: 'shop', fields: [{ name: 'name', type: 'string' }, { name: 'home', type: 'shop.Address' }] }
  const { id } = await client.register({
    type: SchemaType.AVRO,
    schema: JSON.stringify(customer),
    references: [{ name: 'shop.Address', subject: 'address', version: 1 }],
  }, { subject: 'customers-value' })
  assert.notEqual(id, addressId)
  const bytes = await client.encode(id, { name: 'Ada', home: { city: 'London' } })
  const fresh = new SchemaRegistry({ host: registry.url!, retry: { retries: 0 } })
  const back = await fresh.decode(bytes) as { name: string; home: { city: string } }
  assert.deepEqual([back.name, back.home.city], ['Ada', 'London'])
  // The referenced version cannot go while it is used.
  const res = await fetch(`${registry.url}/subjects/address/versions/1`, { method: 'DELETE' })
  assert.equal(res.status, 422)
  assert.equal(((await res.json()) as { error_code: number }).error_code, 42206)
  assert.deepEqual(await (await fetch(`${registry.url}/subjects/address/versions/1/referencedby`)).json(), [id])
})

test('@kafkajs/confluent-schema-registry: JSON Schema and Protobuf register, encode, decode; 409 on incompatible changes', { timeout: 20_000 }, async () => {
  const client = new SchemaRegistry({ host: registry.url!, retry: { retries: 0 } })
  const json = { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } }, required: ['sku'], additionalProperties: false }
  const { id: jsonId } = await client.register({ type: SchemaType.JSON, schema: JSON.stringify(json) }, { subject: 'items-value' })
  const fresh = new SchemaRegistry({ host: registry.url!, retry: { retries: 0 } })
  assert.deepEqual(await fresh.decode(await client.encode(jsonId, { sku: 'x-1', qty: 3 })), { sku: 'x-1', qty: 3 })
  // A new required property: old documents lack it (REQUIRED_PROPERTY_ADDED).
  const stricter = { ...json, properties: { ...json.properties, price: { type: 'number' } }, required: ['sku', 'price'] }
  await assert.rejects(client.register({ type: SchemaType.JSON, schema: JSON.stringify(stricter) }, { subject: 'items-value' }),
    (err: { status?: number }) => err.status === 409)

  const proto = 'syntax = "proto3";\npackage shop;\nmessage Shipment {\n  string id = 1;\n  int32 parcels = 2;\n}\n'
  const { id: protoId } = await client.register({ type: SchemaType.PROTOBUF, schema: proto }, { subject: 'shipments-value' })
  const bytes = await client.encode(protoId, { id: 's-9', parcels: 2 })
  assert.deepEqual([bytes[0], bytes.readInt32BE(1)], [0, protoId])
  assert.deepEqual({ ...await fresh.decode(bytes) }, { id: 's-9', parcels: 2 })
  const changed = proto.replace('int32 parcels', 'string parcels')
  await assert.rejects(client.register({ type: SchemaType.PROTOBUF, schema: changed }, { subject: 'shipments-value' }),
    (err: { status?: number }) => err.status === 409)
  const types = await (await fetch(`${registry.url}/schemas/types`)).json()
  assert.deepEqual(types, ['AVRO', 'JSON', 'PROTOBUF'])
})
