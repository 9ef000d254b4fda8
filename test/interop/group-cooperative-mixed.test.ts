// A cooperative-sticky group mixing samsa/client and librdkafka (python confluent_kafka) members:
// the samsa member owns every partition, a librdkafka member joins (and later leaves), and the
// samsa member revokes only the partitions that move to it — then takes them back.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Consumer, Producer } from '../../src/client/index.ts'
import type { Message, TopicPartition } from '../../src/client/index.ts'
import { runPython } from '../helpers/run.ts'
import { iterate, take, testBroker, topicName, until } from '../client/helpers.ts'

// Joins, polls until its assignment has been stable for 2 s (at most 12 s), then closes (leaving the group).
const CK_MEMBER = `
import sys, json, time
from confluent_kafka import Consumer
b, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
events = []
owned = set()
last = [time.time()]
def on_assign(c, parts):
    events.append(['assign', sorted(tp.partition for tp in parts)])
    owned.update(tp.partition for tp in parts)
    c.incremental_assign(parts)
    last[0] = time.time()
def on_revoke(c, parts):
    events.append(['revoke', sorted(tp.partition for tp in parts)])
    owned.difference_update(tp.partition for tp in parts)
    c.incremental_unassign(parts)
    last[0] = time.time()
c = Consumer({'bootstrap.servers': b, 'group.id': group, 'partition.assignment.strategy': 'cooperative-sticky',
              'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 300})
c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
count = 0
deadline = time.time() + 12
while time.time() < deadline and not (owned and time.time() - last[0] > 2):
    m = c.poll(0.1)
    if m is not None and not m.error(): count += 1
held = sorted(owned)
c.close()
print(json.dumps({'events': events, 'held': held, 'count': count}))
`

test('cooperative-sticky group of samsa/client and librdkafka members: only moved partitions are revoked', { timeout: 20_000 }, async () => {
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
    const py = runPython(CK_MEMBER, [broker.bootstrap, topic, 'coop-mixed'], { modules: ['confluent_kafka'], timeoutMs: 16_000 })
    const out = JSON.parse((await py).stdout.trim().split('\n').pop()!) as { events: [string, number[]][]; held: number[] }
    assert.equal(out.held.length, 2, `the librdkafka member held two partitions: ${JSON.stringify(out)}`)
    // First an empty assignment (the partitions were still the samsa member's), then the two.
    assert.deepEqual(out.events.filter(([kind, ps]) => kind === 'assign' && ps.length > 0), [['assign', out.held]], JSON.stringify(out.events))
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
