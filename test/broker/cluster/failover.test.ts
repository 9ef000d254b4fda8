import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryMetadataStore } from '../../../src/broker/cluster/store/memory-store.ts'
import { assignReplicas, AssignmentError } from '../../../src/broker/cluster/replica-assignment.ts'
import { electLeaders } from '../../../src/broker/cluster/leader-election.ts'
import { ControllerElection } from '../../../src/broker/cluster/controller-election.ts'
import { FailoverController } from '../../../src/broker/cluster/failover-controller.ts'
import { CONTROLLER_KEY, brokerKey, partitionKey } from '../../../src/broker/cluster/metadata-records.ts'
import type { BrokerRecord } from '../../../src/broker/cluster/metadata-records.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { metadataOver } from './metadata-helpers.ts'

test('replica assignment: leaders round-robin from the start, followers shifted, rack-aware, rf checked', () => {
  const plain = [1, 2, 3].map((id) => ({ id, rack: null }))
  const a = assignReplicas(plain, 6, 2, 0, 0)
  assert.deepEqual(a.map((r) => r[0]), [1, 2, 3, 1, 2, 3], 'leaders spread')
  assert.ok(a.every((r) => new Set(r).size === 2))
  assert.deepEqual(assignReplicas(plain, 3, 3, 0, 0.5).map((r) => r[0]), [2, 3, 1], 'the start moves the first leader')
  const racked = [1, 2, 3, 4, 5, 6].map((id) => ({ id, rack: `r${id % 3}` }))
  for (const replicas of assignReplicas(racked, 12, 3, 0, 0.3)) {
    assert.equal(new Set(replicas.map((id) => id % 3)).size, 3, `one replica per rack: ${replicas.join(',')}`)
  }
  assert.throws(() => assignReplicas(plain, 1, 4, 0, 0), AssignmentError)
})

test('leader election: from the live ISR in replica order, epochs bumped, offline without unclean, unclean elects any live replica', async () => {
  const md = await metadataOver(new MemoryMetadataStore({ clock: { now: () => 0 } }))
  const broker = (id: number, epoch = 1): BrokerRecord => ({ id, epoch, listeners: [], rack: null })
  const lease = await md.store.grantLease(60_000)
  const register = (ids: number[]) => md.store.txn({ success: ids.map((id) => ({ type: 'put' as const, key: brokerKey(id), value: JSON.stringify(broker(id)), lease })) })
  await md.loader.waitFor((await register([1, 2, 3])).revision)
  await md.controller.createTopic({ name: 't', partitions: 1, configs: {}, internal: false, assignments: [[1, 2, 3]] })
  await md.controller.createTopic({ name: 'u', partitions: 1, configs: {}, internal: false, assignments: [[3, 1]] })
  await md.loader.waitFor((await md.store.txn({ success: [{ type: 'delete', key: brokerKey(1) }] })).revision)
  const never = () => false
  const changes = electLeaders({ image: md.loader.image, unclean: never })
  const t = changes.find((c) => c.prev.topic === 't')!
  assert.deepEqual(t.next, { replicas: [1, 2, 3], isr: [2, 3], leader: 2, leaderEpoch: 1, partitionEpoch: 1 })
  const u = changes.find((c) => c.prev.topic === 'u')!
  assert.deepEqual(u.next, { replicas: [3, 1], isr: [3], leader: 3, leaderEpoch: 0, partitionEpoch: 1 }, 'a dead follower only leaves the ISR')
  // A restarted leader (new broker epoch) is re-elected only under a new leader epoch, others first.
  const restarted = electLeaders({ image: md.loader.image, restarted: new Set([3]), unclean: never })
  assert.equal(restarted.find((c) => c.prev.topic === 'u')!.next.leaderEpoch, 1)
  // Out-of-sync survivors: offline unless unclean election is allowed.
  const state = { replicas: [1, 2], isr: [1], leader: 1, leaderEpoch: 4, partitionEpoch: 9 }
  const topic = md.loader.image.topic('t')!
  await md.loader.waitFor((await md.store.txn({ success: [{ type: 'put', key: partitionKey(topic.topicId, 0), value: JSON.stringify(state) }] })).revision)
  const offline = electLeaders({ image: md.loader.image, unclean: never }).find((c) => c.prev.topic === 't')!
  assert.deepEqual(offline.next, { replicas: [1, 2], isr: [1], leader: -1, leaderEpoch: 5, partitionEpoch: 10 })
  const unclean = electLeaders({ image: md.loader.image, unclean: () => true }).find((c) => c.prev.topic === 't')!
  assert.deepEqual(unclean.next, { replicas: [1, 2], isr: [2], leader: 2, leaderEpoch: 5, partitionEpoch: 10 })
  await md.close()
})

