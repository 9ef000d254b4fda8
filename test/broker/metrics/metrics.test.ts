// /metrics, /health and /ready on admin.listeners, read as Prometheus would (a text-format parser),
// driven by a real client (KafkaJS): consumer lag rises by exactly what was produced after the
// group's last commit and falls to 0 once it is consumed; traffic counters move with the bytes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { createServer, connect } from 'node:net'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { pino } from 'pino'
import { startBroker } from '../../../src/broker/index.ts'

interface Sample { labels?: Record<string, string>, value?: string }
interface Family { name: string, type: string, metrics: Sample[] }
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[]

let lastText = ''

async function scrape(url: string): Promise<Family[]> {
  const res = await fetch(url)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  lastText = await res.text()
  return parsePrometheus(lastText)
}

function value(families: Family[], name: string, labels: Record<string, string | number> = {}): number | undefined {
  const f = families.find((x) => x.name === name)
  const m = f?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === String(v)))
  return m?.value === undefined ? undefined : Number(m.value)
}

/** Resolves once `check` holds for a scrape (the group commits asynchronously). */
async function scrapeUntil(url: string, what: string, check: (f: Family[]) => boolean, timeoutMs = 15_000): Promise<Family[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const f = await scrape(url)
    if (check(f)) return f
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test('consumer lag and traffic on /metrics follow a KafkaJS producer and consumer group', async (t) => {
  const broker = await startBroker({ config: { 'admin.listeners': 'http://127.0.0.1:0', 'offsets.topic.num.partitions': 3 } })
  // Clients leave before the broker closes (a KafkaJS client whose broker went away retries on).
  const clients: { disconnect(): Promise<void> }[] = []
  t.after(async () => {
    await Promise.allSettled(clients.reverse().map((c) => c.disconnect()))
    await broker.close()
  })
  const url = broker.metricsUrl!
  assert.ok(url)
  const kafka = new Kafka({ clientId: 'metrics-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  clients.push(admin)
  await admin.createTopics({ topics: [{ topic: 'lagging', numPartitions: 1 }] })
  const producer = kafka.producer()
  await producer.connect()
  clients.push(producer)
  await producer.send({ topic: 'lagging', messages: Array.from({ length: 10 }, (_, i) => ({ value: `first-${i}` })) })

  const consumer = kafka.consumer({ groupId: 'lag-group' })
  await consumer.connect()
  clients.push(consumer)
  await consumer.subscribe({ topic: 'lagging', fromBeginning: true })
  let seen = 0
  let consumed: () => void = () => {}
  let target = 10
  void consumer.run({ autoCommitInterval: 50, eachMessage: async () => { if (++seen >= target) consumed() } })
  await new Promise<void>((r) => { consumed = r })
  const caughtUp = await scrapeUntil(url, 'lag 0 after the first 10', (f) => value(f, 'kafka_consumergroup_current_offset', { consumergroup: 'lag-group', topic: 'lagging', partition: 0 }) === 10)
  assert.equal(value(caughtUp, 'kafka_consumergroup_lag', { consumergroup: 'lag-group', topic: 'lagging', partition: 0 }), 0)
  assert.equal(value(caughtUp, 'kafka_topic_partition_current_offset', { topic: 'lagging', partition: 0 }), 10)
  assert.equal(value(caughtUp, 'samsa_topic_messages_in_total', { topic: 'lagging' }), 10)
  const bytesIn = value(caughtUp, 'samsa_topic_bytes_in_total', { topic: 'lagging' })!
  const bytesOut = value(caughtUp, 'samsa_topic_bytes_out_total', { topic: 'lagging' })!
  assert.ok(bytesIn > 10 * 'first-0'.length, `bytes in ${bytesIn}`)
  assert.ok(bytesOut >= bytesIn, `bytes out ${bytesOut} < bytes in ${bytesIn}`)

  // Stop consuming, produce 7 more: the lag is exactly 7 and has an age.
  await consumer.pause([{ topic: 'lagging' }])
  await producer.send({ topic: 'lagging', messages: Array.from({ length: 7 }, (_, i) => ({ value: `second-${i}` })) })
  const lagging = await scrape(url)
  assert.equal(value(lagging, 'kafka_consumergroup_lag', { consumergroup: 'lag-group', topic: 'lagging', partition: 0 }), 7)
  assert.equal(value(lagging, 'kafka_consumergroup_lag_sum', { consumergroup: 'lag-group', topic: 'lagging' }), 7)
  assert.equal(value(lagging, 'samsa_topic_messages_in_total', { topic: 'lagging' }), 17)
  assert.ok(value(lagging, 'samsa_consumergroup_lag_seconds', { consumergroup: 'lag-group', topic: 'lagging', partition: 0 })! >= 0)
  assert.equal(value(lagging, 'kafka_topic_partitions', { topic: 'lagging' }), 1)
  assert.equal(value(lagging, 'kafka_brokers'), 1)
  // (the parser keeps no labels on histogram samples: read the count line itself)
  const produceCount = /^samsa_request_duration_seconds_count\{api="Produce"\} (\d+)$/m.exec(lastText)?.[1]
  assert.ok(Number(produceCount) >= 2, `Produce requests observed: ${produceCount}`)

  target = 17
  const done = new Promise<void>((r) => { consumed = r })
  consumer.resume([{ topic: 'lagging' }])
  await done
  const after = await scrapeUntil(url, 'lag 0 after the next 7', (f) => value(f, 'kafka_consumergroup_lag', { consumergroup: 'lag-group', topic: 'lagging', partition: 0 }) === 0)
  assert.equal(value(after, 'samsa_consumergroup_lag_seconds', { consumergroup: 'lag-group', topic: 'lagging', partition: 0 }), 0)
})

test('/health, /ready, unknown paths, wrong methods and malformed HTTP are answered; the broker keeps serving', async (t) => {
  const broker = await startBroker({ config: { 'admin.listeners': 'http://127.0.0.1:0' } })
  t.after(() => broker.close())
  const base = broker.metricsUrl!.replace(/\/metrics$/, '')
  assert.equal((await fetch(`${base}/health`)).status, 200)
  const ready = await fetch(`${base}/ready`)
  assert.equal(ready.status, 200, await ready.text())
  assert.equal((await fetch(`${base}/nope`)).status, 404)
  const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })
  assert.equal(post.status, 405)
  assert.equal(post.headers.get('allow'), 'GET, HEAD')
  // Garbage instead of HTTP: a 400 and a closed socket.
  const { port, hostname } = new URL(base)
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write('\x16\x03\x01 not http at all\r\n\r\n'))
    let got = ''
    s.on('data', (d) => { got += d.toString() })
    s.on('close', () => resolve(got))
    s.on('error', reject)
  })
  assert.match(reply, /^HTTP\/1\.1 400/)
  assert.equal((await fetch(`${base}/health`)).status, 200)
})

