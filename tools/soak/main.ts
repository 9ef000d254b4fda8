// `npm run soak -- [--minutes N | --seconds N] [--concurrency N] [--seed N] [--set key=value]...
//   [--snapshot-at S,S,...] [--snapshot-dir DIR] [--broker-js PATH] [--nice N]`
// Fuzzes a `samsa start` process (built JS: run `npm run build` first) with mutated real-shaped
// requests over many connections and prints its memory (RSS, heap after a full GC) and how long a
// fresh client's ApiVersions took, every few seconds, with the load average. docs/soak.md.
import { runSoak } from './soak.ts'
import type { Sample } from './soak.ts'
import { plateau } from './plateau.ts'

const args = process.argv.slice(2)
const val = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const seconds = val('--seconds') !== undefined ? Number(val('--seconds')) : Number(val('--minutes') ?? 5) * 60
const sets = Object.fromEntries(args.flatMap((a, i) => (a === '--set' ? [args[i + 1]!.split(/=(.*)/s).slice(0, 2)] : [])))
const row = (s: Sample) => console.log([s.t, s.rssMB, s.heapMB, s.codeMB, s.externalMB, s.frames, s.connections, s.partitions, s.probeMaxMs, s.stallMs, s.cpu, s.handles, s.load1]
  .map((x) => String(x).padStart(10)).join(''))
console.log(['t (s)', 'RSS MB', 'heap MB', 'code MB', 'ext MB', 'frames', 'conns', 'partitions', 'probe ms', 'stall ms', 'cpu %', 'handles', 'load1'].map((x) => x.padStart(10)).join(''))
const result = await runSoak({
  seconds,
  seed: Number(val('--seed') ?? 1),
  concurrency: Number(val('--concurrency') ?? 24),
  sets,
  brokerJs: val('--broker-js'),
  snapshotAt: val('--snapshot-at')?.split(',').map(Number),
  snapshotDir: val('--snapshot-dir'),
  onSample: row,
  nice: val('--nice') !== undefined ? Number(val('--nice')) : undefined,
})
const p = plateau(result.samples)
console.log(`frames ${result.frames}, connections ${result.connections}, ApiVersions probes ${result.probes}: slowest ${result.probeMaxMs} ms, ` +
  `${result.probeFailures} unanswered within 5 s`)
console.log(`after warm-up (from ${p.fromT} s): heap ${p.heapStartMB} -> max ${p.heapMaxMB} MB, RSS ${p.rssStartMB} -> max ${p.rssMaxMB} MB; heap slope ${p.heapSlopeMBPerMin} MB/min`)
for (const s of result.snapshots) console.log(`heap snapshot: ${s}`)
const top = [...result.logCounts].sort((a, b) => b[1] - a[1]).slice(0, 15)
if (top.length > 0) console.log(`broker warnings and errors (level, message, count):\n${top.map(([k, n]) => `${String(n).padStart(7)}  ${k}`).join('\n')}`)
