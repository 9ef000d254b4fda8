// A cooperative-sticky group mixing samsa/client and librdkafka (python confluent_kafka) members:
// the samsa member owns every partition, a librdkafka member joins (and later leaves), and the
// samsa member revokes only the partitions that move to it — then takes them back.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Consumer, Producer } from '../../src/client/index.ts'
import type { Message, TopicPartition } from '../../src/client/index.ts'
import { runPython } from '../helpers/run.ts'
import { iterate, take, testBroker, topicName, until } from '../client/helpers.ts'

// A librdkafka cooperative-sticky member (argv: bootstrap, topic, group, heartbeat ms) recording
// its assignments and revocations with their times; the scripts below add how long it stays.
const CK_COOPERATIVE = `
import sys, json, time
from confluent_kafka import Consumer
b, topic, group, heartbeat_ms = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
events = []
owned = set()
most = [0]
last = [time.time()]
def on_assign(c, parts):
    events.append(['assign', sorted(tp.partition for tp in parts), time.time()])
    owned.update(tp.partition for tp in parts)
    most[0] = max(most[0], len(owned))
    c.incremental_assign(parts)
    last[0] = time.time()
def on_revoke(c, parts):
    events.append(['revoke', sorted(tp.partition for tp in parts), time.time()])
    owned.difference_update(tp.partition for tp in parts)
    c.incremental_unassign(parts)
    last[0] = time.time()
c = Consumer({'bootstrap.servers': b, 'group.id': group, 'partition.assignment.strategy': 'cooperative-sticky',
              'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': heartbeat_ms})
c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
`

// Joins, polls until its assignment has been stable for 2 s (at most 30 s: a bound, not a wait), then closes (leaving the group).
const CK_MEMBER = CK_COOPERATIVE + `
count = 0
deadline = time.time() + 30
while time.time() < deadline and not (owned and time.time() - last[0] > 2):
    m = c.poll(0.1)
    if m is not None and not m.error(): count += 1
held = sorted(owned)
c.close()
print(json.dumps({'events': events, 'held': held, 'count': count}))
`

test('cooperative-sticky group of samsa/client and librdkafka members: only moved partitions are revoked', { timeout: 60_000 }, async () => {
  const broker = await testBroker({ 'num.partitions': 4, 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 })
  const topic = topicName('coop-mixed')
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const events: string[] = []
  const fmt = (l: TopicPartition[]) => l.map((tp) => tp.partition).sort().join(',')
  const a = new Consumer({
    bootstrapServers: broker.bootstrap, groupId: 'coop-mixed', autoOffsetReset: 'earliest', heartbeatIntervalMs: 100, sessionTimeoutMs: 6000,
    assignors: ['cooperative-sticky'],
    rebalanceListener: { revoked: (l) => void events.push(`revoked ${fmt(l)}`), assigned: (l) => void events.push(`assigned ${fmt(l)}`) },
  })
  try {
    await producer.sendBatch(Array.from({ length: 200 }, (_, i) => ({ topic, key: `k${i}`, value: String(i) })))
    a.subscribe(topic)
    const it = iterate(a)
    const seen: Message[] = await take(it, 10)
    const loop = (async () => {
      for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value)
    })()
    const py = runPython(CK_MEMBER, [broker.bootstrap, topic, 'coop-mixed', '300'], { modules: ['confluent_kafka'], timeoutMs: 45_000 })
    const out = JSON.parse((await py).stdout.trim().split('\n').pop()!) as { events: [string, number[], number][]; held: number[] }
    assert.equal(out.held.length, 2, `the librdkafka member held two partitions: ${JSON.stringify(out)}`)
    // First an empty assignment (the partitions were still the samsa member's), then the two.
    assert.deepEqual(out.events.filter(([kind, ps]) => kind === 'assign' && ps.length > 0).map(([kind, ps]) => [kind, ps]), [['assign', out.held]], JSON.stringify(out.events))
    // It left: the samsa member takes its partitions back without giving up its own.
    await until(() => a.assignments().length === 4, `the samsa member owns all four again (events: ${events.join('; ')})`, 10_000)
    const moved = out.held.join(',')
    assert.deepEqual(events, ['assigned 0,1,2,3', `revoked ${moved}`, `assigned ${moved}`], `librdkafka member: ${JSON.stringify(out.events)}`)
    await a.close()
    await loop
  } finally {
    await a.close()
    await producer.close()
    await broker.close()
  }
})

