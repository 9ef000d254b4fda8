// The producer against a real Samsa broker: delivery results, ordering, codecs, headers and
// timestamps, acks, back pressure, and idempotent retries that neither lose nor duplicate.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../src/broker/index.ts'
import { Admin, Consumer, Producer, keyPartition } from '../../src/client/index.ts'
import type { Message, ProducerOptions } from '../../src/client/index.ts'
import { FaultProxy } from './proxy.ts'
import { iterate, take, testBroker, topicName } from './helpers.ts'

async function readAll(bootstrap: string, topic: string, partitions: number[], n: number): Promise<Message[]> {
  const c = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', autoCommit: false })
  c.assign(partitions.map((partition) => ({ topic, partition })))
  try {
    return await take(iterate(c), n)
  } finally {
    await c.close()
  }
}

test('send resolves to topic, partition and offset; keyed records keep their order per partition', async () => {
  const broker = await testBroker({ 'num.partitions': 4 })
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 2 })
  try {
    const topic = topicName()
    const sends = []
    for (let i = 0; i < 2000; i++) sends.push(producer.send({ topic, key: `k${i % 10}`, value: `v${i}` }))
    const results = await Promise.all(sends)
    for (let i = 0; i < results.length; i++) {
      assert.equal(results[i]!.topic, topic)
      assert.equal(results[i]!.partition, keyPartition(Buffer.from(`k${i % 10}`), 4))
    }
    // Offsets per partition are dense and in send order.
    const byPartition = new Map<number, number[]>()
    for (const r of results) (byPartition.get(r.partition) ?? byPartition.set(r.partition, []).get(r.partition)!).push(r.offset)
    for (const offsets of byPartition.values()) assert.deepEqual(offsets, offsets.map((_, i) => i))
    const m = producer.metrics()
    assert.equal(m.recordsSent, 2000)
    assert.equal(m.recordErrors, 0)
    assert.ok(m.requests > 0 && m.bytesSent > 2000 * 5 && m.recordsPerSec > 0)
    const got = await readAll(broker.bootstrap, topic, [0, 1, 2, 3], 2000)
    for (let k = 0; k < 10; k++) {
      const values = got.filter((m) => m.key!.toString() === `k${k}`).map((m) => Number(m.value!.toString().slice(1)))
      assert.deepEqual(values, [...values].sort((a, b) => a - b))
      assert.equal(values.length, 200)
    }
  } finally {
    await producer.close()
    await broker.close()
  }
})

test('every codec, headers, timestamps and null values survive the round trip', async () => {
  const broker = await testBroker()
  try {
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const producer = new Producer({ bootstrapServers: broker.bootstrap, compression })
      const topic = topicName(compression)
      const sent = await producer.sendBatch([
        { topic, key: 'a', value: 'x'.repeat(1000), headers: { h1: 'one', h2: Buffer.from([1, 2]) }, timestamp: 1_700_000_000_000 },
        { topic, key: null, value: null, headers: [{ key: 'dup', value: 'a' }, { key: 'dup', value: null }] },
        { topic, value: Buffer.alloc(3, 7) },
      ])
      assert.deepEqual(sent.map((s) => s.offset), [0, 1, 2])
      await producer.close()
      const [m0, m1, m2] = await readAll(broker.bootstrap, topic, [0], 3)
      assert.equal(m0!.value!.toString(), 'x'.repeat(1000), compression)
      assert.equal(m0!.timestamp, 1_700_000_000_000)
      assert.deepEqual(m0!.headers.map((h) => [h.key, h.value && [...h.value]]), [['h1', [...Buffer.from('one')]], ['h2', [1, 2]]])
      assert.equal(m1!.key, null)
      assert.equal(m1!.value, null)
      assert.deepEqual(m1!.headers.map((h) => [h.key, h.value?.toString() ?? null]), [['dup', 'a'], ['dup', null]])
      assert.deepEqual([...m2!.value!], [7, 7, 7])
    }
  } finally {
    await broker.close()
  }
})

