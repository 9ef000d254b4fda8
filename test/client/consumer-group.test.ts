// Consumer groups on a real broker: two members split the partitions and together read every
// record once; a slow handler keeps its assignment (heartbeats do not wait for it) until it
// exceeds max.poll.interval.ms, when it leaves and rejoins at its next poll.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin, Consumer, Producer } from '../../src/client/index.ts'
import type { Message } from '../../src/client/index.ts'
import { iterate, take, testBroker, topicName, until } from './helpers.ts'

test('two consumers share a topic: disjoint assignments, every record read once', { timeout: 20_000 }, async () => {
  const broker = await testBroker({ 'num.partitions': 4 })
  const topic = topicName()
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const opts = { bootstrapServers: broker.bootstrap, groupId: 'g2', autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 100, sessionTimeoutMs: 3000 }
  const a = new Consumer(opts)
  const b = new Consumer(opts)
  try {
    await producer.sendBatch(Array.from({ length: 400 }, (_, i) => ({ topic, key: `k${i}`, value: String(i) })))
    a.subscribe(topic)
    const itA = iterate(a)
    const first = await take(itA, 50)
    assert.equal(a.assignments().length, 4)
    const seen: Message[] = [...first]
    // Each member polls in its own loop (as an application would); A notices the rebalance
    // caused by B at its next poll.
    const consume = async (it: AsyncIterator<Message>) => {
      for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value)
    }
    const loopA = consume(itA)
    b.subscribe(topic)
    const loopB = consume(iterate(b))
    await until(() => seen.length >= 400 && a.assignments().length === 2 && b.assignments().length === 2, 'all records and a 2/2 split', 15_000)
    await until(() => a.assignments().length === 2 && b.assignments().length === 2, 'a 2/2 split')
    const keys = (c: Consumer) => c.assignments().map((p) => p.partition)
    assert.deepEqual([...keys(a), ...keys(b)].sort(), [0, 1, 2, 3])
    const values = seen.map((m) => Number(m.value!.toString()))
    assert.equal(new Set(values).size, 400)
    assert.equal(values.length, 400, 'no record read twice')
    await Promise.all([a.close(), b.close()])
    await Promise.all([loopA, loopB])
  } finally {
    await a.close()
    await b.close()
    await producer.close()
    await broker.close()
  }
})

test('a handler slower than the session timeout keeps its assignment; one slower than max.poll.interval.ms leaves', { timeout: 20_000 }, async () => {
  const broker = await testBroker()
  const topic = topicName()
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  const c = new Consumer({
    bootstrapServers: broker.bootstrap, groupId: 'slow', autoOffsetReset: 'earliest',
    sessionTimeoutMs: 500, heartbeatIntervalMs: 100, maxPollIntervalMs: 2500,
  })
  try {
    await producer.sendBatch([{ topic, value: 'a' }, { topic, value: 'b' }, { topic, value: 'c' }])
    c.subscribe(topic)
    const it = iterate(c)
    const [m1] = await take(it, 1)
    assert.equal(m1!.value!.toString(), 'a')
    const before = await admin.describeGroup('slow')
    assert.equal(before.state, 'Stable')
    // Hold the message for 3x the session timeout: heartbeats keep the member in.
    await sleep(1500)
    const during = await admin.describeGroup('slow')
    assert.equal(during.state, 'Stable')
    assert.deepEqual(during.members.map((m) => m.memberId), before.members.map((m) => m.memberId))
    const [m2] = await take(it, 1)
    assert.equal(m2!.value!.toString(), 'b')
    // Now hold a message past max.poll.interval.ms: the member leaves the group.
    await until(async () => (await admin.describeGroup('slow')).members.length === 0, 'the member to leave', 6000)
    assert.equal(c.assignments().length, 0)
    // Its next poll rejoins; 'b' was processed before the timeout, so it continues at 'c'
    // ('b' again only if its commit was lost: at-least-once).
    const [m3] = await take(it, 1)
    assert.ok(['b', 'c'].includes(m3!.value!.toString()))
    assert.equal((await admin.describeGroup('slow')).members.length, 1)
  } finally {
    await c.close()
    await admin.close()
    await producer.close()
    await broker.close()
  }
})

