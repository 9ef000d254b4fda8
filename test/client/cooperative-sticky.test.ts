// The cooperative-sticky assignor (KIP-429): the assignment algorithm (balance, stickiness, a
// double claim, moved partitions withheld for one round), and a group on a real broker where a
// member joining makes the first member revoke only the partitions that move to it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Consumer, Producer } from '../../src/client/index.ts'
import type { GroupMember, Message, TopicPartition } from '../../src/client/index.ts'
import { cooperativeStickyAssignor, stickyAssign } from '../../src/client/consumer/sticky-assignor.ts'
import { decodeSubscription, encodeSubscription } from '../../src/client/consumer/assignors.ts'
import { iterate, take, testBroker, topicName, until } from './helpers.ts'

const tps = (topic: string, ...ps: number[]): TopicPartition[] => ps.map((partition) => ({ topic, partition }))
const member = (memberId: string, topics: string[], owned: TopicPartition[] = [], generation = -1): GroupMember =>
  ({ memberId, groupInstanceId: null, topics, userData: null, ownedPartitions: owned, generation })
const counts = (a: Map<string, TopicPartition[]>) => [...a.values()].map((l) => l.length).sort()
const names = (l: TopicPartition[] | undefined) => (l ?? []).map((tp) => `${tp.topic}-${tp.partition}`).sort()

test('sticky assignment: balanced, keeps owned partitions, settles a double claim by generation', () => {
  const parts = new Map([['t', 6]])
  const first = stickyAssign([member('a', ['t'])], parts)
  assert.deepEqual(names(first.get('a')), names(tps('t', 0, 1, 2, 3, 4, 5)))
  // b joins: a keeps 3 of its 6, b gets the other 3; nothing a keeps moves.
  const second = stickyAssign([member('a', ['t'], first.get('a')!), member('b', ['t'])], parts)
  assert.deepEqual(counts(second), [3, 3])
  for (const tp of second.get('a')!) assert.ok(first.get('a')!.some((o) => o.partition === tp.partition))
  // c joins: 2/2/2, a and b each give up one and keep the rest.
  const third = stickyAssign([member('a', ['t'], second.get('a')!), member('b', ['t'], second.get('b')!), member('c', ['t'])], parts)
  assert.deepEqual(counts(third), [2, 2, 2])
  for (const m of ['a', 'b']) for (const tp of third.get(m)!) assert.ok(second.get(m)!.some((o) => o.partition === tp.partition), `${m} keeps what it owned`)
  // b leaves: its partitions go to a and c; theirs stay.
  const fourth = stickyAssign([member('a', ['t'], third.get('a')!), member('c', ['t'], third.get('c')!)], parts)
  assert.deepEqual(counts(fourth), [3, 3])
  for (const m of ['a', 'c']) for (const tp of third.get(m)!) assert.ok(fourth.get(m)!.some((o) => o.partition === tp.partition))
  // Two members claim partition 0: the newer generation keeps it.
  const claim = stickyAssign([member('a', ['t'], tps('t', 0, 1), 3), member('b', ['t'], tps('t', 0, 2), 4)], new Map([['t', 4]]))
  assert.ok(claim.get('b')!.some((tp) => tp.partition === 0))
  assert.ok(!claim.get('a')!.some((tp) => tp.partition === 0))
  // Different subscriptions: each topic only to its subscribers, balanced where they overlap.
  const mixed = stickyAssign([member('a', ['x', 'y']), member('b', ['y'])], new Map([['x', 2], ['y', 4]]))
  assert.deepEqual(names(mixed.get('b')).every((n) => n.startsWith('y-')), true)
  assert.deepEqual(counts(mixed), [3, 3])
})

