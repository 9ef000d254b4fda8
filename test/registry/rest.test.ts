// The REST API against a real broker: Confluent's paths, status codes, error codes and shapes,
// soft/permanent deletes, configs and modes, bad input answered (never a crash), and state that
// survives a restart because it lives only in `_schemas`.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../src/broker/index.ts'
import type { Broker } from '../../src/broker/index.ts'
import { startSchemaRegistry } from '../../src/registry/index.ts'
import type { RunningSchemaRegistry } from '../../src/registry/index.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'

const CT = 'application/vnd.schemaregistry.v1+json'
const dataDir = makeTempDir('samsa-registry-')
let broker: Broker | undefined
let registry: RunningSchemaRegistry | undefined

async function start(): Promise<string> {
  broker = await startBroker({ dataDir })
  registry = await startSchemaRegistry({ client: { bootstrapServers: broker.bootstrap }, listeners: ['http://127.0.0.1:0'] })
  return registry.url!
}
async function stop(): Promise<void> {
  await registry?.close()
  await broker?.close()
  registry = broker = undefined
}
after(async () => { await stop(); removeTempDir(dataDir) })

interface Reply { status: number; body: unknown; type: string | null }
async function call(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': CT },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch { /* a raw schema or plain text */ }
  return { status: res.status, body: parsed, type: res.headers.get('content-type') }
}

const rec = (fields: object[]) => JSON.stringify({ type: 'record', name: 'Order', namespace: 'shop', fields })
const V1 = rec([{ name: 'id', type: 'string' }])
const V2 = rec([{ name: 'id', type: 'string' }, { name: 'total', type: 'double', default: 0 }])
const BAD = rec([{ name: 'id', type: 'string' }, { name: 'qty', type: 'int' }])

