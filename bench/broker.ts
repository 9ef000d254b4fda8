// `npm run bench -- broker [--quick] [--reps N] [--no-build] [--only SUBSTR[|SUBSTR...]] [--broker-flags "node flags"] [--scrape]
//   [--broker-set key=value]... [--profile DIR] [--in-flight N] [--batch-bytes N] [--duration-ms N] [--kcat]
//   [--broker-js PATH] [--tls]`  (PATH: another build's cli/main.js, for before/after comparisons; --tls: every
//   produce/consume scenario also over a SASL_SSL listener of the same broker, bench/tls-setup.ts)
// Builds the broker, starts it as its own process from built JS (`node dist/src/cli/main.js start`),
// and drives it from a load generator process (bench/loadgen) that encodes records as a client
// does. Prints produce/consume throughput and end-to-end latency beside the same run's ceilings
// (plain Node TCP sink on loopback; plain file append and storage Log.append), with the CPU use
// of the load generator and of the broker. Prints figures; asserts nothing. BENCHMARKS.md, "Broker".
import { execFileSync, fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ApiKey } from '../src/protocol/generated/api-keys.ts'
import { concurrentMarkingWanted } from '../src/cli/v8-flags.ts'
import { freePort } from '../src/cli/dev/free-port.ts'
import type { CreateTopicsResponse } from '../src/protocol/generated/messages/create-topics.ts'
import type { DeleteTopicsResponse } from '../src/protocol/generated/messages/delete-topics.ts'
import { batchPool, logAppend, plainAppend } from './storage.ts'
import type { Figure } from './storage.ts'
import { KafkaConn } from './loadgen/kafka-conn.ts'
import { kcatAvailable, kcatConsume, kcatProduce, writeValueFile } from './loadgen/kcat.ts'
import type { ConnSecurity, ConsumeJob, Job, LatencyJob, LatencyResult, ProduceJob, RateResult } from './loadgen/jobs.ts'
import { makeBenchTls, saslSslPort } from './tls-setup.ts'
import { onCpuMs, runQueueMs } from './loadgen/cpu.ts'
import type { BenchTls } from './tls-setup.ts'

const REPO = fileURLToPath(new URL('../', import.meta.url))
const LOADGEN = fileURLToPath(new URL('./loadgen/main.ts', import.meta.url))
const CLK_TCK = 100

interface Options {
  quick: boolean
  reps: number
  build: boolean
  only: string | null
  brokerFlags: string[]
  /** Extra `--set key=value` for the broker. */
  brokerSets: string[]
  /** --scrape: serve /metrics on a free loopback port and scrape it every second during the run. */
  scrape: boolean
  profileDir: string | null
  warmupMs: number
  durationMs: number
  maxBytes: number
  batchBytes: number
  inFlight: number
  /** The broker's CLI entry (built JS); another build can be compared with --broker-js. */
  brokerJs: string
  /** Also measure librdkafka (kcat) for reference. */
  kcat: boolean
  /** Run every throughput scenario over SASL_SSL too. */
  tls: boolean
}

