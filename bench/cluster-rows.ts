// The throughput rows of `npm run bench -- cluster` (both layouts): which rows run (`--rows`),
// the brokers' CPU time over each row's measured window (from /proc), and how rows print.
import type { ProduceJob, RateResult } from './loadgen/jobs.ts'
import { runProduce } from './loadgen/producer.ts'
import type { WindowHooks } from './loadgen/producer.ts'
import { contextSwitches, pageCacheMb, processCpuMs, processCpuTimes } from './loadgen/cpu.ts'

export const mbps = (r: RateResult): number => r.valueBytes / 1024 / 1024 / (r.ms / 1000)
export const msgs = (r: RateResult): number => r.messages / (r.ms / 1000)

/** The throughput rows: label, topic, acks. `--rows` picks some by label without spaces (e.g. `RF=3acks=all`). */
export const ROWS = [['RF=1 acks=1', 'rf1', 1], ['RF=3 acks=1', 'rf3', 1], ['RF=3 acks=all', 'rf3', -1], ['RF=1 acks=all', 'rf1', -1]] as const
export type Row = (typeof ROWS)[number]

export function pickRows(args: string[]): Row[] {
  const i = args.indexOf('--rows')
  if (i < 0) return [...ROWS]
  const wanted = args[i + 1]!.split(',')
  // In the order asked for (a row's place matters: the disk's write-back of earlier rows' bytes).
  return wanted.map((w) => ROWS.find(([label]) => label.replace(/ /g, '') === w)).filter((r) => r !== undefined)
}

/**
 * The brokers' CPU over a row's window: all threads (and of that, kernel time), the busiest event
 * loop (main thread), and how much the machine's page cache grew (MB; other processes included).
 */
export interface BrokerCpu { ms: number, sysMs: number, loopMs: number, switches?: number, cacheGrowthMb?: number }

/**
 * A row's figures plus the broker process's CPU per MB of record values produced (ms/MB), and how
 * busy the busiest broker event loop was (at ~100% the loop, not the machine, is the limit).
 */
export function rowLine(label: string, r: RateResult, brokerCpu?: BrokerCpu): string {
  const mb = r.valueBytes / 1024 / 1024
  const cache = brokerCpu?.cacheGrowthMb === undefined ? '' : `, page cache ${brokerCpu.cacheGrowthMb >= 0 ? '+' : ''}${brokerCpu.cacheGrowthMb.toFixed(0)} MB`
  const cpu = brokerCpu === undefined ? '' : ` brokers ${(brokerCpu.ms / mb).toFixed(1).padStart(5)} CPU ms/MB` +
    ` (sys ${(brokerCpu.sysMs / mb).toFixed(1)}; ${(brokerCpu.ms / r.ms * 100).toFixed(0)}% of a core;` +
    `${brokerCpu.switches === undefined ? '' : ` ${(brokerCpu.switches / mb).toFixed(0)} context switches/MB;`} busiest event loop ${(brokerCpu.loopMs / (r.valueBytes / 1024 / 1024)).toFixed(1)} ms/MB,` +
    ` ${(brokerCpu.loopMs / r.ms * 100).toFixed(0)}%${cache})`
  return `${label.padEnd(14)} ${msgs(r).toFixed(0).padStart(8)} msg/s ${mbps(r).toFixed(1).padStart(7)} MB/s${cpu}, load generator ${(r.cpuMs / r.ms * 100).toFixed(0)}%` +
    `${r.errors ? ` errors ${r.errors} (${r.firstError})` : ''}`
}

/**
 * The CPU time of `pids` between the hooks' start and end (ms; undefined off Linux): summed over
 * the processes, and the largest of their main threads' (event loops') shares.
 */
export function cpuWindow(pids: readonly number[]): { hooks: WindowHooks, ms: () => BrokerCpu | undefined } {
  const read = () => {
    const all: number[] = []
    const sys: number[] = []
    const loops: number[] = []
    let switches: number | undefined = 0
    for (const pid of pids) {
      const n = contextSwitches(pid)
      switches = n === undefined || switches === undefined ? undefined : switches + n
      const v = processCpuTimes(pid)
      const loop = processCpuMs(pid, pid)
      if (v === undefined || loop === undefined) return undefined
      all.push(v.user + v.sys)
      sys.push(v.sys)
      loops.push(loop)
    }
    return { all, sys, loops, switches, cache: pageCacheMb() }
  }
  let start: ReturnType<typeof read>
  let end: ReturnType<typeof read>
  return {
    hooks: { onStart: () => { start = read() }, onEnd: () => { end = read() } },
    ms: () => {
      if (!start || !end) return undefined
      const s = start
      const sum = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + v - b[i]!, 0)
      return {
        ms: sum(end.all, s.all), sysMs: sum(end.sys, s.sys),
        loopMs: Math.max(...end.loops.map((v, i) => v - s.loops[i]!)),
        switches: end.switches !== undefined && s.switches !== undefined ? end.switches - s.switches : undefined,
        cacheGrowthMb: end.cache !== undefined && s.cache !== undefined ? end.cache - s.cache : undefined,
      }
    },
  }
}

