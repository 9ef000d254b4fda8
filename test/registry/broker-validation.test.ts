// Broker-side schema validation (confluent.value.schema.validation and friends) through the real
// produce path: records whose value carries no schema id, an unknown id, or an id registered under
// another subject get INVALID_RECORD naming the record; valid ones pass; mode `full` also refuses
// bytes that do not decode with their schema; unvalidated topics take anything; and a broker with no
// registry lent refuses validated topics' records rather than pass them unchecked.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { runBroker } from '../../src/broker/broker.ts'
import type { RunningBroker } from '../../src/broker/broker.ts'
import { BrokerConfig } from '../../src/broker/config/index.ts'
import { silentLogger } from '../../src/broker/logger.ts'
import { Admin, KafkaError, Producer } from '../../src/client/index.ts'
import { startSchemaRegistry, brokerLookup, RegistryClient, AvroSerializer, JsonSchemaSerializer } from '../../src/registry/index.ts'
import type { RunningSchemaRegistry } from '../../src/registry/index.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'

const dir = makeTempDir('samsa-validation-')
let broker: RunningBroker
let registry: RunningSchemaRegistry
let bootstrap: string
before(async () => {
  broker = await runBroker(new BrokerConfig([['listeners', 'PLAINTEXT://127.0.0.1:0'], ['log.dirs', dir]]), { log: silentLogger() })
  bootstrap = `127.0.0.1:${broker.bound[0]!.port}`
  registry = await startSchemaRegistry({ client: { bootstrapServers: bootstrap }, listeners: ['http://127.0.0.1:0'] })
  const admin = new Admin({ bootstrapServers: bootstrap })
  await admin.createTopics([
    { topic: 'plain' },
    { topic: 'checked', configs: { 'confluent.value.schema.validation': 'true' } },
    { topic: 'checked-full', configs: { 'confluent.value.schema.validation': 'true', 'samsa.value.schema.validation.mode': 'full' } },
    { topic: 'checked-keys', configs: { 'confluent.key.schema.validation': 'true', 'confluent.key.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy' } },
  ])
  await admin.close()
})
after(async () => {
  await registry?.close()
  await broker?.close()
  removeTempDir(dir)
})

const USER = { type: 'record', name: 'User', namespace: 'app', fields: [{ name: 'name', type: 'string' }] }
const framed = (id: number, payload: Buffer) => { const b = Buffer.alloc(5 + payload.length); b.writeInt32BE(id, 1); payload.copy(b, 5); return b }

async function refused(producer: Producer, topic: string, value: Buffer | string | null, key: Buffer | string | null = null): Promise<string> {
  try {
    await producer.send({ topic, key, value })
  } catch (err) {
    assert.ok(err instanceof KafkaError && err.is('INVALID_RECORD'), String(err))
    return err.message
  }
  assert.fail(`a record to ${topic} was accepted`)
}

test('confluent.value.schema.validation: ids registered under the topic\'s subject pass, anything else is INVALID_RECORD', { timeout: 20_000 }, async () => {
  const producer = new Producer({ bootstrapServers: bootstrap, acks: 1 })
  // No registry lent yet (as when it could not start): validated topics refuse, others take anything.
  assert.match(await refused(producer, 'checked', 'x'), /serves no schema registry/)
  await producer.send({ topic: 'plain', value: 'no schema at all' })
  broker.context.schemas.lookup = brokerLookup(registry.registry)

  const client = new RegistryClient({ url: registry.url! })
  const users = new AvroSerializer(client, { schema: USER })
  const good = await users.serialize('checked', { name: 'Ada' })
  assert.equal((await producer.send({ topic: 'checked', value: good })).offset, 0)
  assert.match(await refused(producer, 'checked', 'plain text'), /record 0: the value is not in Confluent's wire format/)
  assert.match(await refused(producer, 'checked', framed(999, Buffer.from([6, 65, 100, 97]))), /schema id 999 is not registered/)
  // Registered, but under another subject.
  const other = await new JsonSchemaSerializer(client, { schema: { type: 'object' } }).serialize('elsewhere', {})
  assert.match(await refused(producer, 'checked', other), /is not registered under the topic's value subject/)
  // Tombstones carry no schema and pass.
  await producer.send({ topic: 'checked', key: 'k', value: null })
  // In mode id the payload is not decoded: a right id with garbage after it passes...
  const garbage = framed(good.readInt32BE(1), Buffer.from([0xff, 0xff, 0xff]))
  await producer.send({ topic: 'checked', value: garbage })
  // ...in mode full it does not.
  const goodFull = await users.serialize('checked-full', { name: 'Bob' })
  await producer.send({ topic: 'checked-full', value: goodFull })
  assert.match(await refused(producer, 'checked-full', framed(goodFull.readInt32BE(1), Buffer.from([0xff, 0xff, 0xff]))), /does not decode with schema/)
  // Keys under RecordNameStrategy: the subject is the record's full name.
  const keySer = new AvroSerializer(client, { schema: USER, subjectNameStrategy: ({ recordName }) => recordName! })
  const key = await keySer.serialize('checked-keys', { name: 'k1' }, true)
  await producer.send({ topic: 'checked-keys', key, value: 'values are not checked here' })
  assert.match(await refused(producer, 'checked-keys', 'v', 'plain key'), /the key is not in Confluent's wire format/)
  await producer.close()
})

test('a batch with one bad record is refused whole, and the error names every offending record', { timeout: 20_000 }, async () => {
  const producer = new Producer({ bootstrapServers: bootstrap, acks: 1, lingerMs: 50 })
  const good = await new AvroSerializer(new RegistryClient({ url: registry.url! }), { schema: USER }).serialize('checked', { name: 'Cy' })
  const results = await Promise.allSettled([good, 'bad-1', good, 'bad-2'].map((value) => producer.send({ topic: 'checked', value })))
  await producer.close()
  assert.ok(results.every((r) => r.status === 'rejected'), 'the batch is refused as a whole')
  const message = ((results[0] as PromiseRejectedResult).reason as Error).message
  assert.match(message, /2 record\(s\) rejected \(record 1: .*; record 3: /)
})
