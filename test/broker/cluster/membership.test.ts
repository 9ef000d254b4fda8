import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryMetadataStore } from '../../../src/broker/cluster/store/memory-store.ts'
import { BrokerMembership, DuplicateBrokerError } from '../../../src/broker/cluster/membership.ts'
import type { MembershipOptions } from '../../../src/broker/cluster/membership.ts'
import { brokerKey, parseBrokerRecord } from '../../../src/broker/cluster/metadata-records.ts'
import { silentLogger } from '../../../src/broker/logger.ts'

const options = (store: MemoryMetadataStore, over: Partial<MembershipOptions> = {}): MembershipOptions => ({
  store, nodeId: 1, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }], rack: null, host: 'h', logDir: '/d',
  sessionTimeoutMs: 1000, heartbeatMs: 200, log: silentLogger(), pollMs: 20, ...over,
})

test('membership: a registration per broker epoch; our own dead registration is replaced at once; a live duplicate is refused', async () => {
  const store = new MemoryMetadataStore({ leaseCheckMs: 20 })
  const first = new BrokerMembership(options(store))
  const a = await first.register()
  // A crash: the lease is not renewed, and the same directory restarts before it lapses.
  await first.abandon()
  const again = new BrokerMembership(options(store))
  const t0 = Date.now()
  const b = await again.register()
  assert.ok(Date.now() - t0 < 500, 'no wait for our own old registration')
  assert.ok(b.record.epoch > a.record.epoch, 'a new broker epoch')
  // Another directory with the same node.id while this one lives: refused after one session.
  const dup = new BrokerMembership(options(store, { logDir: '/other' }))
  await assert.rejects(dup.register(), (err: Error) => err instanceof DuplicateBrokerError && /node\.id 1 is already registered by a live broker \(127\.0\.0\.1:9092 on h, data in \/d\)/.test(err.message))
  const kv = (await store.range(brokerKey(1))).kvs[0]!
  assert.equal(parseBrokerRecord(kv.key, kv.value).epoch, b.record.epoch, 'the live registration is untouched')
  // Once the live one leaves, the other directory may take the id.
  await again.close()
  const c = await dup.register()
  assert.ok(c.record.epoch > b.record.epoch)
  await dup.close()
  assert.equal((await store.range(brokerKey(1))).kvs.length, 0, 'close() leaves at once')
  await store.close()
})

test('membership: a lapsed lease (the cluster saw us fail) registers again under a new epoch', async () => {
  const store = new MemoryMetadataStore({ leaseCheckMs: 20 })
  const epochs: number[] = []
  const m = new BrokerMembership(options(store, { heartbeatMs: 100, onRegistered: (r) => epochs.push(r.epoch) }))
  await m.register()
  await store.revokeLease(m.session().lease)
  for (let i = 0; i < 100 && epochs.length < 2; i++) await new Promise((r) => setTimeout(r, 20))
  assert.equal(epochs.length, 2)
  assert.ok(epochs[1]! > epochs[0]!)
  assert.equal((await store.range(brokerKey(1))).kvs.length, 1)
  await m.close()
  await store.close()
})