function parseOptions(args: string[]): Options {
  const val = (name: string) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const quick = args.includes('--quick')
  return {
    quick,
    reps: Number(val('--reps') ?? (quick ? 1 : 3)),
    build: !args.includes('--no-build'),
    only: val('--only') ?? null,
    brokerFlags: (val('--broker-flags') ?? '').split(' ').filter(Boolean),
    profileDir: val('--profile') ?? null,
    brokerSets: args.flatMap((a, i) => (a === '--broker-set' ? ['--set', args[i + 1]!] : [])),
    scrape: args.includes('--scrape'),
    warmupMs: quick ? 300 : 1000,
    durationMs: Number(val('--duration-ms') ?? (quick ? 1200 : 4000)),
    maxBytes: (quick ? 768 : 3072) * 1024 * 1024,
    batchBytes: Number(val('--batch-bytes') ?? 64 * 1024),
    inFlight: Number(val('--in-flight') ?? 16),
    kcat: args.includes('--kcat'),
    brokerJs: val('--broker-js') ?? 'dist/src/cli/main.js',
    tls: args.includes('--tls'),
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

/** CPU time (user + system) of a process, ms, from /proc. */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK
}

class Loadgen {
  private constructor(private readonly child: ChildProcess) {}

  static start(mode: 'job' | 'sink' = 'job'): Promise<{ gen: Loadgen; port?: number }> {
    // The load generator is a Node client on the same two cores: it gets the V8 setting `samsa`
    // gives itself (src/cli/v8-tuning.ts); with concurrent marking its 1 KiB consume ran ~8% slower.
    const v8 = concurrentMarkingWanted(availableParallelism()) ? [] : ['--no-concurrent-marking']
    const child = fork(LOADGEN, mode === 'sink' ? ['sink'] : [], { execArgv: ['--import', 'tsx', ...v8], cwd: REPO, stdio: 'inherit' })
    const gen = new Loadgen(child)
    child.on('exit', (code, signal) => {
      if (mode === 'job' && !gen.closing) console.error(`load generator exited unexpectedly (${signal ?? code})`)
    })
    if (mode === 'job') return Promise.resolve({ gen })
    return new Promise((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve({ gen, port: m.port }))
      child.once('exit', (code) => reject(new Error(`sink exited with ${code}`)))
    })
  }

  get pid(): number {
    return this.child.pid!
  }

  run<R>(job: Job): Promise<R> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (m: { result?: R; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m.result!)))
      this.child.send(job)
    })
  }

  /** Sink mode: bytes received so far; the sink exits. */
  stopSink(): Promise<number> {
    return new Promise((resolve) => {
      this.child.once('message', (m: { bytes: number }) => resolve(m.bytes))
      this.child.send('stop')
    })
  }

  closing = false

  close(): void {
    this.closing = true
    if (this.child.exitCode === null) this.child.kill()
  }
}

interface BrokerProcess {
  child: ChildProcess
  port: number
  /** The SASL_SSL listener's port (--tls). */
  tlsPort: number | undefined
  dataDir: string
}

function startBroker(opts: Options): Promise<BrokerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-broker-'))
  const flags = [...opts.brokerFlags]
  if (opts.profileDir) flags.push('--cpu-prof', '--cpu-prof-dir', opts.profileDir)
  const child = spawn(process.execPath, [...flags, opts.brokerJs, 'start', '--data-dir', dataDir,
    '--set', 'listeners=PLAINTEXT://127.0.0.1:0', '--set', 'auto.create.topics.enable=false', ...opts.brokerSets, '--log-level', 'warn'],
  { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] })
  // Never leave a broker behind, whatever happens to the bench.
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  child.once('exit', (code, signal) => {
    process.removeListener('exit', kill)
    if (code !== 0) console.error(`broker exited (${signal ?? code})`)
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (process.env.BENCH_BROKER_STDOUT) process.stderr.write(d)
      const m = /listening on (?:[A-Z_]+:\/\/)?\[?[\w.:-]*?\]?:(\d+)/.exec(out)
      if (m && out.includes('\n')) resolve({ child, port: Number(m[1]), tlsPort: saslSslPort(out), dataDir })
    })
    child.once('exit', (code) => reject(new Error(`broker exited with ${code} before listening: ${out}`)))
  })
}

async function stopBroker(b: BrokerProcess): Promise<void> {
  if (b.child.exitCode === null) {
    const exited = new Promise((resolve) => b.child.once('exit', resolve))
    b.child.kill('SIGTERM')
    await exited
  }
  rmSync(b.dataDir, { recursive: true, force: true })
}

// ---------------------------------------------------------------------------------------------
// Admin

