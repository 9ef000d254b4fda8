// Kafka's connection quotas (KIP-612 and the connection limits) on a clock the test moves: the
// accept delays of the broker-wide and per-listener creation rates, the IP connection_creation_rate
// throttle (taken back from every rate), the protected inter-broker listener, per-IP limits and
// their overrides.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConnectionQuotas, UNLIMITED, normalizeIp, parsePerIpOverrides } from '../../../src/broker/net/connection-quotas.ts'
import type { ConnectionQuotaLimits } from '../../../src/broker/net/connection-quotas.ts'

interface Knobs {
  maxConnections?: number
  listenerMax?: Record<string, number>
  rate?: number
  listenerRate?: Record<string, number>
  perIp?: number
  overrides?: Map<string, number>
  interBroker?: string
}

function quotas(k: Knobs = {}): ConnectionQuotas {
  const limits: ConnectionQuotaLimits = {
    maxConnections: () => k.maxConnections ?? UNLIMITED,
    listenerMaxConnections: (l) => k.listenerMax?.[l] ?? k.maxConnections ?? UNLIMITED,
    maxConnectionCreationRate: () => k.rate ?? UNLIMITED,
    listenerMaxConnectionCreationRate: (l) => k.listenerRate?.[l] ?? k.rate ?? UNLIMITED,
    maxConnectionsPerIp: () => k.perIp ?? UNLIMITED,
    maxConnectionsPerIpOverrides: () => k.overrides ?? new Map(),
    interBrokerListener: k.interBroker,
    // Two samples of one second: a burst is measured over one second.
    window: { sampleMs: 1000, numSamples: 2 },
  }
  const q = new ConnectionQuotas(limits)
  q.addListener('CLIENT')
  q.addListener('BROKER')
  return q
}

test('max.connection.creation.rate: the connection over the rate waits until the rate is back at it', () => {
  const q = quotas({ rate: 5 })
  for (let i = 0; i < 5; i++) assert.equal(q.recordAccept('CLIENT', 0), 0)
  // 6 in the first second: (6 - 5) / 5 of a one-second window.
  assert.equal(q.recordAccept('CLIENT', 0), 200)
  // Taken after its delay: the next is recorded then, 7 over 1.2 s.
  assert.equal(q.recordAccept('CLIENT', 200), 200)
  // Accepting as the delays say keeps the rate near 5/s.
  let t = 400
  let accepted = 7
  while (t < 10_000) {
    t += q.recordAccept('CLIENT', t)
    accepted++
  }
  const rate = accepted / (t / 1000)
  assert.ok(rate > 4.5 && rate < 6, `accepted ${accepted} in ${t} ms`)
})

test('a listener rate applies to its listener only; the longer of the listener and broker delays wins', () => {
  const q = quotas({ rate: 10, listenerRate: { CLIENT: 2 } })
  assert.equal(q.recordAccept('CLIENT', 0), 0)
  assert.equal(q.recordAccept('CLIENT', 0), 0)
  assert.equal(q.recordAccept('CLIENT', 0), 500)
  for (let i = 0; i < 7; i++) assert.equal(q.recordAccept('BROKER', 0), 0)
  // The broker-wide rate counts both listeners: 11 > 10.
  assert.equal(q.recordAccept('BROKER', 0), 100)
})

test('the inter-broker listener is exempt from the broker-wide rate and max.connections', () => {
  const q = quotas({ rate: 1, maxConnections: 1, listenerMax: { BROKER: 5 }, interBroker: 'BROKER' })
  assert.equal(q.recordAccept('CLIENT', 0), 0)
  assert.equal(q.admit('CLIENT', '10.0.0.1', 0).kind, 'accept')
  assert.equal(q.slotAvailable('CLIENT'), false)
  assert.equal(q.slotAvailable('BROKER'), true)
  assert.equal(q.recordAccept('BROKER', 0), 0)
  // ... but not from its own listener rate (here the broker-wide value, 1/s).
  assert.equal(q.recordAccept('BROKER', 0), 1000)
})

test('max.connections and listener.name.<l>.max.connections: slots free as connections close', () => {
  const q = quotas({ maxConnections: 3, listenerMax: { CLIENT: 2 } })
  assert.equal(q.admit('CLIENT', '10.0.0.1', 0).kind, 'accept')
  assert.equal(q.admit('CLIENT', '10.0.0.1', 0).kind, 'accept')
  assert.equal(q.slotAvailable('CLIENT'), false)
  assert.equal(q.slotAvailable('BROKER'), true)
  assert.equal(q.admit('BROKER', '10.0.0.2', 0).kind, 'accept')
  assert.equal(q.slotAvailable('BROKER'), false)
  assert.equal(q.connectionCount, 3)
  q.release('CLIENT', '10.0.0.1')
  assert.equal(q.slotAvailable('CLIENT'), true)
  assert.equal(q.slotAvailable('BROKER'), true)
})

