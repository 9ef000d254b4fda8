// The schema registry `samsa start` serves (schema.registry.listeners), driven by Python's
// confluent_kafka.schema_registry.SchemaRegistryClient: register, look up, compatibility (409 on
// an incompatible change), configs; Avro records in Confluent's wire format (magic 0, big-endian
// schema id, Avro binary from Apache's python3-avro — Debian has no fastavro for confluent_kafka's
// AvroSerializer) produced and consumed through the broker with confluent_kafka; then a crash and
// restart of the broker process, after which the registry answers the same from `_schemas`.
// Also: a registry address in use is a warning and the broker serves on.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runPython } from '../helpers/run.ts'

const MODULES = ['confluent_kafka', 'requests', 'avro.io']

/** A port the OS just handed out and released (a registry address for the child broker). */
async function listenFree(): Promise<Server> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}
const portOf = (s: Server) => (s.address() as { port: number }).port

const PRODUCE = String.raw`
import sys, io, json, struct
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient, Schema
from confluent_kafka.schema_registry.error import SchemaRegistryError
import avro.schema, avro.io

bootstrap, url, topic, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sr = SchemaRegistryClient({'url': url})
v1 = json.dumps({'type': 'record', 'name': 'Payment', 'namespace': 'bank', 'fields': [
    {'name': 'id', 'type': 'long'}, {'name': 'amount', 'type': 'double'}]})
v2 = json.dumps({'type': 'record', 'name': 'Payment', 'namespace': 'bank', 'fields': [
    {'name': 'id', 'type': 'long'}, {'name': 'amount', 'type': 'double'},
    {'name': 'currency', 'type': 'string', 'default': 'EUR'}]})
bad = json.dumps({'type': 'record', 'name': 'Payment', 'namespace': 'bank', 'fields': [
    {'name': 'id', 'type': 'string'}]})
subject = topic + '-value'
id1 = sr.register_schema(subject, Schema(v1, 'AVRO'))
id2 = sr.register_schema(subject, Schema(v2, 'AVRO'))
out = {'ids': [id1, id2]}
out['again'] = sr.register_schema(subject, Schema(v1, 'AVRO'))
latest = sr.get_latest_version(subject)
out['latest'] = [latest.schema_id, latest.version, latest.subject]
out['lookup'] = sr.lookup_schema(subject, Schema(v1, 'AVRO')).version
out['compatible_bad'] = sr.test_compatibility(subject, Schema(bad, 'AVRO'))
try:
    sr.register_schema(subject, Schema(bad, 'AVRO'))
    out['bad'] = 'registered'
except SchemaRegistryError as e:
    out['bad'] = [e.http_status_code, e.error_code]
try:
    sr.get_schema(999)
except SchemaRegistryError as e:
    out['missing'] = [e.http_status_code, e.error_code]
sr.set_compatibility(subject_name=subject, level='FULL')
out['level'] = sr.get_compatibility(subject)
out['subjects'] = sr.get_subjects()

p = Producer({'bootstrap.servers': bootstrap})
writer = avro.io.DatumWriter(avro.schema.parse(sr.get_schema(id2).schema_str))
for i in range(n):
    buf = io.BytesIO()
    buf.write(struct.pack('>bI', 0, id2))
    writer.write({'id': i, 'amount': i * 1.5, 'currency': 'GBP' if i % 2 else 'EUR'}, avro.io.BinaryEncoder(buf))
    p.produce(topic, buf.getvalue(), key=str(i))
p.flush(30)
print(json.dumps(out))
`

const CONSUME = String.raw`
import sys, io, json, struct
from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
import avro.schema, avro.io

bootstrap, url, topic, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sr = SchemaRegistryClient({'url': url})
readers = {}
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'py-registry', 'auto.offset.reset': 'earliest'})
c.subscribe([topic])
seen, total, currencies = 0, 0.0, set()
while seen < n:
    m = c.poll(10)
    if m is None or m.error():
        continue
    magic, sid = struct.unpack('>bI', m.value()[:5])
    assert magic == 0, magic
    if sid not in readers:
        readers[sid] = avro.io.DatumReader(avro.schema.parse(sr.get_schema(sid).schema_str))
    rec = readers[sid].read(avro.io.BinaryDecoder(io.BytesIO(m.value()[5:])))
    seen += 1
    total += rec['amount']
    currencies.add(rec['currency'])
c.close()
print(json.dumps({'seen': seen, 'total': total, 'currencies': sorted(currencies), 'ids': sorted(readers)}))
`

