// `npm run bench -- registry [--records N]`: serializer and deserializer throughput (records/s) of
// samsa/registry for Avro and Protobuf on a 20-field record, beside @kafkajs/confluent-schema-registry
// on the same registry, records and machine, in the same run. A broker and its registry run in
// this process; schemas are registered before timing, so the figures are the per-record cost.
// Protobuf bytes differ slightly: KafkaJS's library writes no message indexes (one byte less).
import { cpus, loadavg } from 'node:os'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBroker } from '../src/broker/broker.ts'
import { BrokerConfig } from '../src/broker/config/index.ts'
import { silentLogger } from '../src/broker/logger.ts'
import { Admin, Producer } from '../src/client/index.ts'
import { startSchemaRegistry, brokerLookup, RegistryClient, AvroSerializer, AvroDeserializer, ProtobufSerializer, ProtobufDeserializer } from '../src/registry/index.ts'

const FIELDS: [string, string, string][] = [
  ['id', 'string', 'string'], ['customer', 'string', 'string'], ['email', 'string', 'string'], ['country', 'string', 'string'],
  ['city', 'string', 'string'], ['street', 'string', 'string'], ['zip', 'string', 'string'], ['currency', 'string', 'string'],
  ['status', 'string', 'string'], ['channel', 'string', 'string'], ['items', 'int', 'int32'], ['quantity', 'int', 'int32'],
  ['priority', 'int', 'int32'], ['attempt', 'int', 'int32'], ['created', 'long', 'int64'], ['updated', 'long', 'int64'],
  ['total', 'double', 'double'], ['tax', 'double', 'double'], ['discount', 'double', 'double'], ['gift', 'boolean', 'bool'],
]
const AVRO = { type: 'record', name: 'Order', namespace: 'bench', fields: FIELDS.map(([name, type]) => ({ name, type })) }
const PROTO = `syntax = "proto3";\npackage bench;\nmessage Order {\n${FIELDS.map(([n, , t], i) => `  ${t} ${n} = ${i + 1};`).join('\n')}\n}\n`

function record(i: number): Record<string, unknown> {
  const r: Record<string, unknown> = {}
  for (const [name, avro] of FIELDS) {
    r[name] = avro === 'string' ? `${name}-${i % 1000}` : avro === 'int' ? i % 1000 : avro === 'long' ? 1_733_300_000_000 + i : avro === 'double' ? (i % 1000) * 1.25 : i % 2 === 0
  }
  return r
}

/** Records per second of one timed pass (after the first pass warmed everything up). */
async function pass(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await fn(i)
  return n / (Number(process.hrtime.bigint() - t0) / 1e9)
}

/** Cases are interleaved over several rounds and each keeps its best: a loaded machine slows passes, never speeds them. */
async function compare(n: number, rounds: number, cases: [string, (i: number) => Promise<unknown>][]): Promise<void> {
  for (const [, fn] of cases) await pass(Math.min(5000, n), fn)
  const best = new Map<string, number>()
  for (let r = 0; r < rounds; r++) {
    for (const [label, fn] of cases) best.set(label, Math.max(best.get(label) ?? 0, await pass(n, fn)))
  }
  for (const [label, r] of best) console.log(`${label.padEnd(56)} ${Math.round(r).toLocaleString('en-US').padStart(12)} records/s`)
}

/**
 * Produce throughput (this process's broker, samsa/client producer, acks=1, pre-serialized Avro
 * values) into an unvalidated topic, one validating ids (mode id) and one decoding values (full).
 */
