// `npm run bench -- client-memory [--topic-mb N] [--read-mb N] [--prefetch-mb A,B,..]`: the
// consumer's resident set while it reads as fast as it can. One `samsa start` process holds a
// topic of 64 KiB records (2 partitions, --topic-mb, default 2048); for each maxPrefetchBytes a
// reader process (test/client/prefetch-rss-app.mjs: stalls after its first message until the
// fetcher has gone as far ahead as it may, then reads --read-mb, default 2048, starting over at the
// end of the topic) reports its RSS growth over its baseline. Prints figures; asserts nothing
// (test/client/consumer-memory.test.ts asserts the bound on a smaller volume).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startBrokerProcess } from './broker-process.ts'
import { Producer } from '../src/client/index.ts'

const APP = fileURLToPath(new URL('../test/client/prefetch-rss-app.mjs', import.meta.url))
const MiB = 1024 * 1024
const RECORD = 64 * 1024
const PARTITIONS = 2
const PARTITION_FETCH = 2 * MiB
const FETCH_MAX = 4 * MiB

function arg(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1]! : dflt
}

interface Report { baseline: number; peak: number; stallPeak: number; prefetched: number; bytes: number; passes: number; ms: number }

function read(bootstrap: string, records: number, totalBytes: number, prefetch: number): Promise<Report> {
  const args = [bootstrap, 'memory', PARTITIONS, records, RECORD, totalBytes, prefetch, PARTITION_FETCH, FETCH_MAX].map(String)
  const child = spawn(process.execPath, ['--import', 'tsx', APP, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, SAMSA_TEST_BUILT: '0' } })
  let out = ''
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString()
    if (out === 'READY\n') child.stdin.end('start\n')
  })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice('READY\n'.length)) as Report) : reject(new Error(`reader exited with ${code}`))))
  })
}

export async function run(args: string[]): Promise<void> {
  const topicMb = Number(arg(args, '--topic-mb', '2048'))
  const readMb = Number(arg(args, '--read-mb', '2048'))
  const prefetches = arg(args, '--prefetch-mb', '8,16,64').split(',').map(Number)
  const records = Math.ceil((topicMb * MiB) / RECORD / 256) * 256
  const broker = await startBrokerProcess('client-memory', { 'num.partitions': String(PARTITIONS) })
  const bootstrap = `127.0.0.1:${broker.port}`
  try {
    const t0 = performance.now()
    const producer = new Producer({ bootstrapServers: bootstrap, batchSize: MiB, maxRequestSize: 8 * MiB })
    const value = Buffer.alloc(RECORD, 'x')
    const chunk = Array.from({ length: 256 }, (_, i) => ({ topic: 'memory', value, partition: i % PARTITIONS }))
    let left = records
    // A few calls in flight: buffer.memory bounds the rest.
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (left > 0) {
        left -= chunk.length
        await producer.sendBatch(chunk)
      }
    }))
    await producer.close()
    const s = (performance.now() - t0) / 1000
    console.log(`topic: ${records} records of 64 KiB (${((records * RECORD) / MiB).toFixed(0)} MiB) written in ${s.toFixed(1)} s`)
    console.log('| maxPrefetchBytes | read | read rate | RSS growth while stalled | RSS growth, peak |\n| ---: | ---: | ---: | ---: | ---: |')
    for (const p of prefetches) {
      const r = await read(bootstrap, records, readMb * MiB, p * MiB)
      const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`
      console.log(`| ${p} MiB | ${mib(r.bytes)} (${r.passes} passes) | ${((r.bytes / MiB) / (r.ms / 1000)).toFixed(0)} MiB/s | ${mib(r.stallPeak - r.baseline)} | ${mib(r.peak - r.baseline)} |`)
    }
  } finally {
    await broker.stop()
  }
}