const STATE = String.raw`
import sys, json
from confluent_kafka.schema_registry import SchemaRegistryClient
sr = SchemaRegistryClient({'url': sys.argv[1]})
s = sys.argv[2]
print(json.dumps({'subjects': sr.get_subjects(), 'versions': sr.get_versions(s), 'level': sr.get_compatibility(s),
                  'latest': sr.get_latest_version(s).schema_id, 'schema1': sr.get_schema(1).schema_str}))
`

/** The broker process printed a line matching `re` (the registry starts after `listening on`). */
async function printed(broker: SamsaBroker, re: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!re.test(broker.output())) {
    if (Date.now() > deadline) assert.fail(`no line matching ${re} within ${timeoutMs} ms:\n${broker.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>

describe('schema registry: Python confluent_kafka against samsa start', () => {
  let broker: SamsaBroker
  let url: string
  before(async () => {
    const probe = await listenFree()
    const port = portOf(probe)
    await new Promise((r) => probe.close(r))
    url = `http://127.0.0.1:${port}`
    broker = await startSamsa({ settings: { 'schema.registry.listeners': url } })
    await printed(broker, /^schema registry on http:\/\/127\.0\.0\.1:\d+$/m)
  })
  after(async () => {
    await broker?.close()
  })

  it('registers, refuses an incompatible change with 409, carries Avro records, and survives a crash', { timeout: 60_000 }, async () => {
    const n = 200
    const produced = lastJson((await runPython(PRODUCE, [broker.bootstrap, url, 'payments', String(n)], { modules: MODULES, timeoutMs: 40_000 })).stdout)
    assert.deepEqual(produced.ids, [1, 2])
    assert.equal(produced.again, 1)
    assert.deepEqual(produced.latest, [2, 2, 'payments-value'])
    assert.equal(produced.lookup, 1)
    assert.equal(produced.compatible_bad, false)
    assert.deepEqual(produced.bad, [409, 409])
    assert.deepEqual(produced.missing, [404, 40403])
    assert.equal(produced.level, 'FULL')
    assert.deepEqual(produced.subjects, ['payments-value'])

    const consumed = lastJson((await runPython(CONSUME, [broker.bootstrap, url, 'payments', String(n)], { modules: MODULES, timeoutMs: 40_000 })).stdout)
    assert.deepEqual(consumed, { seen: n, total: 1.5 * (n * (n - 1)) / 2, currencies: ['EUR', 'GBP'], ids: [2] })

    const before = broker.output().match(/schema registry on/g)!.length
    await broker.restart({ crash: true })
    await printed(broker, new RegExp(`(?:[^]*schema registry on){${before + 1}}`))
    const state = lastJson((await runPython(STATE, [url, 'payments-value'], { modules: MODULES, timeoutMs: 20_000 })).stdout)
    assert.deepEqual(state.subjects, ['payments-value'])
    assert.deepEqual(state.versions, [1, 2])
    assert.equal(state.level, 'FULL')
    assert.equal(state.latest, 2)
    assert.match(state.schema1 as string, /"name":"Payment"/)
  })

  it('a registry address in use only warns; the broker serves', { timeout: 30_000 }, async () => {
    const taken = await listenFree()
    const other = await startSamsa({ settings: { 'schema.registry.listeners': `http://127.0.0.1:${portOf(taken)}` } })
    try {
      await printed(other, /schema registry listener not started/)
      assert.doesNotMatch(other.output(), /schema registry on/)
      assert.match(other.output(), /listening on/)
    } finally {
      await other.close()
      await new Promise((r) => taken.close(r))
    }
  })
})