test('connection_creation_rate of an IP: over it the connection is throttled and taken back from every rate', () => {
  const q = quotas({ rate: 10 })
  q.setIpConnectionRate('10.0.0.1', 2)
  const take = (ip: string, now: number) => {
    const delay = q.recordAccept('CLIENT', now)
    return { delay, admission: q.admit('CLIENT', ip, now) }
  }
  assert.deepEqual(take('10.0.0.1', 0), { delay: 0, admission: { kind: 'accept' } })
  assert.deepEqual(take('10.0.0.1', 0), { delay: 0, admission: { kind: 'accept' } })
  for (let i = 0; i < 5; i++) assert.deepEqual(take('10.0.0.1', 0), { delay: 0, admission: { kind: 'throttle', ms: 500, rate: 2 } })
  // The five throttled ones do not count against the broker-wide rate: 8 more from elsewhere pass.
  for (let i = 0; i < 8; i++) assert.deepEqual(take('10.0.0.2', 0), { delay: 0, admission: { kind: 'accept' } })
  assert.equal(q.recordAccept('CLIENT', 0), 100)
  // A second later the IP's rate has room again.
  assert.equal(q.admit('CLIENT', '10.0.0.1', 1500).kind, 'accept')
})

test('the default IP entity applies to every IP without its own quota; removing quotas lifts them', () => {
  const q = quotas()
  q.setIpConnectionRate(null, 1)
  q.setIpConnectionRate('10.0.0.9', 100)
  assert.equal(q.connectionRateFor('10.0.0.1'), 1)
  assert.equal(q.connectionRateFor('10.0.0.9'), 100)
  assert.equal(q.admit('CLIENT', '10.0.0.1', 0).kind, 'accept')
  assert.equal(q.admit('CLIENT', '10.0.0.1', 0).kind, 'throttle')
  for (let i = 0; i < 50; i++) assert.equal(q.admit('CLIENT', '10.0.0.9', 0).kind, 'accept')
  q.setIpConnectionRate(null, undefined)
  assert.equal(q.connectionRateFor('10.0.0.1'), UNLIMITED)
  assert.equal(q.admit('CLIENT', '10.0.0.1', 0).kind, 'accept')
  q.setIpConnectionRate('10.0.0.9', undefined)
  assert.equal(q.connectionRateFor('10.0.0.9'), UNLIMITED)
})

test('a throttle is at most one quota window', () => {
  const q = quotas()
  q.setIpConnectionRate('10.0.0.1', 1)
  q.admit('CLIENT', '10.0.0.1', 0)
  for (let i = 0; i < 20; i++) {
    const a = q.admit('CLIENT', '10.0.0.1', 0)
    assert.equal(a.kind, 'throttle')
    assert.ok(a.kind === 'throttle' && a.ms <= q.maxThrottleMs)
  }
})

test('max.connections.per.ip and its overrides; IPv4-mapped addresses count as IPv4', () => {
  const q = quotas({ perIp: 2, overrides: parsePerIpOverrides('10.0.0.5:0, 10.0.0.6:3') })
  assert.equal(q.admit('CLIENT', '10.0.0.1', 0).kind, 'accept')
  assert.equal(q.admit('CLIENT', '::ffff:10.0.0.1', 0).kind, 'accept')
  assert.deepEqual(q.admit('CLIENT', '10.0.0.1', 0), { kind: 'too-many', max: 2 })
  assert.equal(q.countOf('10.0.0.1'), 2)
  assert.deepEqual(q.admit('CLIENT', '10.0.0.5', 0), { kind: 'too-many', max: 0 })
  for (let i = 0; i < 3; i++) assert.equal(q.admit('CLIENT', '10.0.0.6', 0).kind, 'accept')
  assert.equal(q.admit('CLIENT', '10.0.0.6', 0).kind, 'too-many')
  q.release('CLIENT', '::ffff:10.0.0.1')
  assert.equal(q.admit('CLIENT', '10.0.0.1', 0).kind, 'accept')
})

test('max.connections.per.ip.overrides parsing', () => {
  assert.deepEqual([...parsePerIpOverrides('127.0.0.1:5,[::1]:3, localhost:2,0:0:0:0:0:0:0:2:7,broker-1.example.com:4')],
    [['127.0.0.1', 5], ['::1', 3], ['localhost', 2], ['::2', 7], ['broker-1.example.com', 4]])
  assert.deepEqual([...parsePerIpOverrides('')], [])
  assert.throws(() => parsePerIpOverrides('127.0.0.1'), /not <host>:<count>/)
  assert.throws(() => parsePerIpOverrides('127.0.0.1:-1'), /not <host>:<count>/)
  // Kafka's validHostPattern: letters, digits and -%._: only.
  assert.throws(() => parsePerIpOverrides('bad/host:4'), /contains invalid addresses : bad\/host/)
  assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1')
  assert.equal(normalizeIp('0:0:0:0:0:0:0:1'), '::1')
})