test('cooperative: a partition moving away from its owner is withheld for one round', () => {
  const parts = new Map([['t', 4]])
  const round1 = cooperativeStickyAssignor.assign([member('a', ['t'], tps('t', 0, 1, 2, 3), 1), member('b', ['t'])], parts)
  assert.equal(round1.get('a')!.get('t')!.length, 2, 'a keeps two')
  assert.equal(round1.get('b')!.get('t'), undefined, 'b gets nothing until a has revoked')
  const kept = round1.get('a')!.get('t')!
  const round2 = cooperativeStickyAssignor.assign([member('a', ['t'], tps('t', ...kept), 2), member('b', ['t'], [], -1)], parts)
  assert.deepEqual(round2.get('a')!.get('t'), kept)
  assert.deepEqual(round2.get('b')!.get('t')!.length, 2)
  // Subscription v2 carries owned partitions and their generation.
  const sub = decodeSubscription('m', null, encodeSubscription(['t'], tps('t', 1, 3), null, 7))
  assert.deepEqual(sub.ownedPartitions, tps('t', 1, 3))
  assert.equal(sub.generation, 7)
  assert.throws(() => new Consumer({ bootstrapServers: 'localhost:1', groupId: 'g', assignors: ['sticky' as 'range'] }), /unknown assignor 'sticky'/)
})

test('a member joining a cooperative-sticky group revokes nothing that stays', { timeout: 20_000 }, async () => {
  const broker = await testBroker({ 'num.partitions': 4 })
  const topic = topicName('coop')
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const events: string[] = []
  const told = new Map<string, Set<number>>([['a', new Set()], ['b', new Set()]])
  const listener = (who: string) => ({
    revoked: (l: TopicPartition[]) => {
      events.push(`${who} revoked ${l.map((tp) => tp.partition).sort().join(',')}`)
      for (const tp of l) told.get(who)!.delete(tp.partition)
    },
    assigned: (l: TopicPartition[]) => {
      events.push(`${who} assigned ${l.map((tp) => tp.partition).sort().join(',')}`)
      for (const tp of l) told.get(who)!.add(tp.partition)
    },
  })
  const opts = {
    bootstrapServers: broker.bootstrap, groupId: 'coop', autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 100, sessionTimeoutMs: 3000,
    assignors: ['org.apache.kafka.clients.consumer.CooperativeStickyAssignor' as const],
  }
  const a = new Consumer({ ...opts, rebalanceListener: listener('a') })
  const b = new Consumer({ ...opts, rebalanceListener: listener('b') })
  try {
    await producer.sendBatch(Array.from({ length: 400 }, (_, i) => ({ topic, key: `k${i}`, value: String(i) })))
    a.subscribe(topic)
    const itA = iterate(a)
    const seen: Message[] = await take(itA, 20)
    assert.deepEqual(events, ['a assigned 0,1,2,3'])
    const consume = async (it: AsyncIterator<Message>) => {
      for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value)
    }
    const loopA = consume(itA)
    // Every loop turn of the rebalance: assignments() shows no partition its listener was not told of.
    const unannounced: string[] = []
    let watching = true
    const watch = () => {
      for (const [who, c] of [['a', a], ['b', b]] as const) {
        for (const tp of c.assignments()) if (!told.get(who)!.has(tp.partition)) unannounced.push(`${who} ${tp.partition}`)
      }
      if (watching) setImmediate(watch)
    }
    watch()
    b.subscribe(topic)
    const loopB = consume(iterate(b))
    await until(() => a.assignments().length === 2 && b.assignments().length === 2 && seen.length >= 400, 'a 2/2 split and every record', 15_000)
    watching = false
    assert.deepEqual(unannounced, [], 'assignments() showed partitions before the assigned listener ran')
    const aParts = a.assignments().map((tp) => tp.partition).sort()
    const bParts = b.assignments().map((tp) => tp.partition).sort()
    assert.deepEqual([...aParts, ...bParts].sort(), [0, 1, 2, 3])
    // a revoked exactly the two partitions b now has, once; it was never told to drop the others.
    assert.deepEqual(events.filter((e) => e.startsWith('a ')), ['a assigned 0,1,2,3', `a revoked ${bParts.join(',')}`])
    assert.deepEqual(events.filter((e) => e.startsWith('b ')), [`b assigned ${bParts.join(',')}`])
    assert.equal(new Set(seen.map((m) => m.value!.toString())).size, 400)
    await Promise.all([a.close(), b.close()])
    await Promise.all([loopA, loopB])
  } finally {
    await a.close()
    await b.close()
    await producer.close()
    await broker.close()
  }
})