async function createTopic(admin: KafkaConn, name: string, partitions: number): Promise<void> {
  const res = await admin.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 30_000,
    validateOnly: false,
  })
  const t = res.topics[0]!
  if (t.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${t.errorCode} ${t.errorMessage ?? ''}`)
}

/**
 * Deletes a run's topic and waits until the broker has removed its files: deleting gigabytes
 * (ext4 here is mounted with `discard`) slowed the next run's writes by up to half when it
 * overlapped with them.
 */
async function deleteTopic(admin: KafkaConn, name: string, dataDir: string): Promise<void> {
  await admin.send<DeleteTopicsResponse>(ApiKey.DeleteTopics, 4, { topics: [], topicNames: [name], timeoutMs: 30_000 })
  const deadline = Date.now() + 60_000
  while (readdirSync(dataDir).some((f) => f.startsWith(`${name}-`)) && Date.now() < deadline) await sleep(100)
  execFileSync('sync')
}

// ---------------------------------------------------------------------------------------------
// Ceilings

interface Ceilings {
  /** Plain Node TCP sink on loopback, MB/s (64 KiB writes, separate processes). */
  tcp: number
  tcpClientCpu: number
  /** Plain FileHandle.write loop of 64 KiB batches, MB/s. */
  fileAppend: number
  /** Storage Log.append of the same batches, 16 in flight, MB/s. */
  logAppend: number
}

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000)

async function measureCeilings(gen: Loadgen, opts: Options): Promise<Ceilings> {
  const ms = opts.quick ? 800 : 2000
  const { gen: sink, port } = await Loadgen.start('sink')
  const blast = await gen.run<RateResult>({ kind: 'blast', host: '127.0.0.1', port: port!, writeBytes: 64 * 1024, durationMs: ms })
  const received = await sink.stopSink()
  sink.close()
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-ceiling-'))
  try {
    const pool = batchPool(opts.batchBytes + 72, 64)
    const limit = opts.maxBytes
    const plain: Figure = await plainAppend(dir, pool, limit, ms, false)
    const { fig, log } = await logAppend(join(dir, 'log'), pool, limit, ms, false, 16)
    await log.close()
    return { tcp: mbps(received, blast.ms), tcpClientCpu: blast.cpuMs / blast.ms, fileAppend: mbps(plain.bytes, plain.ms), logAppend: mbps(fig.bytes, fig.ms) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface RateRow {
  label: string
  rate: RateResult
  brokerCpu: number
  ceilings: Ceilings
  /** Share of the row's wall time the broker's and the load generator's event loops spent waiting for a CPU. */
  runQueue: { broker: number; loadgen: number }
  /** Share of the row's wall time the two event loops (main threads) ran: near 100% is the side that bounds the row. */
  loops: { broker: number; loadgen: number }
  /** Consume rows: the fetches' mean size and round trip (one fetch in flight). */
  fetch?: { mb: number; ms: number }
}

interface LoopTimes { broker: number; loadgen: number; brokerCpu: number; loadgenCpu: number }

/** Run-queue waits and CPU time of the broker's and the load generator's event loops so far, ms. */
function loopTimes(pids: { broker: number; loadgen: number }): LoopTimes {
  return { broker: runQueueMs(pids.broker) ?? 0, loadgen: runQueueMs(pids.loadgen) ?? 0, brokerCpu: onCpuMs(pids.broker) ?? 0, loadgenCpu: onCpuMs(pids.loadgen) ?? 0 }
}

/** The event loops' run-queue waits and CPU time since `start`, as shares of `wallMs`. */
function loopsSince(start: LoopTimes, pids: { broker: number; loadgen: number }, wallMs: number): Pick<RateRow, 'runQueue' | 'loops'> {
  const now = loopTimes(pids)
  return {
    runQueue: { broker: (now.broker - start.broker) / wallMs, loadgen: (now.loadgen - start.loadgen) / wallMs },
    loops: { broker: (now.brokerCpu - start.brokerCpu) / wallMs, loadgen: (now.loadgenCpu - start.loadgenCpu) / wallMs },
  }
}

interface LatencyRow {
  label: string
  lat: LatencyResult
  brokerCpu: number
}

const median = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)]!
const pct = (cpuMs: number, ms: number) => `${((cpuMs / ms) * 100).toFixed(0)}%`
const kib = (n: number) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`)
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

