// `npm run bench -- streams [--n N] [--keys K] [--only NAME] [--no-nodefluent]`: samsa/streams throughput against a
// `samsa start` process (one partition per topic, so one task does all the work on this process's
// one event loop): records/s through a stateless mapValues+filter, a count in a persistent (LMDB)
// store (with its record cache, and without) and in an in-memory one, a tumbling-window count and a stream-table join, each under
// at_least_once and exactly_once_v2 (Kafka's default commit intervals: 30 s and 100 ms). Input is
// produced before each application starts; the clock runs from RUNNING to the last input record
// processed plus the final commit, after one unreported warm-up run. Then the stores alone: puts/gets per second, LMDB vs in memory.
// Then nodefluent's kafka-streams 5.0.0 on the same input (bench/streams-nodefluent.ts) for the
// stateless and count rows. Prints figures; asserts nothing.
// Each row also shows where its CPU went (this process and the broker's: kernel time, minor page
// faults — on this VM each costs ~20 µs of CPU), the garbage collections of this process and how
// much the page cache grew (docs/benchmarks/streams.md). SAMSA_BENCH_PERF_CTL=<fifo>: writes
// `enable`/`disable` around each reported row, for `perf record --control=fifo:<fifo> -D -1`.
import { mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBrokerProcess } from './broker-process.ts'
import { Admin, Producer } from '../src/client/index.ts'
import { KafkaStreams, Serdes, StreamsBuilder, TimeWindows } from '../src/streams/index.ts'
import type { Topology } from '../src/streams/index.ts'
import { InMemoryBytesStore } from '../src/streams/state/bytes-store.ts'
import { LmdbBytesStore } from '../src/streams/state/lmdb-store.ts'
import type { BytesKeyValueStore } from '../src/streams/state/bytes-store.ts'
import { runNodefluent } from './streams-nodefluent.ts'
import { minorFaults, pageCacheMb, processCpuTimes } from './loadgen/cpu.ts'
import type { NodefluentScenario } from './streams-nodefluent.ts'

const S = Serdes.String()
const perfFd = process.env.SAMSA_BENCH_PERF_CTL ? openSync(process.env.SAMSA_BENCH_PERF_CTL, 'w') : undefined
const perfCtl = (cmd: string): void => {
  if (perfFd !== undefined) writeSync(perfFd, `${cmd}\n`)
}

/** Garbage collections of this process since start: scavenges, mark-compacts, and their pause time. */
const gcs = { minor: 0, major: 0, ms: 0 }
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) gcs.minor++
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++
    gcs.ms += e.duration
  }
}).observe({ entryTypes: ['gc'] })
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : dflt
}

const SCENARIOS: Record<string, (b: StreamsBuilder, out: string) => void> = {
  'stateless map+filter': (b, out) => b.stream<string, string>('bench-in', { keySerde: S, valueSerde: S })
    .mapValues((v) => v.toUpperCase()).filter((k) => !k.endsWith('7')).to(out, { keySerde: S, valueSerde: S }),
  'count (persistent, LMDB)': (b, out) => b.stream<string, string>('bench-in', { keySerde: S, valueSerde: S })
    .groupByKey().count({ storeType: 'persistent' }).toStream().to(out, { keySerde: S, valueSerde: Serdes.Long() }),
  'count (persistent, no cache)': (b, out) => b.stream<string, string>('bench-in', { keySerde: S, valueSerde: S })
    .groupByKey().count({ storeType: 'persistent', caching: false }).toStream().to(out, { keySerde: S, valueSerde: Serdes.Long() }),
  'count (in-memory)': (b, out) => b.stream<string, string>('bench-in', { keySerde: S, valueSerde: S })
    .groupByKey().count({ storeType: 'in-memory' }).toStream().to(out, { keySerde: S, valueSerde: Serdes.Long() }),
  'tumbling window count 1 s': (b, out) => b.stream<string, string>('bench-in', { keySerde: S, valueSerde: S })
    .groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(1000)).count()
    .toStream().map((wk, n): [string, number | null] => [wk.key, n]).to(out, { keySerde: S, valueSerde: Serdes.Long() }),
  'stream-table join': (b, out) => {
    const t = b.table<string, string>('bench-table', { keySerde: S, valueSerde: S })
    b.stream<string, string>('bench-in', { keySerde: S, valueSerde: S }).joinTable(t, (v, tv) => `${v}|${tv}`).to(out, { keySerde: S, valueSerde: S })
  },
}

/** Where a row's time went: this (the streams) process and the broker process, from RUNNING to after close. */
interface RowResult {
  ms: number
  cpuMs: number
  sysMs: number
  faults: number
  broker?: { cpuMs: number, sysMs: number, faults: number }
  /** Growth of the machine's page cache over the row, MB (other processes included). */
  cacheMb?: number
  gc: { minor: number, major: number, ms: number }
}

