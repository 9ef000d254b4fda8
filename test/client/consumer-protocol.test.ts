// samsa/client's consumer on the KIP-848 protocol (`groupProtocol: 'consumer'`) against an
// in-process broker: two members split the partitions with the broker's assignor, read every
// record once (revocation commits first), one closes (leaves with epoch -1) and the other takes
// every partition back. The admin client describes the group (ConsumerGroupDescribe).
// Reconciliation is incremental: only the partitions that move are revoked.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Consumer, Producer } from '../../src/client/index.ts'
import type { Message } from '../../src/client/index.ts'
import { iterate, take, testBroker, topicName, until } from './helpers.ts'

test('groupProtocol consumer: two members share a topic, every record read once, one leaves', { timeout: 20_000 }, async () => {
  const broker = await testBroker({ 'num.partitions': 4, 'group.consumer.heartbeat.interval.ms': 100 })
  const topic = topicName()
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  const opts = { bootstrapServers: broker.bootstrap, groupId: 'g848', groupProtocol: 'consumer' as const, groupRemoteAssignor: 'range', autoOffsetReset: 'earliest' as const }
  const a = new Consumer({ ...opts, clientRack: 'rack-a' })
  const b = new Consumer(opts)
  try {
    await producer.sendBatch(Array.from({ length: 400 }, (_, i) => ({ topic, key: `k${i}`, value: String(i) })))
    a.subscribe(topic)
    const itA = iterate(a)
    const seen: Message[] = [...await take(itA, 50)]
    assert.equal(a.assignments().length, 4)
    const consume = async (it: AsyncIterator<Message>) => {
      for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value)
    }
    const loopA = consume(itA)
    b.subscribe(topic)
    const loopB = consume(iterate(b))
    const parts = (c: Consumer) => c.assignments().map((p) => p.partition)
    await until(() => seen.length >= 400 && parts(a).length === 2 && parts(b).length === 2, 'all records and a 2/2 split', 15_000)
    assert.deepEqual([...parts(a), ...parts(b)].sort(), [0, 1, 2, 3])
    const values = seen.map((m) => Number(m.value!.toString()))
    assert.equal(new Set(values).size, 400)
    assert.equal(values.length, 400, 'no record read twice')
    // The broker sees a consumer-protocol group (ListGroups v5 type).
    assert.ok((await admin.listGroups()).some((g) => g.groupId === 'g848'))
    // Described through ConsumerGroupDescribe (DescribeGroups knows classic groups only).
    const d = await admin.describeGroup('g848')
    assert.deepEqual([d.state, d.protocolType, d.protocol, d.members.length], ['Stable', 'consumer', 'range', 2])
    assert.deepEqual(d.members.flatMap((m) => m.assignment.map((p) => p.partition)).sort(), [0, 1, 2, 3])
    assert.ok(d.members.every((m) => m.topics.join() === topic))
    // clientRack is the member's rack (for rack-aware assignment).
    assert.deepEqual(d.members.map((m) => m.rack ?? null).sort(), [null, 'rack-a'])
    await b.close()
    await loopB
    await until(() => parts(a).length === 4, 'the remaining member to own every partition', 10_000)
    await a.close()
    await loopA
  } finally {
    await a.close()
    await b.close()
    await admin.close()
    await producer.close()
    await broker.close()
  }
})

test('groupProtocol consumer: reconciliation is incremental — a member joining takes partitions from the other, which revokes only those', { timeout: 20_000 }, async () => {
  const broker = await testBroker({ 'num.partitions': 4, 'group.consumer.heartbeat.interval.ms': 100 })
  const topic = topicName()
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const events: string[] = []
  const listener = (who: string) => ({
    revoked: (tps: { partition: number }[]) => { events.push(`${who} revoked ${tps.map((t) => t.partition).sort().join(',')}`) },
    assigned: (tps: { partition: number }[]) => { events.push(`${who} assigned ${tps.map((t) => t.partition).sort().join(',')}`) },
  })
  const opts = { bootstrapServers: broker.bootstrap, groupId: 'g848-inc', groupProtocol: 'consumer' as const, groupRemoteAssignor: 'uniform', autoOffsetReset: 'earliest' as const }
  const a = new Consumer({ ...opts, rebalanceListener: listener('a') })
  const b = new Consumer({ ...opts, rebalanceListener: listener('b') })
  try {
    await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic, partition: i % 4, value: String(i) })))
    a.subscribe(topic)
    const itA = iterate(a)
    await take(itA, 10)
    assert.deepEqual(events, ['a assigned 0,1,2,3'])
    const drain = async (it: AsyncIterator<unknown>) => { for (let r = await it.next(); !r.done; r = await it.next()); }
    const loopA = drain(itA)
    b.subscribe(topic)
    const loopB = drain(iterate(b))
    const parts = (c: Consumer) => c.assignments().map((p) => p.partition).sort()
    await until(() => parts(a).length === 2 && parts(b).length === 2, 'a 2/2 split', 15_000)
    const aRevoked = events.filter((e) => e.startsWith('a revoked')).map((e) => e.slice('a revoked '.length).split(',')).flat()
    // a gave up exactly the two partitions b got, never all four; it was never assigned again.
    assert.deepEqual(aRevoked.sort(), parts(b).map(String))
    assert.deepEqual(events.filter((e) => e.startsWith('a assigned')), ['a assigned 0,1,2,3'])
    assert.deepEqual([...parts(a), ...parts(b)].sort(), [0, 1, 2, 3])
    const bHad = parts(b).join(',')
    const aRevocations = events.filter((e) => e.startsWith('a revoked')).length
    await b.close()
    await loopB
    // Taking b's partitions back adds them without revoking a's own.
    await until(() => events.includes(`a assigned ${bHad}`), 'a to be assigned b\'s partitions', 10_000)
    assert.deepEqual(parts(a), [0, 1, 2, 3])
    assert.equal(events.filter((e) => e.startsWith('a revoked')).length, aRevocations)
    await a.close()
    await loopA
  } finally {
    await a.close()
    await b.close()
    await producer.close()
    await broker.close()
  }
})