function printRate(r: RateRow): void {
  const { rate, ceilings: c } = r
  const msgs = rate.messages / (rate.ms / 1000)
  const mb = mbps(rate.valueBytes, rate.ms)
  const err = rate.errors ? `  ERRORS ${rate.errors}: ${rate.firstError}` : ''
  // Broker CPU per MB of values: robust to other load on the machine, unlike throughput.
  const perMb = (r.brokerCpu / (rate.valueBytes / 1e6)).toFixed(2)
  console.log(`${r.label.padEnd(26)} ${fmt(msgs).padStart(10)} msg/s ${mb.toFixed(0).padStart(5)} MB/s | ceilings: tcp ${c.tcp.toFixed(0)}, ` +
    `file append ${c.fileAppend.toFixed(0)}, Log.append ${c.logAppend.toFixed(0)} MB/s | cpu: loadgen ${pct(rate.cpuMs, rate.ms)}, ` +
    `broker ${pct(r.brokerCpu, rate.ms)} (${perMb} ms/MB) | event loop on a CPU: broker ${(r.loops.broker * 100).toFixed(0)}%, ` +
    `loadgen ${(r.loops.loadgen * 100).toFixed(0)}% | waiting for a CPU: broker ${(r.runQueue.broker * 100).toFixed(0)}%, ` +
    `loadgen ${(r.runQueue.loadgen * 100).toFixed(0)}%${r.fetch ? ` | fetch ${r.fetch.mb.toFixed(1)} MB in ${r.fetch.ms.toFixed(2)} ms` : ''}${err}`)
}

function printLatency(r: LatencyRow): void {
  const l = r.lat
  const err = l.errors ? `  ERRORS ${l.errors}: ${l.firstError}` : ''
  console.log(`${r.label.padEnd(30)} e2e p50 ${l.p50.toFixed(2)} p99 ${l.p99.toFixed(2)} p99.9 ${l.p999.toFixed(2)} max ${l.max.toFixed(2)} ms ` +
    `(${fmt(l.samples)} samples, ${fmt(l.achievedRate)} msg/s) | produce ack p50 ${l.ackP50.toFixed(2)} p99 ${l.ackP99.toFixed(2)} ms | ` +
    `cpu: loadgen ${pct(l.cpuMs, l.ms)}, broker ${pct(r.brokerCpu, l.ms)}${err}`)
}

