// Bounded prefetch: a consumer reading as fast as it can keeps its resident set bounded by its
// prefetch settings, however much it reads and however far the topic runs ahead of it. The
// reader is its own process (prefetch-rss-app.mjs) so that the broker's memory is not counted; it
// stalls after its first message until the fetcher has gone as far ahead as it may, then reads
// 320 MiB (a 160 MiB topic, over and over from the start). The same reader with an unbounded
// prefetch shows the assertion can fail: it takes in the whole topic. The 2 GB run is
// `npm run bench -- client-memory`.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Producer } from '../../src/client/index.ts'
import type { Broker } from '../../src/broker/index.ts'
import { testBroker } from './helpers.ts'

const APP = fileURLToPath(new URL('./prefetch-rss-app.mjs', import.meta.url))
const BUILT = process.env['SAMSA_TEST_BUILT'] === '1'
const MiB = 1024 * 1024
const RECORD = 64 * 1024
const RECORDS = 2560 // 160 MiB
const PARTITIONS = 2
const PREFETCH = 8 * MiB
const PARTITION_FETCH = 2 * MiB
const FETCH_MAX = 4 * MiB
/**
 * Besides the prefetched bytes and one fetch response: V8's heap growing to its working size,
 * and fetched buffers already handed out and dropped but not yet collected (V8 collects after
 * tens of MiB of such external memory).
 */
const RUNTIME_SLACK = 96 * MiB
const BOUND = PREFETCH + FETCH_MAX + RUNTIME_SLACK

interface Report { baseline: number; peak: number; stallPeak: number; prefetched: number; bytes: number; passes: number; ms: number }

let broker: Broker | undefined
const children: ChildProcess[] = []
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await broker?.close()
})

/** Starts a reader process; `start()` lets it begin (after it has loaded) and resolves with its report. */
function reader(bootstrap: string, topic: string, totalBytes: number, maxPrefetchBytes: number): { start: () => Promise<Report> } {
  const args = [bootstrap, topic, PARTITIONS, RECORDS, RECORD, totalBytes, maxPrefetchBytes, PARTITION_FETCH, FETCH_MAX].map(String)
  const child = spawn(process.execPath, [...(BUILT ? [] : ['--import', 'tsx']), APP, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SAMSA_TEST_BUILT: BUILT ? '1' : '0' } })
  children.push(child)
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.startsWith('READY\n')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`the reader exited (${code}) before it was ready: ${err}`)))
  })
  const done = new Promise<Report>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the reader exited with ${code}: ${err}`))
      resolve(JSON.parse(out.slice('READY\n'.length)) as Report)
    })
  })
  return {
    start: async () => {
      await ready
      child.stdin!.end('start\n')
      return done
    },
  }
}

test('reading 320 MiB as fast as possible keeps RSS within the prefetch bound; unbounded prefetch takes in the whole topic', { timeout: 60_000 }, async () => {
  broker = await testBroker({ 'num.partitions': PARTITIONS })
  const topic = 'memory'
  // Both readers load (compile, import) while the topic is written.
  const boundedReader = reader(broker.bootstrap, topic, 320 * MiB, PREFETCH)
  const unboundedReader = reader(broker.bootstrap, topic, 0, 4096 * MiB)
  const producer = new Producer({ bootstrapServers: broker.bootstrap, batchSize: MiB, maxRequestSize: 8 * MiB })
  const value = Buffer.alloc(RECORD, 'x')
  const chunk = Array.from({ length: 256 }, (_, i) => ({ topic, value, partition: i % PARTITIONS }))
  await Promise.all(Array.from({ length: RECORDS / chunk.length }, () => producer.sendBatch(chunk)))
  await producer.close()
  const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`

  const bounded = await boundedReader.start()
  assert.ok(bounded.bytes >= 320 * MiB && bounded.passes >= 2, `read ${mib(bounded.bytes)} in ${bounded.passes} passes`)
  assert.ok(bounded.prefetched >= PREFETCH * 0.9, `the fetcher went ahead ${mib(bounded.prefetched)} while the reader stalled`)
  const growth = bounded.peak - bounded.baseline
  assert.ok(growth <= BOUND, `RSS grew ${mib(growth)} (bound ${mib(BOUND)}), ${mib(bounded.stallPeak - bounded.baseline)} while stalled`)

  // The control: with no effective prefetch bound the stalled reader holds the whole topic, so the
  // same assertion fails (the reader stops after its stall).
  const unbounded = await unboundedReader.start()
  const unboundedGrowth = unbounded.peak - unbounded.baseline
  assert.ok(unbounded.prefetched >= RECORDS * RECORD * 0.9, `unbounded: prefetched ${mib(unbounded.prefetched)}`)
  assert.ok(unboundedGrowth > BOUND, `unbounded: RSS grew ${mib(unboundedGrowth)}, not over the bound ${mib(BOUND)}`)
})