test('manual assignment: seek, commit, committed offsets and restart from them', { timeout: 20_000 }, async () => {
  const broker = await testBroker()
  const topic = topicName()
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  try {
    const t0 = Date.now()
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, value: String(i), timestamp: t0 + i * 1000 })))
    const tp = { topic, partition: 0 }
    const c = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'manual', autoCommit: false, autoOffsetReset: 'earliest' })
    c.assign([tp])
    const it = iterate(c)
    assert.deepEqual((await take(it, 3)).map((m) => m.offset), [0, 1, 2])
    const metrics = c.metrics()
    assert.equal(metrics.recordsConsumed, 3)
    assert.deepEqual(metrics.partitions.map((p) => [p.highWatermark, p.lag]), [[10, 10 - metrics.partitions[0]!.position]])
    c.seek({ ...tp, offset: 7 })
    assert.deepEqual((await take(it, 1)).map((m) => m.offset), [7])
    await c.seekToTimestamp(t0 + 4500)
    assert.deepEqual((await take(it, 1)).map((m) => m.offset), [5])
    await c.seekToBeginning()
    assert.deepEqual((await take(it, 1)).map((m) => m.offset), [0])
    await c.commit([{ ...tp, offset: 6 }])
    assert.deepEqual((await c.committed()).map((o) => o.offset), [6])
    await c.close()
    const again = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'manual', autoCommit: false })
    again.assign([tp])
    assert.deepEqual((await take(iterate(again), 4)).map((m) => m.value!.toString()), ['6', '7', '8', '9'])
    await again.close()
  } finally {
    await producer.close()
    await broker.close()
  }
})

test('batches() hands out bounded batches; pause stops a partition until resume', { timeout: 20_000 }, async () => {
  const broker = await testBroker({ 'num.partitions': 2 })
  const topic = topicName()
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const c = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest', maxBatchRecords: 7 })
  try {
    await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic, partition: i % 2, value: String(i) })))
    c.assign([{ topic, partition: 0 }, { topic, partition: 1 }])
    c.pause([{ topic, partition: 1 }])
    const it = c.batches()[Symbol.asyncIterator]()
    let n = 0
    while (n < 25) {
      const r = await it.next()
      assert.ok(r.value!.length <= 7)
      assert.ok(r.value!.every((m: Message) => m.partition === 0))
      n += r.value!.length
    }
    c.resume([{ topic, partition: 1 }])
    const r = await it.next()
    assert.ok(r.value!.every((m: Message) => m.partition === 1))
  } finally {
    await c.close()
    await producer.close()
    await broker.close()
  }
})

test('close() while the poll loop is inside a rejoin ends the iteration', { timeout: 20_000 }, async () => {
  const broker = await testBroker()
  const topic = topicName()
  const c = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'closing', autoOffsetReset: 'earliest', heartbeatIntervalMs: 100 })
  try {
    // The join completes only after close() has run: the loop then finds nothing buffered and
    // used to wait for data from a stopped fetcher forever (seen as a rare hang in the test above).
    const group = (c as unknown as { group: { join: (...a: unknown[]) => Promise<unknown> } }).group
    const join = group.join.bind(group)
    let closing!: () => void
    const closed = new Promise<void>((resolve) => { closing = resolve })
    let joined = false
    group.join = async (...args: unknown[]) => {
      const assigned = await join(...args)
      joined = true
      await closed
      return assigned
    }
    c.subscribe(topic)
    const it = iterate(c)
    const next = it.next()
    await until(() => joined, 'the join')
    await c.close()
    closing()
    assert.deepEqual(await next, { value: undefined, done: true })
  } finally {
    await c.close()
    await broker.close()
  }
})