/** librdkafka for reference: kcat produces a file of values and reads them back (1 partition). */
async function kcatReference(opts: Options): Promise<void> {
  if (!kcatAvailable()) {
    console.log('kcat not found: no librdkafka reference figures')
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-kcat-'))
  const broker = await startBroker(opts)
  const admin = await KafkaConn.open('127.0.0.1', broker.port, 'samsa-bench-admin')
  try {
    for (const size of [100, 1024]) {
      const count = Math.floor((opts.quick ? 100 : 400) * 1024 * 1024 / size)
      const file = join(dir, `values-${size}.txt`)
      await writeValueFile(file, size, count)
      for (const acks of [1, -1]) {
        const topic = `kcat-${size}-${acks === -1 ? 'all' : acks}`
        await createTopic(admin, topic, 1)
        execFileSync('sync')
        const bootstrap = `127.0.0.1:${broker.port}`
        const b0 = processCpuMs(broker.child.pid!)
        const p = kcatProduce(bootstrap, topic, file, count, acks)
        const pb = processCpuMs(broker.child.pid!) - b0
        const line = (label: string, r: { messages: number; ms: number; cpuMs: number }, bcpu: number) =>
          console.log(`${label.padEnd(34)} ${fmt(r.messages / (r.ms / 1000)).padStart(10)} msg/s ${mbps(r.messages * size, r.ms).toFixed(0).padStart(5)} MB/s ` +
            `(${fmt(r.messages)} msgs in ${r.ms.toFixed(0)} ms incl. start-up) | cpu: kcat ${pct(r.cpuMs, r.ms)}, broker ${pct(bcpu, r.ms)}`)
        line(`kcat produce ${kib(size)} acks=${acks === -1 ? 'all' : acks} 1p`, p, pb)
        if (acks === 1) {
          const c0 = processCpuMs(broker.child.pid!)
          const c = kcatConsume(bootstrap, topic, count)
          line(`kcat consume ${kib(size)} 1p`, c, processCpuMs(broker.child.pid!) - c0)
        }
        await deleteTopic(admin, topic, broker.dataDir)
      }
    }
  } finally {
    admin.close()
    await stopBroker(broker)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** --tls: SASL_SSL throughput as a share of PLAINTEXT's, per scenario (medians). */
function printTlsCost(produceRows: Map<string, RateRow[]>, consumeRows: Map<string, RateRow[]>): void {
  console.log('\nSASL_SSL vs PLAINTEXT (median MB/s of values; cost = 1 - SASL_SSL / PLAINTEXT):')
  for (const rows of [produceRows, consumeRows]) {
    for (const [label, list] of rows) {
      if (label.endsWith(' SASL_SSL')) continue
      const tlsRows = rows.get(`${label} SASL_SSL`)
      if (!tlsRows) continue
      const rate = (xs: RateRow[]) => { const r = median(xs, (x) => x.rate.messages / x.rate.ms).rate; return mbps(r.valueBytes, r.ms) }
      const plain = rate(list)
      const secured = rate(tlsRows)
      console.log(`${label.padEnd(26)} PLAINTEXT ${plain.toFixed(0).padStart(5)} MB/s, SASL_SSL ${secured.toFixed(0).padStart(5)} MB/s: cost ${((1 - secured / plain) * 100).toFixed(0)}%`)
    }
  }
}

export async function run(args: string[]): Promise<void> {
  const opts = parseOptions(args)
  if (opts.build) execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' })
  console.log(`broker bench: node ${process.version}, ${opts.quick ? 'quick, ' : ''}${opts.reps} rep(s), medians; ` +
    `batches of ${kib(opts.batchBytes)} values, ${opts.inFlight} produce requests in flight, measure ${opts.durationMs} ms after ${opts.warmupMs} ms; ` +
    `broker ${opts.brokerJs} ${opts.brokerFlags.join(' ')}`)
  const sizes = [100, 1024]
  const acksList = [1, -1]
  const partitionCounts = [1, 16]
  const wanted = (label: string) => opts.only === null || opts.only.split('|').some((o) => label.includes(o))

  // --tls: a SASL_SSL listener beside PLAINTEXT; each scenario runs over both, PLAINTEXT first.
  const tls: BenchTls | undefined = opts.tls ? makeBenchTls() : undefined
  if (tls) opts.brokerSets.push(...tls.brokerSets)
  const variants: (ConnSecurity | undefined)[] = tls ? [undefined, tls.security] : [undefined]
  const { gen } = await Loadgen.start()
  // The admin endpoint is off unless scraped, so "off" is the baseline a run compares with.
  const metricsPort = opts.scrape ? await freePort() : 0
  opts.brokerSets.push('--set', `admin.listeners=${opts.scrape ? `http://127.0.0.1:${metricsPort}` : ''}`)
  // The figures are the broker's: no schema registry beside it.
  opts.brokerSets.push('--set', 'schema.registry.listeners=')
  const broker = await startBroker(opts)
  let scrapes = 0
  const scraper = opts.scrape
    ? setInterval(() => { void fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).then(() => { scrapes++ }, () => {}) }, 1000)
    : undefined
  const admin = await KafkaConn.open('127.0.0.1', broker.port, 'samsa-bench-admin')
  const produceRows = new Map<string, RateRow[]>()
  const consumeRows = new Map<string, RateRow[]>()
  const latencyRows: LatencyRow[] = []
  const push = (m: Map<string, RateRow[]>, row: RateRow) => {
    const list = m.get(row.label) ?? []
    list.push(row)
    m.set(row.label, list)
  }
  const brokerCpu = () => processCpuMs(broker.child.pid!)
  const pids = { broker: broker.child.pid!, loadgen: gen.pid }
  let topicSeq = 0
  try {
    for (let rep = 0; rep < opts.reps; rep++) {
      const ceilings = await measureCeilings(gen, opts)
      console.log(`rep ${rep + 1}: load average ${loadavg()[0]!.toFixed(1)}; ceilings tcp ${ceilings.tcp.toFixed(0)} MB/s (client cpu ${(ceilings.tcpClientCpu * 100).toFixed(0)}%), ` +
        `file append ${ceilings.fileAppend.toFixed(0)} MB/s, Log.append ${ceilings.logAppend.toFixed(0)} MB/s`)
      // Latency first: the throughput runs leave gigabytes of deleted and dirty files behind.
      const latLabel = 'e2e 100 B acks=all 5,000 msg/s'
      if (wanted(latLabel)) {
        const topic = `bench-${topicSeq++}`
        await createTopic(admin, topic, 1)
        const job: LatencyJob = {
          kind: 'latency', host: '127.0.0.1', port: broker.port, topic, recordBytes: 100, acks: -1, ratePerSec: 5000,
          warmupMs: opts.quick ? 500 : 2000, durationMs: opts.quick ? 3000 : 10_000,
        }
        execFileSync('sync')
        const b0 = brokerCpu()
        const lat = await gen.run<LatencyResult>(job)
        const row = { label: latLabel, lat, brokerCpu: ((brokerCpu() - b0) * job.durationMs) / (job.durationMs + job.warmupMs) }
        printLatency(row)
        latencyRows.push(row)
        await deleteTopic(admin, topic, broker.dataDir)
      }
      // A fresh broker's (and load generator's) first seconds run unoptimized code: the first
      // measured row would pay for it alone, and with --tls that is always a PLAINTEXT row. Both
      // listeners' paths are exercised first, unmeasured, so every row starts warm.
      const measuresRates = sizes.some((size) => partitionCounts.some((p) => acksList.some((a) =>
        wanted(`produce ${kib(size)} acks=${a === -1 ? 'all' : a} ${p}p`) || wanted(`consume ${kib(size)} ${p}p`))))
      if (rep === 0 && measuresRates) {
        const seen: string[] = []
        for (const security of variants) {
          const topic = `bench-warm-up-${topicSeq++}`
          await createTopic(admin, topic, 4)
          const port = security ? broker.tlsPort! : broker.port
          const job: ProduceJob = {
            kind: 'produce', host: '127.0.0.1', port, security, topic, partitions: 4, recordBytes: 1024, acks: 1,
            batchBytes: opts.batchBytes, batchesPerRequest: 2, inFlight: opts.inFlight, warmupMs: 0, durationMs: opts.quick ? 1000 : 2000,
            maxBytes: 256 * 1024 * 1024,
          }
          const rate = await gen.run<RateResult>(job)
          await gen.run<RateResult>({ kind: 'consume', host: '127.0.0.1', port, security, topic, partitions: 4, recordBytes: 1024,
            partitionMaxBytes: 1024 * 1024, maxBytes: 50 * 1024 * 1024, decodeRecords: false } satisfies ConsumeJob)
          seen.push(`${security ? 'SASL_SSL' : 'PLAINTEXT'} ${mbps(rate.valueBytes, rate.ms).toFixed(0)} MB/s`)
          await deleteTopic(admin, topic, broker.dataDir)
        }
        console.log(`warm-up (not measured): produce + consume 1 KiB 4p over ${seen.join(', ')}`)
      }
      for (const size of sizes) {
        for (const partitions of partitionCounts) {
          for (const acks of acksList) {
           for (const security of variants) {
            const over = security ? ' SASL_SSL' : ''
            const port = security ? broker.tlsPort! : broker.port
            const label = `produce ${kib(size)} acks=${acks === -1 ? 'all' : acks} ${partitions}p${over}`
            const consumeLabel = `consume ${kib(size)} ${partitions}p${over}`
            if (!wanted(label) && !(acks === 1 && wanted(consumeLabel))) continue
            const topic = `bench-${topicSeq++}`
            await createTopic(admin, topic, partitions)
            const job: ProduceJob = {
              kind: 'produce', host: '127.0.0.1', port, security, topic, partitions, recordBytes: size, acks,
              batchBytes: opts.batchBytes, batchesPerRequest: Math.min(partitions, 4), inFlight: opts.inFlight,
              warmupMs: opts.warmupMs, durationMs: opts.durationMs, maxBytes: opts.maxBytes,
            }
            execFileSync('sync') // start without earlier runs' dirty pages being written back
            const b0 = brokerCpu()
            const rq0 = loopTimes(pids)
            const t0 = performance.now()
            const rate = await gen.run<RateResult>(job)
            const loops = loopsSince(rq0, pids, performance.now() - t0)
            // The broker's CPU over the whole job (warm-up included), scaled to the measured window.
            const bCpu = ((brokerCpu() - b0) * rate.ms) / (rate.ms + opts.warmupMs)
            const row = { label, rate, brokerCpu: bCpu, ceilings, ...loops }
            printRate(row)
            push(produceRows, row)
            if (acks === 1 && wanted(consumeLabel)) {
              const cjob: ConsumeJob = {
                kind: 'consume', host: '127.0.0.1', port, security, topic, partitions, recordBytes: size,
                partitionMaxBytes: 1024 * 1024, maxBytes: 50 * 1024 * 1024, decodeRecords: false,
              }
              const c0 = brokerCpu()
              const crq0 = loopTimes(pids)
              const ct0 = performance.now()
              const crate = await gen.run<RateResult>(cjob)
              const crow = {
                label: consumeLabel, rate: crate, brokerCpu: brokerCpu() - c0, ceilings, ...loopsSince(crq0, pids, performance.now() - ct0),
                fetch: { mb: crate.wireBytes / 1e6 / crate.requests, ms: crate.ms / crate.requests },
              }
              printRate(crow)
              push(consumeRows, crow)
            }
            await deleteTopic(admin, topic, broker.dataDir)
           }
          }
        }
      }
    }
  } finally {
    tls?.cleanup()
    if (scraper) clearInterval(scraper)
    admin.close()
    gen.close()
    await stopBroker(broker)
  }
  if (opts.scrape) console.log(`/metrics scraped ${scrapes} times (every second) during the run`)
  if (opts.kcat) await kcatReference(opts)
  console.log(`load average at the end: ${loadavg()[0]!.toFixed(1)} (other processes share the 2 cores; see BENCHMARKS.md)`)
  if (opts.reps > 1) {
    console.log(`\nmedians of ${opts.reps} runs (by msg/s; each row shows its own run's ceilings and CPU):`)
    for (const rows of [...produceRows.values(), ...consumeRows.values()]) printRate(median(rows, (r) => r.rate.messages / r.rate.ms))
    if (latencyRows.length) printLatency(median(latencyRows, (r) => r.lat.p99))
  }
  if (tls) printTlsCost(produceRows, consumeRows)
}
