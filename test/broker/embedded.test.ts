// startBroker() is what a user's test suite embeds: a consumer group forms without Kafka's 3 s
// initial rebalance delay, and close() returns promptly with a real client still attached.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel } from 'kafkajs'
import { pino } from 'pino'
import { startBroker } from '../../src/broker/index.ts'

test('startBroker: a KafkaJS consumer gets its first record quickly, and close() returns promptly with it attached', async () => {
  // Few offsets partitions, as test suites configure it: close() then measures the network side,
  // not fsyncs of 50 logs on a loaded machine.
  const warnings: string[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line) } })
  const broker = await startBroker({ logger, config: { 'offsets.topic.num.partitions': 5 } })
  const kafka = new Kafka({ clientId: 'embedded-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const consumer = kafka.consumer({ groupId: 'g', retry: { retries: 0, restartOnFailure: async () => false } })
  const producer = kafka.producer()
  let closed = false
  try {
    await producer.connect()
    await producer.send({ topic: 't', messages: [{ value: 'hello' }] })
    await producer.disconnect()
    await consumer.connect()
    await consumer.subscribe({ topic: 't', fromBeginning: true })
    const t0 = Date.now()
    const got = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) })
    })
    assert.equal(await got, 'hello')
    // With group.initial.rebalance.delay.ms at Kafka's 3000 the join alone takes at least 3 s.
    const joinMs = Date.now() - t0
    assert.ok(joinMs < 3000, `first record after ${joinMs} ms`)
    // The consumer is attached and long-polling; the broker closes its socket rather than wait.
    const t1 = Date.now()
    await broker.close()
    closed = true
    const closeMs = Date.now() - t1
    // ~100 ms on an idle machine; it waited 5 s for KafkaJS to close its side before. The margin
    // is for a loaded machine (closing the logs fsyncs them).
    assert.ok(closeMs < 1500, `close() took ${closeMs} ms with a consumer attached`)
    // No noise: creating __consumer_offsets is the broker's own business (no '.'/'_' warning).
    assert.deepEqual(warnings, [])
  } finally {
    if (!closed) await broker.close()
    await consumer.disconnect().catch(() => {})
  }
})