test('admin.listeners: a bad address stops the start before anything is written; an address in use only warns', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-admin-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  for (const bad of ['localhost:9644', 'https://127.0.0.1:9644', 'http://127.0.0.1']) {
    await assert.rejects(startBroker({ dataDir: join(dir, 'data'), config: { 'admin.listeners': bad } }), (err: Error) => {
      assert.match(err.message, /^admin\.listeners: /)
      return true
    })
    assert.deepEqual(await readdir(dir), [])
  }
  const taken = createServer()
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r))
  t.after(() => taken.close())
  const port = (taken.address() as { port: number }).port
  const warnings: string[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line) } })
  const broker = await startBroker({ logger, config: { 'admin.listeners': `http://127.0.0.1:${port}` } })
  t.after(() => broker.close())
  assert.equal(broker.metricsUrl, undefined)
  assert.ok(warnings.some((w) => w.includes('admin listener not started')), warnings.join('\n'))
})

test('every metric the Grafana dashboard queries is served', async (t) => {
  const broker = await startBroker({ config: { 'admin.listeners': 'http://127.0.0.1:0' } })
  t.after(() => broker.close())
  const dashboard = JSON.parse(await readFile(new URL('../../../docs/grafana/samsa.json', import.meta.url), 'utf8')) as { panels: { targets: { expr: string }[] }[] }
  const names = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((x) => x.expr.match(/\b(?:samsa|kafka|nodejs)_[a-z0-9_]+/g) ?? [])))
  assert.ok(names.size >= 10)
  await scrape(broker.metricsUrl!)
  const served = new Set([...lastText.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, n, type]) => type === 'histogram' ? [`${n}_bucket`, `${n}_count`, `${n}_sum`] : [n!]))
  for (const n of names) assert.ok(served.has(n!), `the dashboard queries ${n}, which /metrics does not serve`)
})
