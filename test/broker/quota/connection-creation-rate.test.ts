// KIP-612 against a real broker process over real sockets: an `ip` quota's
// connection_creation_rate (set with Samsa's client's AlterClientQuotas; @platformatic/kafka does
// not type the ip entity) holds a burst from
// that IP to about its rate — the others are closed unanswered after their throttle time — while
// a burst from another IP is served in full; max.connection.creation.rate set dynamically
// (IncrementalAlterConfigs on broker 1) delays accepting, so a burst takes the time the rate says. Loopback
// source addresses 127.0.0.2 and 127.0.0.1 are the two IPs. Bounds are one-sided where load
// could move them (a slow machine only spreads a burst out, which lets more through).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin } from '@platformatic/kafka'
import { Admin as SamsaAdmin } from '../../../src/client/index.ts'
import { startSamsa } from '../../helpers/samsa.ts'
import type { SamsaBroker } from '../../helpers/samsa.ts'
import { RawClient, requestFrame } from '../raw-client.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions.ts'

const RATE = 5

let broker: SamsaBroker
let admin: Admin
let quotas: SamsaAdmin

before(async () => {
  // Two samples of one second: a burst is measured over one second (Kafka's default is 11).
  broker = await startSamsa({ settings: { 'quota.window.num': '2', 'quota.window.size.seconds': '1' } })
  admin = new Admin({ clientId: 'kip612', bootstrapBrokers: [broker.bootstrap] })
  quotas = new SamsaAdmin({ bootstrapServers: broker.bootstrap })
})
after(async () => {
  await admin?.close()
  await quotas?.close()
  await broker?.close()
})

interface Burst {
  answered: number
  refused: number
  /** From the first connect to the last socket settling. */
  ms: number
  /** How long opening the connections took. */
  openMs: number
}

/** `n` connections at once from `from`, each asking ApiVersions: how many were answered. */
async function burst(n: number, from: string): Promise<Burst> {
  const start = Date.now()
  const clients = await Promise.all(Array.from({ length: n }, () => RawClient.connect(broker.port, '127.0.0.1', from)))
  const openMs = Date.now() - start
  const results = await Promise.all(clients.map(async (c, i) => {
    c.write(requestFrame(ApiKey.ApiVersions, 3, i, defaultApiVersionsRequest()))
    try {
      await c.readFrame(8000)
      return true
    } catch {
      return false
    } finally {
      c.destroy()
    }
  }))
  const answered = results.filter(Boolean).length
  return { answered, refused: n - answered, ms: Date.now() - start, openMs }
}

test('an ip connection_creation_rate throttles that IP only', async () => {
  await quotas.alterClientQuotas([{ entity: { ip: '127.0.0.2' }, set: { connection_creation_rate: RATE } }])
  assert.deepEqual(await quotas.describeClientQuotas({ ip: '127.0.0.2' }), [{ entity: { ip: '127.0.0.2' }, values: { connection_creation_rate: RATE } }])
  const limited = await burst(30, '127.0.0.2')
  // About RATE per second of the burst get through; the rest are closed unanswered (after at
  // most one quota window each).
  const allowed = RATE * (Math.ceil(limited.openMs / 1000) + 1) + 1
  assert.ok(limited.answered >= 1 && limited.answered <= allowed, `answered ${limited.answered} of 30 (open took ${limited.openMs} ms; at most ${allowed})`)
  assert.ok(limited.refused >= 30 - allowed)
  const other = await burst(30, '127.0.0.1')
  assert.equal(other.answered, 30)
  // Removing the quota lifts it.
  await quotas.alterClientQuotas([{ entity: { ip: '127.0.0.2' }, set: { connection_creation_rate: null } }])
  const lifted = await burst(30, '127.0.0.2')
  assert.equal(lifted.answered, 30)
  console.log(`ip quota ${RATE}/s: ${limited.answered}/30 answered from 127.0.0.2 (burst opened in ${limited.openMs} ms), 30/30 from 127.0.0.1; after removal 30/30`)
})

test('max.connection.creation.rate delays accepting: a burst takes the time the rate says, nobody is refused', async () => {
  const set = (value: string | undefined) => admin.incrementalAlterConfigs({ resources: [{ resourceType: 4, resourceName: '1',
    configs: [value === undefined ? { name: 'max.connection.creation.rate', configOperation: 1 } : { name: 'max.connection.creation.rate', configOperation: 0, value }] }] })
  await set('10')
  try {
    const b = await burst(30, '127.0.0.1')
    assert.equal(b.answered, 30)
    // 10 at once, then 20 more at 10/s over windows of one second: well over a second.
    assert.ok(b.ms >= 1000, `30 connections at 10/s took ${b.ms} ms`)
    console.log(`max.connection.creation.rate 10: 30 connections answered in ${b.ms} ms`)
  } finally {
    await set(undefined)
  }
  const free = await burst(30, '127.0.0.1')
  assert.equal(free.answered, 30)
})
