// samsa/client's ShareConsumer against an in-process broker: two members of one share group on a
// one-partition topic get disjoint records; a released record comes back to the other member with
// delivery count 2; accepted ones never come back; close() releases what a member still holds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Producer, ShareConsumer } from '../../src/client/index.ts'
import type { ShareMessage } from '../../src/client/index.ts'
import { testBroker, topicName } from './helpers.ts'

test('ShareConsumer: disjoint records, release redelivers, accept is final, close releases', { timeout: 20_000 }, async () => {
  const broker = await testBroker({ 'num.partitions': 1 })
  const topic = topicName()
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const opts = { bootstrapServers: broker.bootstrap, groupId: 'queue', maxRecords: 5, maxWaitMs: 100 }
  const a = new ShareConsumer(opts)
  const b = new ShareConsumer(opts)
  try {
    await producer.send({ topic, value: 'warm-up' })
    await a.subscribe([topic])
    await b.subscribe([topic])
    // The share-partition starts at the log end (share.auto.offset.reset=latest).
    assert.deepEqual(await a.poll(), [])
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, value: `m${i}` })))
    const gotA = await a.poll()
    const gotB = await b.poll()
    const values = (ms: ShareMessage[]) => ms.map((m) => m.value?.toString())
    assert.equal(gotA.length + gotB.length, 10)
    assert.deepEqual([...values(gotA), ...values(gotB)].sort(), Array.from({ length: 10 }, (_, i) => `m${i}`).sort())
    for (const m of [...gotA, ...gotB]) assert.equal(m.deliveryCount, 1)
    // A accepts its first record and releases the rest; B accepts everything.
    for (const [i, m] of gotA.entries()) a.acknowledge(m, i === 0 ? 'accept' : 'release')
    await a.commit()
    for (const m of gotB) b.acknowledge(m)
    const again = await b.poll()
    assert.deepEqual(values(again).sort(), values(gotA.slice(1)).sort())
    for (const m of again) assert.equal(m.deliveryCount, 2)
    // B closes holding them: they go back, and A gets them (delivery 3).
    await b.close()
    const last = await a.poll()
    assert.deepEqual(values(last).sort(), values(gotA.slice(1)).sort())
    for (const m of last) { assert.equal(m.deliveryCount, 3); a.acknowledge(m) }
    await a.commit()
    assert.deepEqual(await a.poll(), [])
  } finally {
    await a.close()
    await b.close()
    await producer.close()
  }
})