function snapshot(brokerPid: number | undefined) {
  const r = process.resourceUsage()
  const b = brokerPid === undefined ? undefined : processCpuTimes(brokerPid)
  const bf = brokerPid === undefined ? undefined : minorFaults(brokerPid)
  return { t: performance.now(), user: r.userCPUTime, sys: r.systemCPUTime, faults: r.minorPageFault, b, bf, cache: pageCacheMb(), gc: { ...gcs } }
}

async function runApp(topology: Topology, bootstrap: string, appId: string, eos: boolean, n: number, tableRecords: number, brokerPid?: number): Promise<RowResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'samsa-bench-streams-'))
  const app = new KafkaStreams(topology, { applicationId: appId, bootstrapServers: bootstrap, stateDir, processingGuarantee: eos ? 'exactly_once_v2' : 'at_least_once' })
  try {
    let s0: ReturnType<typeof snapshot> | undefined
    app.setStateListener((s) => {
      if (s === 'RUNNING' && s0 === undefined) {
        s0 = snapshot(brokerPid)
        if (appId !== 'bench-warmup') perfCtl('enable')
      }
    })
    await app.start()
    const target = n + tableRecords
    while (app.processed < target) await new Promise((r) => setTimeout(r, 5))
    await app.close() // the final commit is part of the work
    perfCtl('disable')
    // Entries of collections during close() arrive on a later turn.
    await new Promise((r) => setImmediate(r))
    const s1 = snapshot(brokerPid)
    const a = s0!
    const broker = a.b !== undefined && s1.b !== undefined && a.bf !== undefined && s1.bf !== undefined
      ? { cpuMs: s1.b.user + s1.b.sys - a.b.user - a.b.sys, sysMs: s1.b.sys - a.b.sys, faults: s1.bf - a.bf }
      : undefined
    return {
      ms: s1.t - a.t,
      cpuMs: (s1.user + s1.sys - a.user - a.sys) / 1000,
      sysMs: (s1.sys - a.sys) / 1000,
      faults: s1.faults - a.faults,
      broker,
      cacheMb: a.cache === undefined || s1.cache === undefined ? undefined : s1.cache - a.cache,
      gc: { minor: s1.gc.minor - a.gc.minor, major: s1.gc.major - a.gc.major, ms: s1.gc.ms - a.gc.ms },
    }
  } finally {
    await app.close()
    rmSync(stateDir, { recursive: true, force: true })
  }
}

/**
 * The per-row detail after records/s: each process's CPU per record (of it kernel time) and minor
 * page faults per record; this process's collections (many mark-compacts: young objects are being
 * promoted, each promoted page faulted in fresh).
 */
function detail(r: RowResult, n: number): string {
  const us = (ms: number) => (ms * 1000 / n).toFixed(2)
  const streams = `${Math.round((r.cpuMs / r.ms) * 100)} %, ${us(r.cpuMs)} µs/record (sys ${us(r.sysMs)}, ${(r.faults / n).toFixed(3)} faults;` +
    ` GC ${r.gc.minor}+${r.gc.major} ${Math.round(r.gc.ms)} ms)`
  const broker = r.broker === undefined ? '' : `; broker ${us(r.broker.cpuMs)} µs/record (sys ${us(r.broker.sysMs)}, ${(r.broker.faults / n).toFixed(3)} faults)`
  const cache = r.cacheMb === undefined ? '' : `; page cache ${r.cacheMb >= 0 ? '+' : ''}${r.cacheMb.toFixed(0)} MB`
  return streams + broker + cache
}

function storeOps(make: () => BytesKeyValueStore, n: number, keys: number): { puts: number; gets: number } {
  const s = make()
  const k = Array.from({ length: keys }, (_, i) => Buffer.from(`key-${i}`))
  const v = Buffer.alloc(16, 1)
  let t = performance.now()
  for (let i = 0; i < n; i++) {
    s.put(k[i % keys]!, v)
    if (i % 10_000 === 9_999) s.flush() // a commit every 10,000 records
  }
  s.flush()
  const puts = n / ((performance.now() - t) / 1000)
  t = performance.now()
  let hits = 0
  for (let i = 0; i < n; i++) if (s.get(k[i % keys]!) !== undefined) hits++
  const gets = hits / ((performance.now() - t) / 1000)
  s.close()
  return { puts, gets }
}

