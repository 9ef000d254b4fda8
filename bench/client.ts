// `npm run bench -- client [--only samsa|kafkajs|platformatic] [--n100 N] [--n1k N] [--latency-ms N] [--latency-warmup-ms N] [--latency-only]`:
// samsa/client beside KafkaJS 2.2.4 and @platformatic/kafka in one run against the same broker
// process (`samsa start` through tsx; one partition, acks=all, no compression):
//  - produce throughput for 100 B and 1 KiB records (msg/s, MB/s),
//  - consume throughput of the same records from the start of the topic (first to last record),
//  - end-to-end latency (send -> receive, same process) at 5,000 msg/s, p50/p99/p99.9, after an 8 s
//    warm-up at the same rate through the same producer and consumer: at ~1,000 requests/s V8 keeps
//    tiering up per-request functions in both processes for ~8 s (docs/benchmarks/client.md, session 12).
// The client runs in this process, the broker in another; both share the machine's cores, so the
// client CPU time (user+sys) is printed beside each figure. Prints figures; asserts nothing.
import { startBrokerProcess } from './broker-process.ts'
import { ADAPTERS } from './client/adapters.ts'
import type { ClientAdapter } from './client/adapters.ts'
import { Producer } from '../src/client/index.ts'

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : dflt
}

interface Row {
  client: string
  figure: string
  value: string
  cpu: string
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const value = await fn()
  const ms = performance.now() - t0
  const c = process.cpuUsage(c0)
  return { ms, cpuMs: (c.user + c.system) / 1000, value }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

export async function run(args: string[]): Promise<void> {
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined
  const adapters = ADAPTERS.filter((a) => only === undefined || a.name.toLowerCase().includes(only))
  const sizes = [[100, arg(args, '--n100', 300_000)], [1024, arg(args, '--n1k', 100_000)]] as const
  const latencyMs = arg(args, '--latency-ms', 4000)
  const latencyWarmupMs = arg(args, '--latency-warmup-ms', 8000)
  const broker = await startBrokerProcess('client', { 'num.partitions': '1', 'offsets.topic.num.partitions': '1', 'group.initial.rebalance.delay.ms': '0' })
  const bootstrap = `127.0.0.1:${broker.port}`
  const rows: Row[] = []
  // CPU per message (user+sys of this process over the records): the figure least sensitive to
  // what else the machine runs, where the rates above depend on the broker process getting a core.
  const add = (client: ClientAdapter, figure: string, value: string, cpuMs: number, ms: number, n?: number) => {
    const cpu = `${Math.round((cpuMs / ms) * 100)} %${n === undefined ? '' : `, ${((cpuMs * 1000) / n).toFixed(2)} µs/msg`}`
    rows.push({ client: client.name, figure, value, cpu })
    console.log(`${client.name.padEnd(26)} ${figure.padEnd(24)} ${value.padEnd(30)} client CPU ${cpu}`)
  }
  try {
    for (const [size, n] of args.includes('--latency-only') ? [] : sizes) {
      const value = Buffer.alloc(size, 'x')
      for (const a of adapters) {
        const topic = `produce-${size}-${a.name.replace(/\W/g, '')}`
        // Warm-up (connections, metadata, topic creation, JIT), then the measured run.
        await a.produce(bootstrap, topic, Math.min(n, 20_000), value)
        const r = await timed(() => a.produce(bootstrap, topic, n, value))
        add(a, `produce ${size} B`, `${fmt(n / (r.ms / 1000))} msg/s ${((n * size) / (r.ms / 1000) / 1e6).toFixed(1)} MB/s`, r.cpuMs, r.ms, n)
      }
      // One topic of n records (written by samsa), read from the start by each client.
      const topic = `consume-${size}`
      const p = new Producer({ bootstrapServers: bootstrap, batchSize: 512 * 1024 })
      const sends = new Array<Promise<unknown>>(n)
      for (let i = 0; i < n; i++) sends[i] = p.send({ topic, value })
      await p.flush()
      await Promise.all(sends)
      await p.close()
      for (const a of adapters) {
        await a.consume(bootstrap, topic, Math.min(n, 20_000))
        const r = await timed(() => a.consume(bootstrap, topic, n))
        const ms = r.value
        add(a, `consume ${size} B`, `${fmt(n / (ms / 1000))} msg/s ${((n * size) / (ms / 1000) / 1e6).toFixed(1)} MB/s`, r.cpuMs, r.ms, n)
      }
    }
    for (const a of adapters.filter((x) => x.name !== 'samsa/client (bulk)')) {
      const topic = `latency-${a.name.replace(/\W/g, '')}`
      const r = await timed(() => a.latency(bootstrap, topic, 5000, latencyMs, latencyWarmupMs))
      const sorted = r.value.slice().sort((x, y) => x - y)
      add(a, 'e2e at 5,000 msg/s', `p50 ${pct(sorted, 50).toFixed(2)} ms p99 ${pct(sorted, 99).toFixed(2)} ms p99.9 ${pct(sorted, 99.9).toFixed(2)} ms (n=${sorted.length})`, r.cpuMs, r.ms)
    }
  } finally {
    await broker.stop()
  }
  console.log('\n| client | figure | result | client CPU |\n| --- | --- | --- | --- |')
  for (const r of rows) console.log(`| ${r.client} | ${r.figure} | ${r.value} | ${r.cpu} |`)
}