test('controller: one broker wins the claim; it elects new leaders when a broker lapses; a successor takes over; a deposed controller cannot write', async () => {
  let now = 0
  const store = new MemoryMetadataStore({ clock: { now: () => now } })
  const brokers = await Promise.all([1, 2, 3].map(async (id) => {
    const md = await metadataOver(store, id)
    const lease = await store.grantLease(6000)
    const record: BrokerRecord = { id, epoch: 1, listeners: [], rack: null }
    await store.txn({ success: [{ type: 'put', key: brokerKey(id), value: JSON.stringify(record), lease }] })
    const election = new ControllerElection(store, id, () => ({ lease, brokerEpoch: 1 }), () => md.loader.image, silentLogger())
    const failover = new FailoverController({ store, election, uncleanDefault: () => false, log: silentLogger() })
    md.loader.subscribe(election.onDelta)
    md.loader.subscribe(failover.onDelta)
    return { id, md, lease, election, failover }
  }))
  const until = async (pred: () => boolean) => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 5))
    assert.ok(pred())
  }
  // Campaigns start as soon as an image shows no controller; more cannot win once one has.
  await Promise.all(brokers.map((b) => b.election.campaign()))
  await until(() => brokers.every((b) => b.md.loader.image.controllerId > 0))
  const first = brokers.find((b) => b.id === brokers[0]!.md.loader.image.controllerId)!
  assert.ok(brokers.every((b) => b.md.loader.image.controllerId === first.id), 'exactly one controller')
  assert.equal(await first.election.campaign(), false)
  const topic = await first.md.controller.createTopic({ name: 't', partitions: 3, replicationFactor: 3, configs: {}, internal: false })
  assert.deepEqual(topic.states.map((s) => s.replicas.length), [3, 3, 3])
  assert.equal(new Set(topic.states.map((s) => s.leader)).size, 3, 'leaders spread over the brokers')
  const oldImage = first.md.loader.image
  // The controller's broker dies: its lease lapses (others keep theirs alive).
  now += 5000
  for (const b of brokers) if (b !== first) await store.keepAlive(b.lease)
  now += 2000
  store.expireLeases()
  await until(() => brokers.some((b) => b !== first && b.md.loader.image.controllerId === b.id))
  const survivor = brokers.find((b) => b !== first && b.md.loader.image.controllerId === b.id)!
  await until(() => survivor.md.loader.image.topic('t')!.states.every((s) => s.leader !== first.id && !s.isr.includes(first.id)))
  const after = survivor.md.loader.image.topic('t')!.states
  const moved = after.find((s) => topic.states[s.partition]!.leader === first.id)!
  assert.equal(moved.leaderEpoch, 1, 'the leader epoch grows with the leader change')
  assert.ok(after.every((s) => s.replicas.length === 3), 'replicas unchanged')
  // The deposed controller's guarded write fails.
  const stale = await store.txn({ compare: [ControllerElection.guard(oldImage)], success: [{ type: 'put', key: CONTROLLER_KEY, value: '{"id":99}' }] })
  assert.equal(stale.succeeded, false)
  for (const b of brokers) {
    b.election.close()
    await b.failover.close()
    await b.md.loader.close()
  }
  await store.close()
})