export async function run(args: string[]): Promise<void> {
  const n = arg(args, '--n', 200_000)
  const keys = arg(args, '--keys', 10_000)
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1]! : ''
  const broker = await startBrokerProcess('streams', { 'num.partitions': '1', 'offsets.topic.num.partitions': '1', 'transaction.state.log.num.partitions': '1', 'group.initial.rebalance.delay.ms': '0' })
  const bootstrap = `127.0.0.1:${broker.port}`
  try {
    const admin = new Admin({ bootstrapServers: bootstrap })
    await admin.createTopics([{ topic: 'bench-in', numPartitions: 1 }, { topic: 'bench-table', numPartitions: 1 }])
    const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 5, batchSize: 256 * 1024 })
    const value = 'x'.repeat(100)
    for (let i = 0; i < n; i += 10_000) {
      await p.sendBatch(Array.from({ length: Math.min(10_000, n - i) }, (_, j) => ({ topic: 'bench-in', key: `k${(i + j) % keys}`, value, timestamp: 1_000_000 + i + j })))
    }
    await p.sendBatch(Array.from({ length: keys }, (_, i) => ({ topic: 'bench-table', key: `k${i}`, value: `t${i}`, timestamp: 0 })))
    await p.close()
    console.log(`input: ${fmt(n)} records of 100 B, ${fmt(keys)} keys, one partition; table: ${fmt(keys)} rows`)
    console.log(`${'scenario'.padEnd(28)} ${'guarantee'.padEnd(16)} ${'records/s'.padStart(10)}   streams process CPU (of one core), CPU per record (kernel, minor page faults; scavenges+mark-compacts, pause); broker's; page cache growth`)
    let id = 0
    // Warm-up (JIT, connections): the first scenario once, not reported.
    {
      const b = new StreamsBuilder()
      await admin.createTopics([{ topic: 'bench-out-warmup', numPartitions: 1 }])
      SCENARIOS['stateless map+filter']!(b, 'bench-out-warmup')
      await runApp(b.build(), bootstrap, 'bench-warmup', false, n, 0, broker.pid)
    }
    const perScenario = new Map<string, number[]>()
    for (const [name, build] of Object.entries(SCENARIOS)) {
      if (only !== '' && !name.includes(only)) continue
      for (const eos of [false, true]) {
        const b = new StreamsBuilder()
        const out = `bench-out-${++id}`
        await admin.createTopics([{ topic: out, numPartitions: 1 }])
        build(b, out)
        const tableRecords = name === 'stream-table join' ? keys : 0
        const r = await runApp(b.build(), bootstrap, `bench-${id}`, eos, n, tableRecords, broker.pid)
        const rate = n / (r.ms / 1000)
        ;(perScenario.get(name) ?? perScenario.set(name, []).get(name)!).push(rate)
        console.log(`${name.padEnd(28)} ${(eos ? 'exactly_once_v2' : 'at_least_once').padEnd(16)} ${fmt(rate).padStart(10)}   ${detail(r, n)}`)
      }
    }
    for (const [name, [alos, eos]] of perScenario) if (alos !== undefined && eos !== undefined) console.log(`${name}: exactly_once_v2 at ${Math.round((eos / alos) * 100)} % of at_least_once`)
    if (!args.includes('--no-nodefluent')) {
      // The same input read by nodefluent's kafka-streams 5.0.0 (at-least-once: kafka-node auto-commit).
      const ours = new Map([...perScenario].map(([k, v]) => [k, v[0]]))
      for (const name of ['stateless map+filter', 'count (in-memory)'] as NodefluentScenario[]) {
        if (only !== '' && !name.includes(only)) continue
        const out = `bench-out-${++id}`
        await admin.createTopics([{ topic: out, numPartitions: 1 }])
        let expected = n
        if (name === 'stateless map+filter') for (let i = 0; i < n; i++) if ((i % keys) % 10 === 7) expected--
        const r = await runNodefluent(admin, bootstrap, name, 'bench-in', out, expected, String(id)).catch((e: Error) => { console.log(`nodefluent ${name}: failed: ${e.message}`); return null })
        if (r === null) {
          console.log(`${`nodefluent ${name}`.padEnd(28)} did not finish within 120 s`)
          continue
        }
        const rate = n / (r.ms / 1000)
        const mine = ours.get(name)
        console.log(`${`nodefluent ${name}`.padEnd(28)} ${'at_least_once'.padEnd(16)} ${fmt(rate).padStart(10)}   ${Math.round((r.cpuMs / r.ms) * 100)} %, ${(r.cpuMs * 1000 / n).toFixed(2)} µs/record${mine === undefined ? '' : `; samsa/streams ${(mine / rate).toFixed(1)}x`}`)
      }
    }
    await admin.close()
  } finally {
    await broker.stop()
  }
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-lmdb-'))
  try {
    const ops = 500_000
    const mem = storeOps(() => new InMemoryBytesStore(), ops, keys)
    const lmdb = storeOps(() => new LmdbBytesStore(join(dir, 'store')), ops, keys)
    console.log(`stores alone (${fmt(ops)} puts over ${fmt(keys)} keys, flush every 10,000; then gets):`)
    console.log(`  in memory: ${fmt(mem.puts)} puts/s, ${fmt(mem.gets)} gets/s`)
    console.log(`  LMDB:      ${fmt(lmdb.puts)} puts/s, ${fmt(lmdb.gets)} gets/s`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
