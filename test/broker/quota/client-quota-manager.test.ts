// Kafka's quota arithmetic on an injected time: the sampled rate (window never shorter than all
// samples but one, idle samples forgotten), the throttle time X = (O - T) / T * W, KIP-55's
// precedence and which clients share a rate, the request-time throttle capped at one sample.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SampledRate, throttleTimeMs } from '../../../src/broker/quota/sampled-rate.ts'
import { ClientQuotaManager } from '../../../src/broker/quota/client-quota-manager.ts'

const WINDOW = { sampleMs: 1000, numSamples: 11 }
const T0 = 1_000_000

describe('SampledRate', () => {
  it('divides by at least (samples - 1) windows, then by the elapsed span', () => {
    const r = new SampledRate(1000, 11)
    r.record(10_000, T0)
    assert.equal(r.windowMs(T0), 10_000)
    assert.equal(r.measure(T0), 1000)
    r.record(0, T0 + 10_500)
    assert.equal(r.windowMs(T0 + 10_500), 10_500)
  })

  it('forgets samples idle for the whole span', () => {
    const r = new SampledRate(1000, 2)
    r.record(5000, T0)
    assert.equal(r.measure(T0 + 1999), 5000 / 1.999)
    assert.equal(r.measure(T0 + 2000), 0)
  })

  it('keeps numSamples + 1 slots and reuses the oldest', () => {
    const r = new SampledRate(1000, 3)
    for (let i = 0; i < 10; i++) r.record(1000, T0 + i * 1000)
    // At 9 s the 6 s sample is 3 s idle (forgotten); 7, 8 and 9 s remain, over 2 s elapsed.
    assert.equal(r.measure(T0 + 9000), 1500)
    assert.equal(r.measure(T0 + 9500), 3000 / 2.5)
  })

  it('throttle time brings the rate back to the bound', () => {
    assert.equal(throttleTimeMs(2000, 1000, 10_000), 10_000)
    assert.equal(throttleTimeMs(1500, 1000, 10_000), 5000)
  })
})

describe('ClientQuotaManager', () => {
  it('no quota: nothing is throttled and nothing is enabled', () => {
    const m = new ClientQuotaManager('producer_byte_rate', WINDOW)
    assert.equal(m.enabled, false)
    assert.equal(m.record('alice', 'app', 1e9, T0), 0)
  })

  it('a byte rate over the quota is throttled by Kafka\'s formula', () => {
    const m = new ClientQuotaManager('producer_byte_rate', WINDOW)
    m.update({ 'client-id': 'app' }, 1000)
    assert.equal(m.record('alice', 'app', 10_000, T0), 0) // 1000 B/s over 10 s: at the bound
    // 15 000 B over 10 s = 1500 B/s: (1500 - 1000) / 1000 * 10 s
    assert.equal(m.record('alice', 'app', 5000, T0), 5000)
    assert.equal(m.record('alice', 'other', 50_000, T0), 0)
  })

  it('KIP-55 precedence: (user, client) > (user, <default>) > user > (<default>, client) > (<default>, <default>) > <default> user > client > <default> client', () => {
    const m = new ClientQuotaManager('producer_byte_rate', WINDOW)
    const q = () => m.quotaFor('alice', 'app')
    assert.equal(q(), Infinity)
    m.update({ 'client-id': null }, 8)
    assert.equal(q(), 8)
    m.update({ 'client-id': 'app' }, 7)
    assert.equal(q(), 7)
    m.update({ user: null }, 6)
    assert.equal(q(), 6)
    m.update({ user: null, 'client-id': null }, 5)
    assert.equal(q(), 5)
    m.update({ user: null, 'client-id': 'app' }, 4)
    assert.equal(q(), 4)
    m.update({ user: 'alice' }, 3)
    assert.equal(q(), 3)
    m.update({ user: 'alice', 'client-id': null }, 2)
    assert.equal(q(), 2)
    m.update({ user: 'alice', 'client-id': 'app' }, 1)
    assert.equal(q(), 1)
    assert.equal(m.quotaFor('bob', 'app'), 4)
    assert.equal(m.quotaFor('bob', 'x'), 5)
    m.update({ user: 'alice', 'client-id': 'app' }, undefined)
    assert.equal(q(), 2)
  })

  it('a user quota is shared by all of the user\'s client ids; a client-id quota by all its users', () => {
    const m = new ClientQuotaManager('producer_byte_rate', WINDOW)
    m.update({ user: 'alice' }, 1000)
    assert.equal(m.record('alice', 'a', 10_000, T0), 0)
    assert.ok(m.record('alice', 'b', 1000, T0) > 0)
    assert.equal(m.record('bob', 'a', 10_000, T0), 0)
    const c = new ClientQuotaManager('producer_byte_rate', WINDOW)
    c.update({ 'client-id': 'app' }, 1000)
    assert.equal(c.record('alice', 'app', 10_000, T0), 0)
    assert.ok(c.record('bob', 'app', 1000, T0) > 0)
  })

  it('a quota change applies to a rate already measured; unrecord takes a value back', () => {
    const m = new ClientQuotaManager('consumer_byte_rate', WINDOW)
    m.update({ user: 'alice' }, 1e9)
    assert.equal(m.record('alice', 'x', 20_000, T0), 0)
    m.update({ user: 'alice' }, 1000)
    assert.equal(m.record('alice', 'x', 0, T0), 10_000)
    m.unrecord('alice', 'x', 10_000, T0)
    assert.equal(m.record('alice', 'x', 0, T0), 0)
    assert.equal(m.maxValueInWindow('alice', 'x'), 10_000)
  })

  it('the request-time throttle is capped at one sample', () => {
    const m = new ClientQuotaManager('request_percentage', WINDOW, WINDOW.sampleMs)
    m.update({ user: null }, 10)
    assert.equal(m.record('alice', 'x', 1000, T0), 1000)
  })
})