test('registry REST API: register, read, compatibility, config, mode, deletes, errors; all of it after a restart', { timeout: 20_000 }, async () => {
  let url = await start()
  const c = (method: string, path: string, body?: unknown) => call(url, method, path, body)

  assert.deepEqual((await c('GET', '/subjects')).body, [])
  assert.deepEqual((await c('GET', '/schemas/types')).body, ['AVRO', 'JSON', 'PROTOBUF'])
  const r1 = await c('POST', '/subjects/orders-value/versions', { schema: V1 })
  assert.deepEqual([r1.status, r1.body, r1.type], [200, { id: 1 }, CT])
  assert.deepEqual((await c('POST', '/subjects/orders-value/versions', { schema: V2 })).body, { id: 2 })
  // The same schema again (any spelling) is the same version; under another subject, the same id.
  assert.deepEqual((await c('POST', '/subjects/orders-value/versions', { schema: JSON.stringify(JSON.parse(V1), null, 2) })).body, { id: 1 })
  assert.deepEqual((await c('POST', '/subjects/audit-value/versions', { schema: V2, schemaType: 'AVRO' })).body, { id: 2 })

  // Incompatible under BACKWARD (a new field without a default): 409, and nothing registered.
  const r409 = await c('POST', '/subjects/orders-value/versions', { schema: BAD })
  assert.equal(r409.status, 409)
  assert.equal((r409.body as { error_code: number }).error_code, 409)
  assert.deepEqual((await c('POST', '/compatibility/subjects/orders-value/versions/latest', { schema: BAD })).body, { is_compatible: false })
  const verbose = await c('POST', '/compatibility/subjects/orders-value/versions/latest?verbose=true', { schema: V2 })
  assert.deepEqual(verbose.body, { is_compatible: true, messages: [] })

  assert.deepEqual((await c('GET', '/subjects')).body, ['audit-value', 'orders-value'])
  assert.deepEqual((await c('GET', '/subjects/orders-value/versions')).body, [1, 2])
  const latest = await c('GET', '/subjects/orders-value/versions/latest')
  assert.deepEqual(latest.body, { subject: 'orders-value', version: 2, id: 2, schema: V2 })
  assert.deepEqual((await c('GET', '/subjects/orders-value/versions/1/schema')).body, JSON.parse(V1))
  assert.deepEqual((await c('GET', '/schemas/ids/1')).body, { schema: V1 })
  assert.deepEqual((await c('GET', '/schemas/ids/2/subjects')).body, ['audit-value', 'orders-value'])
  assert.deepEqual((await c('GET', '/schemas/ids/2/versions')).body, [{ subject: 'audit-value', version: 1 }, { subject: 'orders-value', version: 2 }])
  assert.deepEqual((await c('POST', '/subjects/orders-value', { schema: V1 })).body, { subject: 'orders-value', version: 1, id: 1, schema: V1 })
  // Every schema version, by subject then version; latestOnly, prefix and paging as Confluent's.
  const all = [{ subject: 'audit-value', version: 1, id: 2, schema: V2 }, { subject: 'orders-value', version: 1, id: 1, schema: V1 }, { subject: 'orders-value', version: 2, id: 2, schema: V2 }]
  assert.deepEqual((await c('GET', '/schemas')).body, all)
  assert.deepEqual((await c('GET', '/schemas?latestOnly=true')).body, [all[0], all[2]])
  assert.deepEqual((await c('GET', '/schemas?subjectPrefix=orders')).body, all.slice(1))
  assert.deepEqual((await c('GET', '/schemas?offset=1&limit=1')).body, [all[1]])
  const badLimit = await c('GET', '/schemas?limit=many')
  assert.deepEqual([badLimit.status, (badLimit.body as { error_code: number }).error_code], [400, 400])

  // Configs: global, per subject (40408 until set unless defaultToGlobal), invalid level 42203.
  assert.deepEqual((await c('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' })
  assert.equal(((await c('GET', '/config/orders-value')).body as { error_code: number }).error_code, 40408)
  assert.deepEqual((await c('GET', '/config/orders-value?defaultToGlobal=true')).body, { compatibilityLevel: 'BACKWARD' })
  assert.deepEqual((await c('PUT', '/config/orders-value', { compatibility: 'none' })).body, { compatibility: 'NONE' })
  assert.deepEqual((await c('PUT', '/config', { compatibility: 'FULL_TRANSITIVE' })).body, { compatibility: 'FULL_TRANSITIVE' })
  const badLevel = await c('PUT', '/config', { compatibility: 'SIDEWAYS' })
  assert.deepEqual([badLevel.status, (badLevel.body as { error_code: number }).error_code], [422, 42203])
  // NONE on the subject: the incompatible schema is accepted now.
  assert.deepEqual((await c('POST', '/subjects/orders-value/versions', { schema: BAD })).body, { id: 3 })

  // Modes: READONLY refuses writes with 42205; IMPORT needs an empty registry unless forced.
  assert.deepEqual((await c('PUT', '/mode/audit-value', { mode: 'READONLY' })).body, { mode: 'READONLY' })
  const ro = await c('POST', '/subjects/audit-value/versions', { schema: V1 })
  assert.deepEqual([ro.status, (ro.body as { error_code: number }).error_code], [422, 42205])
  assert.equal(((await c('PUT', '/mode', { mode: 'IMPORT' })).body as { error_code: number }).error_code, 42205)
  assert.equal(((await c('PUT', '/mode', { mode: 'SOMETIMES' })).body as { error_code: number }).error_code, 42204)
  assert.deepEqual((await c('GET', '/mode')).body, { mode: 'READWRITE' })
  assert.equal(((await c('GET', '/mode/orders-value')).body as { error_code: number }).error_code, 40409)

  // Deletes: soft first (40407 for a permanent delete of a live version), then permanent.
  assert.equal(((await c('DELETE', '/subjects/orders-value/versions/1?permanent=true')).body as { error_code: number }).error_code, 40407)
  assert.deepEqual((await c('DELETE', '/subjects/orders-value/versions/1')).body, 1)
  assert.equal(((await c('DELETE', '/subjects/orders-value/versions/1')).body as { error_code: number }).error_code, 40406)
  assert.deepEqual((await c('GET', '/subjects/orders-value/versions')).body, [2, 3])
  assert.deepEqual((await c('GET', '/subjects/orders-value/versions?deleted=true')).body, [1, 2, 3])
  assert.equal(((await c('GET', '/subjects/orders-value/versions/1')).body as { error_code: number }).error_code, 40402)
  assert.equal((await c('GET', '/subjects/orders-value/versions/1?deleted=true')).status, 200)
  assert.deepEqual((await c('DELETE', '/subjects/orders-value/versions/1?permanent=true')).body, 1)
  assert.equal(((await c('DELETE', '/subjects/orders-value?permanent=true')).body as { error_code: number }).error_code, 40405)
  assert.deepEqual((await c('DELETE', '/subjects/orders-value')).body, [2, 3])
  assert.equal(((await c('DELETE', '/subjects/orders-value')).body as { error_code: number }).error_code, 40404)
  assert.deepEqual((await c('GET', '/subjects')).body, ['audit-value'])
  assert.deepEqual((await c('GET', '/subjects?deleted=true')).body, ['audit-value', 'orders-value'])
  // id 2 is still used by audit-value; id 3 only by the soft-deleted orders-value/3.
  assert.equal((await c('GET', '/schemas/ids/3')).status, 200)

  // Errors never crash: unknown paths, methods, ids, versions, subjects, bad JSON, bad schemas.
  const expectError = async (method: string, path: string, body: unknown, status: number, code: number) => {
    const r = await c(method, path, body)
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`)
    assert.equal((r.body as { error_code: number }).error_code, code, `${method} ${path}`)
    assert.equal(typeof (r.body as { message: unknown }).message, 'string')
    assert.equal(r.type, CT)
  }
  await expectError('GET', '/nowhere', undefined, 404, 404)
  await expectError('PATCH', '/subjects', undefined, 405, 405)
  await expectError('GET', '/schemas/ids/999', undefined, 404, 40403)
  await expectError('GET', '/schemas/ids/abc', undefined, 404, 40403)
  await expectError('GET', '/subjects/nope/versions', undefined, 404, 40401)
  await expectError('GET', '/subjects/audit-value/versions/7', undefined, 404, 40402)
  await expectError('GET', '/subjects/audit-value/versions/0', undefined, 422, 42202)
  await expectError('GET', '/subjects/audit-value/versions/x', undefined, 422, 42202)
  await expectError('POST', '/subjects/s/versions', '{not json', 400, 400)
  await expectError('POST', '/subjects/s/versions', '[1,2]', 400, 400)
  await expectError('POST', '/subjects/s/versions', { schema: '{"type":"recordo"}' }, 422, 42201)
  await expectError('POST', '/subjects/s/versions', {}, 422, 42201)
  await expectError('POST', '/subjects/s/versions', { schema: 'x', schemaType: 'XML' }, 422, 42201)
  await expectError('POST', '/subjects/s/versions', { schema: '{"type":7}', schemaType: 'JSON' }, 422, 42201)
  await expectError('POST', '/subjects/s/versions', { schema: 'message {', schemaType: 'PROTOBUF' }, 422, 42201)
  await expectError('POST', '/subjects/audit-value', { schema: V1 }, 404, 40403)
  await expectError('GET', '/subjects/%E0%A4%A/versions', undefined, 400, 400)

  // Restart: everything above is replayed from _schemas.
  await stop()
  url = await start()
  assert.deepEqual((await c('GET', '/subjects')).body, ['audit-value'])
  assert.deepEqual((await c('GET', '/subjects?deleted=true')).body, ['audit-value', 'orders-value'])
  assert.deepEqual((await c('GET', '/subjects/orders-value/versions?deleted=true')).body, [2, 3])
  assert.deepEqual((await c('GET', '/config')).body, { compatibilityLevel: 'FULL_TRANSITIVE' })
  assert.deepEqual((await c('GET', '/config/orders-value')).body, { compatibilityLevel: 'NONE' })
  assert.deepEqual((await c('GET', '/mode/audit-value')).body, { mode: 'READONLY' })
  assert.deepEqual((await c('GET', '/schemas/ids/2')).body, { schema: V2 })
  // New ids continue above the highest ever given.
  assert.deepEqual((await c('DELETE', '/mode/audit-value')).body, { mode: 'READONLY' })
  assert.deepEqual((await c('PUT', '/config', { compatibility: 'NONE' })).body, { compatibility: 'NONE' })
  assert.deepEqual((await c('POST', '/subjects/new-value/versions', { schema: rec([{ name: 'z', type: 'long' }]) })).body, { id: 4 })
})