async function produceIntoValidated(bootstrap: string, ser: AvroSerializer, records: Record<string, unknown>[], n: number, rounds: number): Promise<void> {
  const topics: [string, Record<string, string>][] = [
    ['bench-plain', {}],
    ['bench-id', { 'confluent.value.schema.validation': 'true' }],
    ['bench-full', { 'confluent.value.schema.validation': 'true', 'samsa.value.schema.validation.mode': 'full' }],
  ]
  const admin = new Admin({ bootstrapServers: bootstrap })
  await admin.createTopics(topics.map(([topic, configs]) => ({ topic, numPartitions: 1, configs })))
  await admin.close()
  const values = new Map<string, Buffer[]>()
  for (const [topic] of topics) values.set(topic, await Promise.all(records.map((r) => ser.serialize(topic, r))))
  const producer = new Producer({ bootstrapServers: bootstrap, acks: 1, lingerMs: 5 })
  const best = new Map<string, number>()
  for (let r = 0; r < rounds; r++) {
    for (const [topic] of topics) {
      const vs = values.get(topic)!
      const t0 = process.hrtime.bigint()
      const pending: Promise<unknown>[] = []
      for (let i = 0; i < n; i++) pending.push(producer.send({ topic, value: vs[i % vs.length]! }))
      await Promise.all(pending)
      best.set(topic, Math.max(best.get(topic) ?? 0, n / (Number(process.hrtime.bigint() - t0) / 1e9)))
    }
  }
  await producer.close()
  console.log(`produce, ${n.toLocaleString('en-US')} Avro values (132 B) per pass, acks=1, broker in this process`)
  for (const [topic, label] of [['bench-plain', 'no validation'], ['bench-id', 'confluent.value.schema.validation, mode id'], ['bench-full', 'mode full (values decoded)']]) {
    console.log(`${`produce  ${label}`.padEnd(56)} ${Math.round(best.get(topic!)!).toLocaleString('en-US').padStart(12)} records/s`)
  }
}

export async function run(args: string[]): Promise<void> {
  const at = args.indexOf('--records')
  const n = at >= 0 ? Number(args[at + 1]) : 100_000
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-registry-'))
  const broker = await runBroker(new BrokerConfig([['listeners', 'PLAINTEXT://127.0.0.1:0'], ['log.dirs', dir]]), { log: silentLogger() })
  const bootstrap = `127.0.0.1:${broker.bound[0]!.port}`
  const registry = await startSchemaRegistry({ client: { bootstrapServers: bootstrap }, listeners: ['http://127.0.0.1:0'] })
  broker.context.schemas.lookup = brokerLookup(registry.registry)
  try {
    const client = new RegistryClient({ url: registry.url! })
    const kjs = new SchemaRegistry({ host: registry.url! })
    const records = Array.from({ length: 1000 }, (_, i) => record(i))
    const avroSer = new AvroSerializer(client, { schema: AVRO })
    const avroBytes = await avroSer.serialize('bench-avro', records[0])
    const { id: avroId } = await kjs.register({ type: SchemaType.AVRO, schema: JSON.stringify(AVRO) }, { subject: 'bench-avro-value' })
    const protoSer = new ProtobufSerializer(client, { schema: PROTO, messageType: 'bench.Order' })
    const protoBytes = await protoSer.serialize('bench-proto', records[0]!)
    const { id: protoId } = await kjs.register({ type: SchemaType.PROTOBUF, schema: PROTO }, { subject: 'bench-proto-value' })
    const avroDe = new AvroDeserializer(client)
    const protoDe = new ProtobufDeserializer(client)
    console.log(`registry serde, ${n.toLocaleString('en-US')} records of 20 fields (Avro ${avroBytes.length} B, Protobuf ${protoBytes.length} B framed)`)
    const rounds = 3
    await compare(n, rounds, [
      ['avro serialize        samsa/registry', (i) => avroSer.serialize('bench-avro', records[i % 1000])],
      ['avro serialize        @kafkajs/confluent-schema-registry', (i) => kjs.encode(avroId, records[i % 1000])],
      ['avro deserialize      samsa/registry', () => avroDe.deserialize(avroBytes)],
      ['avro deserialize      @kafkajs/confluent-schema-registry', () => kjs.decode(avroBytes)],
      ['protobuf serialize    samsa/registry', (i) => protoSer.serialize('bench-proto', records[i % 1000]!)],
      ['protobuf serialize    @kafkajs/confluent-schema-registry', (i) => kjs.encode(protoId, records[i % 1000])],
      ['protobuf deserialize  samsa/registry', () => protoDe.deserialize(protoBytes)],
      ['protobuf deserialize  @kafkajs/confluent-schema-registry', () => kjs.decode(protoBytes)],
    ])
    console.log(`best of ${rounds} interleaved rounds; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`)
    await produceIntoValidated(bootstrap, avroSer, records, n, rounds)
  } finally {
    await registry.close()
    await broker.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
