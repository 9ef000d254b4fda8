// The registry in a 3-broker cluster, one registry per broker talking only to its own broker (as
// `samsa start` runs them): a registry writes after catching up with the others' writes; registries
// racing for the same subject end with distinct ids and versions that every replay agrees on; and
// the state survives the loss of the broker the first writes went through (`_schemas` is replicated).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../src/broker/index.ts'
import type { Cluster } from '../../src/broker/index.ts'
import { startSchemaRegistry } from '../../src/registry/index.ts'
import type { RunningSchemaRegistry } from '../../src/registry/index.ts'

let cluster: Cluster | undefined
const registries: RunningSchemaRegistry[] = []
after(async () => {
  for (const r of registries) await r.close()
  await cluster?.close()
})

async function registryOn(nodeId: number): Promise<RunningSchemaRegistry> {
  const r = await startSchemaRegistry({ client: { bootstrapServers: cluster!.broker(nodeId).bootstrap }, listeners: ['http://127.0.0.1:0'] })
  registries.push(r)
  return r
}

async function call(r: RunningSchemaRegistry, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(r.url + path, { method, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}
const schema = (n: number) => ({ schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: `f${n}`, type: 'int', default: 0 }] }) })

test('registries on different brokers of a cluster share one state through _schemas, races included, and outlive a broker', { timeout: 20_000 }, async () => {
  cluster = await startCluster({ brokers: 3, config: { 'broker.session.timeout.ms': 2000, 'broker.heartbeat.interval.ms': 500 } })
  const a = await registryOn(0)
  const b = await registryOn(1)
  assert.deepEqual((await call(a, 'POST', '/subjects/s/versions', schema(1))).body, { id: 1 })
  // b catches up before writing: version 2, id 2, compatibility checked against a's version 1.
  assert.deepEqual((await call(b, 'POST', '/subjects/s/versions', schema(2))).body, { id: 2 })
  assert.deepEqual((await call(b, 'GET', '/subjects/s/versions')).body, [1, 2])

  // Races: both registries register different schemas under one subject at the same moment.
  await call(a, 'PUT', '/config', { compatibility: 'NONE' })
  const raced = await Promise.all([1, 2, 3, 4, 5].flatMap((round) => [
    call(a, 'POST', '/subjects/race/versions', schema(round * 10 + 1)),
    call(b, 'POST', '/subjects/race/versions', schema(round * 10 + 2)),
  ]))
  assert.ok(raced.every((r) => r.status === 200), JSON.stringify(raced))
  const ids = raced.map((r) => (r.body as { id: number }).id)
  assert.equal(new Set(ids).size, 10, `ten schemas, ten ids: ${ids}`)

  // The broker the first writes went through goes away (crash: its registration lapses).
  await a.close()
  registries.splice(registries.indexOf(a), 1)
  await cluster.kill(0)
  // A registry started now replays _schemas from the surviving replicas.
  const c = await registryOn(2)
  const versions = (await call(c, 'GET', '/subjects/race/versions')).body as number[]
  assert.deepEqual(versions, Array.from({ length: 10 }, (_, i) => i + 1))
  const byVersion = await Promise.all(versions.map(async (v) => ((await call(c, 'GET', `/subjects/race/versions/${v}`)).body as { id: number }).id))
  assert.deepEqual([...byVersion].sort((x, y) => x - y), [...ids].sort((x, y) => x - y), 'every id got exactly one version')
  assert.deepEqual((await call(c, 'GET', '/subjects/s/versions')).body, [1, 2])
  // b, whose broker lives, writes on: it caught up with the races (ids 3-12) first.
  assert.deepEqual((await call(b, 'POST', '/subjects/s/versions', schema(3))).body, { id: 13 })
  // c catches up before answering a write (the same schema: no new version, the same id).
  assert.deepEqual((await call(c, 'POST', '/subjects/s/versions', schema(3))).body, { id: 13 })
  assert.deepEqual((await call(c, 'GET', '/schemas/ids/13/versions')).body, [{ subject: 's', version: 3 }])
})
