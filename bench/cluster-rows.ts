// The throughput rows of `npm run bench -- cluster` (both layouts): which rows run (`--rows`),
// the brokers' CPU time over each row's measured window (from /proc), and how rows print.
import type { RateResult } from './loadgen/jobs.ts'
import type { WindowHooks } from './loadgen/producer.ts'
import { processCpuMs } from './loadgen/cpu.ts'

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

/** The brokers' CPU over a row's window: all threads, and the busiest event loop (main thread). */
export interface BrokerCpu { ms: number, loopMs: number }

/**
 * A row's figures plus the broker process's CPU per MB of record values produced (ms/MB), and how
 * busy the busiest broker event loop was (at ~100% the loop, not the machine, is the limit).
 */
export function rowLine(label: string, r: RateResult, brokerCpu?: BrokerCpu): string {
  const cpu = brokerCpu === undefined ? '' : ` brokers ${(brokerCpu.ms / (r.valueBytes / 1024 / 1024)).toFixed(1).padStart(5)} CPU ms/MB` +
    ` (${(brokerCpu.ms / r.ms * 100).toFixed(0)}% of a core; busiest event loop ${(brokerCpu.loopMs / (r.valueBytes / 1024 / 1024)).toFixed(1)} ms/MB,` +
    ` ${(brokerCpu.loopMs / r.ms * 100).toFixed(0)}%)`
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
    const loops: number[] = []
    for (const pid of pids) {
      const v = processCpuMs(pid)
      const loop = processCpuMs(pid, pid)
      if (v === undefined || loop === undefined) return undefined
      all.push(v)
      loops.push(loop)
    }
    return { all, loops }
  }
  let start: ReturnType<typeof read>
  let end: ReturnType<typeof read>
  return {
    hooks: { onStart: () => { start = read() }, onEnd: () => { end = read() } },
    ms: () => {
      if (!start || !end) return undefined
      const s = start
      const sum = end.all.reduce((a, v, i) => a + v - s.all[i]!, 0)
      return { ms: sum, loopMs: Math.max(...end.loops.map((v, i) => v - s.loops[i]!)) }
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
