// Host names where Kafka takes an IP (it resolves them with InetAddress.getByName): an IP quota
// entity may be a host name that resolves (AlterClientQuotas refuses one that does not with
// Kafka's message, and the name is kept as given), and its connection_creation_rate holds the
// address it resolves to; max.connections.per.ip.overrides takes host names, resolved at start (one
// that does not resolve stops the start) and when changed at runtime. `localhost` is the name
// (it resolves to 127.0.0.1 through /etc/hosts, without DNS); 127.0.0.2 is the other IP.
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { ConfigError } from '../../../src/broker/config/config-error.ts'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { Admin, KafkaError } from '../../../src/client/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions.ts'
import { RawClient, requestFrame } from '../raw-client.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'

const dirs: string[] = []
const started: RunningBroker[] = []
after(async () => {
  for (const b of started) await b.close()
  for (const d of dirs) removeTempDir(d)
})

async function start(settings: Record<string, string>): Promise<RunningBroker> {
  const dir = makeTempDir('samsa-ip-hosts-')
  dirs.push(dir)
  const config = new BrokerConfig(Object.entries({
    'listeners': 'PLAINTEXT://127.0.0.1:0', 'admin.listeners': '', 'log.dirs': dir, ...settings,
  }))
  const b = await runBroker(config, { log: silentLogger() })
  started.push(b)
  return b
}

/** Whether a connection from `from` is served (ApiVersions answered) rather than closed. */
async function served(b: RunningBroker, from: string): Promise<boolean> {
  const c = await RawClient.connect(b.bound[0].port, '127.0.0.1', from)
  try {
    c.write(requestFrame(ApiKey.ApiVersions, 3, 1, defaultApiVersionsRequest()))
    await c.readFrame(30_000)
    return true
  } catch {
    return false
  } finally {
    c.destroy()
  }
}

describe('host names for IP quotas', () => {
  it('an IP entity may be a resolvable host name (kept as given, applied to its address); an unresolvable one is refused', { timeout: 60_000 }, async () => {
    // Two windows of one second: a burst is measured over one second.
    const b = await start({ 'quota.window.num': '2', 'quota.window.size.seconds': '1' })
    // The admin client's connections (from 127.0.0.1) are opened before the quota is set.
    const admin = new Admin({ bootstrapServers: `127.0.0.1:${b.bound[0].port}` })
    try {
      await assert.rejects(admin.alterClientQuotas([{ entity: { ip: 'no-such-host.invalid' }, set: { connection_creation_rate: 1 } }]),
        (e: unknown) => e instanceof KafkaError && e.errorName === 'INVALID_REQUEST' && /no-such-host\.invalid is not a valid IP or resolvable host\./.test(e.message))
      await admin.alterClientQuotas([{ entity: { ip: 'localhost' }, set: { connection_creation_rate: 1 } }])
      const listed = await admin.describeClientQuotas({ ip: 'localhost' })
      assert.deepEqual(listed.map((q) => [q.entity, q.values]), [[{ ip: 'localhost' }, { connection_creation_rate: 1 }]])
      // A burst from 127.0.0.1 is held to about one connection a second; 127.0.0.2 is not limited.
      const burst = async (from: string) => (await Promise.all(Array.from({ length: 10 }, () => served(b, from)))).filter(Boolean).length
      assert.equal(await burst('127.0.0.2'), 10)
      // About one; a loaded machine spreading the burst out lets a few more through.
      assert.ok(await burst('127.0.0.1') <= 6)
      // Removing the host name's quota frees its address.
      await admin.alterClientQuotas([{ entity: { ip: 'localhost' }, set: { connection_creation_rate: null } }])
      await new Promise((r) => setTimeout(r, 1500)) // let the burst's throttle times run out
      assert.equal(await burst('127.0.0.1'), 10)
    } finally {
      await admin.close()
    }
  })

  it('max.connections.per.ip.overrides: host names resolved at start (an unresolvable one stops it) and at runtime', { timeout: 60_000 }, async () => {
    await assert.rejects(start({ 'max.connections.per.ip.overrides': 'no-such-host.invalid:3' }),
      (e: unknown) => e instanceof ConfigError && /max\.connections\.per\.ip\.overrides/.test(e.message) && /no-such-host\.invalid/.test(e.message))
    await assert.rejects(start({ 'max.connections.per.ip.overrides': 'bad/host:3' }),
      (e: unknown) => e instanceof ConfigError && /invalid addresses : bad\/host/.test(e.message))

    const b = await start({ 'max.connections.per.ip.overrides': 'localhost:0,127.0.0.3:5', 'max.connections.per.ip': '100' })
    assert.equal(await served(b, '127.0.0.1'), false)
    assert.equal(await served(b, '127.0.0.2'), true)

    // At runtime: the name is resolved when the change is first used; connections from 127.0.0.1
    // are refused from then on (the admin client's, opened before, stay).
    const b2 = await start({ 'max.connections.per.ip': '100' })
    const admin = new Admin({ bootstrapServers: `127.0.0.1:${b2.bound[0].port}`, clientId: 'overrides' })
    try {
      const { controllerId } = await admin.describeCluster()
      await admin.alterConfigs('broker', String(controllerId), [{ name: 'max.connections.per.ip.overrides', value: 'localhost:0' }])
      let refused = false
      for (let i = 0; i < 50 && !refused; i++) refused = !(await served(b2, '127.0.0.1'))
      assert.equal(refused, true)
      assert.equal(await served(b2, '127.0.0.1'), false)
      assert.equal(await served(b2, '127.0.0.2'), true)
    } finally {
      await admin.close()
    }
  })
})
