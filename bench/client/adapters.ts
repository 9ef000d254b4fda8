// The three clients behind one interface for bench/client.ts: samsa/client, KafkaJS 2.2.4 and
// @platformatic/kafka, each used the way its documentation shows (KafkaJS and platformatic send
// arrays of messages per call; samsa sends one record per send() and lets the producer batch).
import { Kafka, logLevel } from 'kafkajs'
import { Consumer as PltConsumer, Producer as PltProducer } from '@platformatic/kafka'
import { Consumer, Producer } from '../../src/client/index.ts'

export interface ClientAdapter {
  name: string
  /** Produces `n` copies of `value` with acks=all; resolves when all are acknowledged. */
  produce(bootstrap: string, topic: string, n: number, value: Buffer): Promise<void>
  /** Consumes `n` records from the start of `topic`; returns the ms from first to last record. */
  consume(bootstrap: string, topic: string, n: number): Promise<number>
  /**
   * Sends `rate` messages/s for `warmupMs` and then `ms`, each carrying its send time; returns the
   * end-to-end latencies (ms) of the records sent after the warm-up.
   */
  latency(bootstrap: string, topic: string, rate: number, ms: number, warmupMs: number): Promise<number[]>
}

const CHUNK = 1000
const CONCURRENCY = 8
let groupSeq = 0
const group = (name: string) => `bench-${name}-${process.pid}-${++groupSeq}`

/** Runs `sendChunk` over n records in chunks of CHUNK, CONCURRENCY calls in flight. */
async function chunked(n: number, sendChunk: (count: number) => Promise<unknown>): Promise<void> {
  let left = n
  const lanes = Array.from({ length: CONCURRENCY }, async () => {
    while (left > 0) {
      const count = Math.min(CHUNK, left)
      left -= count
      await sendChunk(count)
    }
  })
  await Promise.all(lanes)
}

/** A record carrying its send time (performance.now(), ms) in its first 8 bytes. */
function stamped(size: number): Buffer {
  const b = Buffer.alloc(size)
  b.writeDoubleLE(performance.now(), 0)
  return b
}

/**
 * Latencies of the records stamped after the warm-up: the warm-up runs the same paced traffic
 * through the same producer and consumer (code paths compiled, heaps grown, the broker's fetch
 * long-poll path in use), as the throughput rows run a warm-up before they are timed.
 */
class Samples {
  readonly out: number[] = []
  since = Infinity
  // Warm-up latencies go through the same push as counted ones (then dropped), so that counting
  // does not start with a path the optimized consumer loop has never run (a deoptimization).
  private warm: number[] = []
  add(stamp: number): void {
    const to = stamp >= this.since ? this.out : this.warm
    to.push(performance.now() - stamp)
    if (this.warm.length >= 1024) this.warm.length = 0
  }
}

/** Paced traffic for `warmupMs` (not counted), then for `ms` (counted in `samples`). */
async function warmedPaced(samples: Samples, rate: number, warmupMs: number, ms: number, tick: (k: number) => void): Promise<void> {
  await paced(rate, warmupMs, tick)
  samples.since = performance.now()
  await paced(rate, ms, tick)
}

/** Calls `tick(k)` every ms with the number of records due, for `ms`. */
async function paced(rate: number, ms: number, tick: (k: number) => void): Promise<void> {
  const t0 = performance.now()
  let sent = 0
  while (performance.now() - t0 < ms) {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000) - sent
    if (due > 0) {
      tick(due)
      sent += due
    }
    await new Promise((r) => setTimeout(r, 1))
  }
}

export const samsa: ClientAdapter = {
  name: 'samsa/client',
  async produce(bootstrap, topic, n, value) {
    const p = new Producer({ bootstrapServers: bootstrap, batchSize: 512 * 1024, lingerMs: 5 })
    const sends = new Array<Promise<unknown>>(n)
    for (let i = 0; i < n; i++) sends[i] = p.send({ topic, value })
    await p.flush()
    await Promise.all(sends)
    await p.close()
  },
  async consume(bootstrap, topic, n) {
    const c = new Consumer({ bootstrapServers: bootstrap, groupId: group('samsa'), autoOffsetReset: 'earliest' })
    c.subscribe(topic)
    let count = 0
    let first = 0
    for await (const _ of c) {
      if (count++ === 0) first = performance.now()
      if (count === n) break
    }
    const ms = performance.now() - first
    await c.close()
    return ms
  },
  async latency(bootstrap, topic, rate, ms, warmupMs) {
    const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 0 })
    const c = new Consumer({ bootstrapServers: bootstrap, groupId: group('samsa-lat'), autoOffsetReset: 'latest' })
    c.subscribe(topic)
    const samples = new Samples()
    await p.send({ topic, value: stamped(100) })
    const it = c[Symbol.asyncIterator]()
    const reading = (async () => {
      for (let r = await it.next(); !r.done; r = await it.next()) samples.add(r.value.value!.readDoubleLE(0))
    })()
    await waitForAssignment(() => c.assignments().length > 0)
    await warmedPaced(samples, rate, warmupMs, ms, (k) => {
      for (let i = 0; i < k; i++) void p.send({ topic, value: stamped(100) })
    })
    await p.flush()
    const out = samples.out
    await settle(out, rate, ms)
    await c.close()
    await reading
    await p.close()
    return out
  },
}