/** RF=3 rows as a share of RF=1 acks=1 (and of RF=1 acks=all), the issue's target ratio. */
export function ratioLine(figures: ReadonlyMap<string, RateResult>): string {
  const base = figures.get('RF=1 acks=1')
  const all = figures.get('RF=1 acks=all')
  const ratio = (label: string, to: RateResult | undefined) => { const r = figures.get(label); return r && to ? `${(msgs(r) / msgs(to) * 100).toFixed(0)}%` : '-' }
  return `ratios to RF=1 acks=1: RF=3 acks=1 ${ratio('RF=3 acks=1', base)}, RF=3 acks=all ${ratio('RF=3 acks=all', base)}` +
    ` (RF=3 acks=all to RF=1 acks=all: ${ratio('RF=3 acks=all', all)})`
}

/**
 * Node flags for the broker process(es): `--cpu-prof DIR` (V8 CPU profiles written there at exit),
 * `--perf-map` (--perf-basic-prof, so `perf record -p PID` names JavaScript frames).
 */
export function brokerNodeFlags(args: readonly string[]): string[] {
  const flags: string[] = []
  const i = args.indexOf('--cpu-prof')
  if (i >= 0) flags.push('--cpu-prof', '--cpu-prof-dir', args[i + 1]!)
  if (args.includes('--perf-map')) flags.push('--perf-basic-prof')
  return flags
}

/**
 * The page-cache states rows run in (`--page-cache growing|steady|both`, default both, growing first).
 * growing: the topics keep every byte (Samsa's defaults), so each row grows the page cache by GBs —
 * on this VM (free page reporting) each new page-cache page faults on the host at first touch,
 * 1-2.5 ms of kernel time per MB, and a row's cost depends on what ran before it.
 * steady: the same rows on topics whose retention keeps a few segments per replica (as a broker at
 * steady state with retention), so writes reuse pages freed a moment earlier (~0.2 ms/MB).
 */
export type PageCacheMode = 'growing' | 'steady'
export function pageCacheModes(args: readonly string[]): PageCacheMode[] {
  const i = args.indexOf('--page-cache')
  const v = i >= 0 ? args[i + 1] : 'both'
  if (v === 'growing' || v === 'steady') return [v]
  if (v === 'both') return ['growing', 'steady']
  throw new Error(`--page-cache growing|steady|both, not ${v}`)
}

/** Topic configs of the steady rows: 32 MiB segments, 64 MiB kept per replica. */
export const STEADY_TOPIC_CONFIGS: Readonly<Record<string, string>> = { 'segment.bytes': String(32 * 1024 ** 2), 'retention.bytes': String(64 * 1024 ** 2) }
/** Written before a steady row's warm-up: enough for retention to delete segments from then on. */
const STEADY_PREFILL_BYTES = 160 * 1024 ** 2
/** Broker configs for every row: retention runs every 250 ms, so segments are freed as they age out. */
export const BENCH_BROKER_CONFIGS: Readonly<Record<string, string>> = { 'log.retention.check.interval.ms': '250' }

/** The topic a row writes to in a page-cache mode. */
export const rowTopic = (topic: string, mode: PageCacheMode): string => mode === 'steady' ? `${topic}-steady` : topic

/** Runs one row: in a steady page cache, first fills the topic past its retention (unmeasured). */
export async function runRow(job: ProduceJob, mode: PageCacheMode, hooks: WindowHooks): Promise<RateResult> {
  if (mode === 'steady') await runProduce({ ...job, topic: rowTopic(job.topic, mode), warmupMs: 0, durationMs: 60_000, maxBytes: STEADY_PREFILL_BYTES })
  return runProduce({ ...job, topic: rowTopic(job.topic, mode) }, hooks)
}

/** The topic the process warm-up writes to (RF=3, steady configs). */
export const WARMUP_TOPIC = 'warmup'

/**
 * Before the first row: the brokers' code paths get compiled and their heaps sized on a topic of
 * their own (RF=3, acks=all then acks=1, unmeasured), so the first row does not pay for it (the
 * first row of a fresh process measured RF=3 acks=all at a third of its later rate).
 */
export async function warmUp(job: ProduceJob): Promise<void> {
  for (const acks of [-1, 1]) await runProduce({ ...job, topic: WARMUP_TOPIC, acks, warmupMs: 0, durationMs: 60_000, maxBytes: 256 * 1024 ** 2 })
}