test('acks 0 and 1 deliver; acks 0 reports offset -1', async () => {
  const broker = await testBroker()
  try {
    const topic = topicName()
    for (const acks of [0, 1] as const) {
      const producer = new Producer({ bootstrapServers: broker.bootstrap, acks })
      const r = await producer.send({ topic, value: `acks${acks}` })
      assert.equal(r.offset, acks === 0 ? -1 : 1)
      await producer.close()
    }
    const got = await readAll(broker.bootstrap, topic, [0], 2)
    assert.deepEqual(got.map((m) => m.value!.toString()), ['acks0', 'acks1'])
  } finally {
    await broker.close()
  }
})

test('buffer.memory is a bound: send() waits instead of buffering without limit', async () => {
  const broker = await testBroker()
  const bufferMemory = 64 * 1024
  const producer = new Producer({ bootstrapServers: broker.bootstrap, bufferMemory, batchSize: 8 * 1024, lingerMs: 0 })
  try {
    const topic = topicName()
    await producer.send({ topic, value: 'warm-up' })
    const value = Buffer.alloc(1024, 1)
    const acc = (producer as unknown as { acc: { bufferedBytes: number } }).acc
    let peak = 0
    const sends = []
    for (let i = 0; i < 3000; i++) {
      sends.push(producer.send({ topic, value }))
      peak = Math.max(peak, acc.bufferedBytes)
    }
    const results = await Promise.all(sends)
    assert.deepEqual(results.map((r) => r.offset), results.map((_, i) => i + 1))
    // Bounded by buffer.memory plus the records appended while it was last below the bound.
    assert.ok(peak <= bufferMemory + 2 * 1100, `peak ${peak} bytes buffered`)
  } finally {
    await producer.close()
    await broker.close()
  }
})

async function produceThroughDroppingProxy(idempotent: boolean): Promise<string[]> {
  // The broker advertises the proxy, so every connection (bootstrap and leader) goes through it.
  let target = { host: '127.0.0.1', port: 0 }
  const proxy = await FaultProxy.start(() => target)
  const broker = await startBroker({
    config: { 'offsets.topic.num.partitions': 1, 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` },
  })
  target = { host: broker.host, port: broker.port }
  const options: ProducerOptions = { bootstrapServers: `127.0.0.1:${proxy.port}`, lingerMs: 1, batchSize: 2048, retryBackoffMs: 20, idempotent, acks: 'all' }
  const producer = new Producer(options)
  try {
    const topic = topicName(idempotent ? 'idem' : 'plain')
    await producer.send({ topic, value: 'first' })
    // Drop the next three Produce responses: each time the broker has appended the batch, the
    // client sees a closed connection and retries.
    proxy.dropApiKey = 0
    proxy.dropResponses = 3
    const sends = []
    for (let i = 0; i < 3000; i++) sends.push(producer.send({ topic, value: `m${i}` }))
    await Promise.all(sends)
    assert.equal(proxy.dropped, 3)
    const admin = new Admin({ bootstrapServers: `127.0.0.1:${proxy.port}` })
    const [end] = await admin.listOffsets([{ topic, partition: 0 }])
    await admin.close()
    const values = (await readAll(`127.0.0.1:${proxy.port}`, topic, [0], end!.offset)).map((m) => m.value!.toString())
    return values
  } finally {
    await producer.close()
    await broker.close()
    await proxy.close()
  }
}

test('idempotent retries after lost responses: no loss, no duplicates, order kept', { timeout: 30_000 }, async () => {
  const values = await produceThroughDroppingProxy(true)
  assert.equal(values.length, 3001)
  assert.deepEqual(values, ['first', ...Array.from({ length: 3000 }, (_, i) => `m${i}`)])
})

test('the same fault without idempotence duplicates records (what idempotence prevents)', { timeout: 30_000 }, async () => {
  const values = await produceThroughDroppingProxy(false)
  assert.ok(values.length > 3001, `expected duplicates, got ${values.length} records`)
  assert.equal(new Set(values).size, 3001)
})