/** samsa/client used in bulk: sendBatch() of the same 1,000-record arrays the others get, and batches(). */
export const samsaBulk: ClientAdapter = {
  name: 'samsa/client (bulk)',
  async produce(bootstrap, topic, n, value) {
    const p = new Producer({ bootstrapServers: bootstrap, batchSize: 512 * 1024, lingerMs: 5 })
    const records = Array.from({ length: CHUNK }, () => ({ topic, value }))
    const sends: Promise<unknown>[] = []
    for (let left = n; left > 0; left -= CHUNK) sends.push(p.sendBatch(left >= CHUNK ? records : records.slice(0, left)))
    await Promise.all(sends)
    await p.close()
  },
  async consume(bootstrap, topic, n) {
    const c = new Consumer({ bootstrapServers: bootstrap, groupId: group('samsa-bulk'), autoOffsetReset: 'earliest' })
    c.subscribe(topic)
    let count = 0
    let first = 0
    for await (const batch of c.batches()) {
      if (count === 0) first = performance.now()
      count += batch.length
      if (count >= n) break
    }
    const ms = performance.now() - first
    await c.close()
    return ms
  },
  latency: (bootstrap, topic, rate, ms, warmupMs) => samsa.latency(bootstrap, topic, rate, ms, warmupMs),
}

async function waitForAssignment(ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('consumer got no assignment')
    await new Promise((r) => setTimeout(r, 20))
  }
  await new Promise((r) => setTimeout(r, 200))
}

/** Waits until the latency samples stop growing. */
async function settle(out: number[], rate: number, ms: number): Promise<void> {
  const expected = Math.floor((rate * ms) / 1000) * 0.95
  const deadline = Date.now() + 5000
  while (out.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  await new Promise((r) => setTimeout(r, 100))
}

const kafkaJs = (bootstrap: string) => new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING })

export const kafkajs: ClientAdapter = {
  name: 'KafkaJS 2.2.4',
  async produce(bootstrap, topic, n, value) {
    const p = kafkaJs(bootstrap).producer()
    await p.connect()
    const messages = Array.from({ length: CHUNK }, () => ({ value }))
    await chunked(n, (count) => p.send({ topic, acks: -1, messages: count === CHUNK ? messages : messages.slice(0, count) }))
    await p.disconnect()
  },
  async consume(bootstrap, topic, n) {
    const c = kafkaJs(bootstrap).consumer({ groupId: group('kafkajs') })
    await c.connect()
    await c.subscribe({ topic, fromBeginning: true })
    let count = 0
    let first = 0
    const ms = await new Promise<number>((resolve) => {
      void c.run({
        eachBatch: async ({ batch }) => {
          if (count === 0) first = performance.now()
          count += batch.messages.length
          if (count >= n) resolve(performance.now() - first)
        },
      })
    })
    await c.disconnect()
    return ms
  },
  async latency(bootstrap, topic, rate, ms, warmupMs) {
    const kafka = kafkaJs(bootstrap)
    const p = kafka.producer()
    const c = kafka.consumer({ groupId: group('kafkajs-lat') })
    await Promise.all([p.connect(), c.connect()])
    await p.send({ topic, messages: [{ value: stamped(100) }] })
    await c.subscribe({ topic, fromBeginning: false })
    const samples = new Samples()
    let joined = false
    c.on(c.events.GROUP_JOIN, () => (joined = true))
    await c.run({ eachMessage: async ({ message }) => samples.add(message.value!.readDoubleLE(0)) })
    await waitForAssignment(() => joined)
    await warmedPaced(samples, rate, warmupMs, ms, (k) => void p.send({ topic, acks: -1, messages: Array.from({ length: k }, () => ({ value: stamped(100) })) }))
    const out = samples.out
    await settle(out, rate, ms)
    await c.disconnect()
    await p.disconnect()
    return out
  },
}

export const platformatic: ClientAdapter = {
  name: '@platformatic/kafka 1.35',
  async produce(bootstrap, topic, n, value) {
    const p = new PltProducer({ clientId: 'bench', bootstrapBrokers: [bootstrap], acks: -1, autocreateTopics: true })
    const messages = Array.from({ length: CHUNK }, () => ({ topic, value }))
    await chunked(n, (count) => p.send({ messages: count === CHUNK ? messages : messages.slice(0, count) }))
    await p.close()
  },
  async consume(bootstrap, topic, n) {
    const c = new PltConsumer({ clientId: 'bench', groupId: group('plt'), bootstrapBrokers: [bootstrap] })
    const stream = await c.consume({ topics: [topic], mode: 'earliest', autocommit: false })
    let count = 0
    let first = 0
    for await (const _ of stream) {
      if (count++ === 0) first = performance.now()
      if (count === n) break
    }
    const ms = performance.now() - first
    await stream.close()
    await c.close()
    return ms
  },
  async latency(bootstrap, topic, rate, ms, warmupMs) {
    const p = new PltProducer({ clientId: 'bench', bootstrapBrokers: [bootstrap], acks: -1, autocreateTopics: true })
    const c = new PltConsumer({ clientId: 'bench', groupId: group('plt-lat'), bootstrapBrokers: [bootstrap] })
    await p.send({ messages: [{ topic, value: stamped(100) }] })
    const stream = await c.consume({ topics: [topic], mode: 'latest', autocommit: false })
    const samples = new Samples()
    stream.on('data', (m: { value: Buffer }) => samples.add(m.value.readDoubleLE(0)))
    await new Promise((r) => setTimeout(r, 1000))
    await warmedPaced(samples, rate, warmupMs, ms, (k) => void p.send({ messages: Array.from({ length: k }, () => ({ topic, value: stamped(100) })) }))
    const out = samples.out
    await settle(out, rate, ms)
    await stream.close()
    await c.close()
    await p.close()
    return out
  },
}

export const ADAPTERS: readonly ClientAdapter[] = [samsa, samsaBulk, kafkajs, platformatic]
