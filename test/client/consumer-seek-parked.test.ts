// A consumer at the end of its partition has a fetch parked at the broker for up to
// fetch.max.wait.ms. Seeking then must not wait for that long poll: the moved partition is
// fetched at once on the consumer's second fetch connection, and the parked fetch's answer for
// the old position is dropped (no record twice, none from the old position).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Consumer, Producer } from '../../src/client/index.ts'
import { iterate, take, testBroker, topicName, until } from './helpers.ts'

test('seek while the fetch is parked: records from the new position come before fetch.max.wait.ms', { timeout: 20_000 }, async () => {
  const broker = await testBroker({ 'admin.listeners': 'http://127.0.0.1:0' })
  const topic = topicName()
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  const maxWaitMs = 15_000
  const c = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest', fetchMaxWaitMs: maxWaitMs })
  try {
    await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic, value: String(i) })))
    const tp = { topic, partition: 0 }
    c.assign([tp])
    const it = iterate(c)
    assert.deepEqual((await take(it, 5)).map((m) => m.offset), [0, 1, 2, 3, 4])
    // The next fetch finds nothing and waits in the broker's purgatory.
    const parked = async () => /samsa_purgatory_size\{purgatory="fetch"\} [1-9]/.test(await (await fetch(broker.metricsUrl!)).text())
    await until(parked, 'a parked fetch')
    const t0 = performance.now()
    c.seek({ ...tp, offset: 2 })
    const again = await take(it, 3, maxWaitMs)
    const ms = performance.now() - t0
    assert.deepEqual(again.map((m) => m.offset), [2, 3, 4])
    assert.ok(ms < maxWaitMs / 3, `records after the seek took ${ms.toFixed(0)} ms (parked fetch waits ${maxWaitMs} ms)`)
    // The parked fetch still covers the old position; a new record is read once.
    await producer.send({ topic, value: '5' })
    assert.deepEqual((await take(it, 1, maxWaitMs)).map((m) => m.offset), [5])
  } finally {
    await c.close()
    await producer.close()
    await broker.close()
  }
})