// The librdkafka member joins first, so it leads the group and computes the cooperative
// assignments; it stays until it has given two partitions away and held the other two for 1 s.
const CK_LEADER = CK_COOPERATIVE + `
deadline = time.time() + 30
while time.time() < deadline and not (most[0] == 4 and len(owned) == 2 and time.time() - last[0] > 1):
    c.poll(0.1)
held = sorted(owned)
before_close = list(events)  # close() revokes what it holds: not part of the hand-over
c.close()
print(json.dumps({'events': before_close, 'held': held}))
`

test('cooperative-sticky with librdkafka as the group leader: the samsa member gets partitions only after they were revoked', { timeout: 60_000 }, async () => {
  const broker = await testBroker({ 'num.partitions': 4, 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 })
  const topic = topicName('coop-rdk-leader')
  const group = topicName('coop-rdk-leader-g')
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  const timeline: { kind: string; partitions: number[]; at: number }[] = []
  const b = new Consumer({
    bootstrapServers: broker.bootstrap, groupId: group, autoOffsetReset: 'earliest', heartbeatIntervalMs: 100, sessionTimeoutMs: 6000,
    assignors: ['cooperative-sticky'],
    rebalanceListener: {
      revoked: (l) => void timeline.push({ kind: 'revoked', partitions: l.map((tp) => tp.partition).sort(), at: Date.now() }),
      assigned: (l) => void timeline.push({ kind: 'assigned', partitions: l.map((tp) => tp.partition).sort(), at: Date.now() }),
    },
  })
  try {
    await admin.createTopics([{ topic, numPartitions: 4 }])
    const py = runPython(CK_LEADER, [broker.bootstrap, topic, group, '200'], { modules: ['confluent_kafka'], timeoutMs: 45_000 })
    // Join only once the librdkafka member is the group's one stable member, holding everything.
    await until(async () => {
      const g = await admin.describeGroup(group).catch(() => null)
      return g !== null && g.state === 'Stable' && g.members.length === 1 && g.members[0]!.assignment.length === 4
    }, 'the librdkafka member leading a stable group', 30_000)
    b.subscribe(topic)
    const it = iterate(b)
    const loop = (async () => {
      for (let r = await it.next(); !r.done; r = await it.next()) { /* consume */ }
    })()
    const out = JSON.parse((await py).stdout.trim().split('\n').pop()!) as { events: [string, number[], number][]; held: number[] }
    const given = out.events.filter(([k]) => k === 'revoke').flatMap(([, ps]) => ps)
    assert.equal(out.held.length, 2, `librdkafka kept two partitions: ${JSON.stringify(out)}`)
    assert.deepEqual(given.sort(), [0, 1, 2, 3].filter((p) => !out.held.includes(p)), `it revoked exactly the two that moved: ${JSON.stringify(out.events)} samsa: ${JSON.stringify(timeline)}`)
    const revokedAt = Math.max(...out.events.filter(([k]) => k === 'revoke').map(([, , at]) => at * 1000))
    const gotMoved = timeline.find((e) => e.kind === 'assigned' && e.partitions.length > 0)
    assert.ok(gotMoved !== undefined, `samsa member events: ${JSON.stringify(timeline)}`)
    assert.deepEqual(gotMoved.partitions, given, 'the samsa member got exactly the revoked partitions')
    assert.ok(gotMoved.at >= revokedAt, 'never owned by both: assigned after the leader revoked them')
    // The leader left: the samsa member (now leading) takes the other two without revoking its own.
    await until(() => b.assignments().length === 4, `the samsa member owns all four (events: ${JSON.stringify(timeline)})`, 10_000)
    assert.ok(!timeline.some((e) => e.kind === 'revoked' && e.partitions.length > 0), 'it never gave anything up')
    await b.close()
    await loop
  } finally {
    await b.close()
    await admin.close()
    await broker.close()
  }
})
