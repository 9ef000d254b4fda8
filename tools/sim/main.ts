// `npm run sim -- [--seeds N] [--from S] [--seed S] [--steps N] [--no-faults] [--lossy]
//   [--bug skip-truncation|follower-hw] [--verbose]`
// Runs the deterministic simulation (tools/sim/simulation.ts) over seeds S..S+N-1 (or one seed)
// and prints, per failing seed, the violated invariant and the command that replays it exactly;
// at the end, seeds per second and events per seed. Exit status 1 when any seed failed.
// `--verbose` prints every replica's state after every event (for one seed: a replay).
import { simulate } from './simulation.ts'
import type { SimOptions } from './simulation.ts'

const args = process.argv.slice(2)
const val = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const one = val('--seed')
const from = Number(one ?? val('--from') ?? 1)
const count = one !== undefined ? 1 : Number(val('--seeds') ?? 100)
const steps = Number(val('--steps') ?? 3000)
const bug = val('--bug') as SimOptions['bug']
const verbose = args.includes('--verbose')
const started = process.hrtime.bigint()
let failed = 0
let events = 0
let acked = 0
for (let seed = from; seed < from + count; seed++) {
  const r = await simulate({ seed, steps, faults: !args.includes('--no-faults'), lossy: args.includes('--lossy'), bug },
    verbose ? (line) => console.log(line) : undefined)
  events += r.steps
  acked += r.acked
  if (r.violation) {
    failed++
    console.log(`seed ${seed} FAILED after ${r.steps} events (${r.virtualMs} ms virtual): ${r.violation.message}\n  replay: ${r.replay}`)
  } else if (count === 1 || verbose) {
    console.log(`seed ${seed} ok: ${r.steps} events, ${r.virtualMs} ms virtual, ${r.produced} produced, ${r.acked} acked, ${r.consumed} consumed, ` +
      `${r.kills} kills, ${r.cuts} cuts; trace ${r.trace.slice(0, 16)}`)
  }
}
const secs = Number(process.hrtime.bigint() - started) / 1e9
console.log(`${count} seeds (${from}..${from + count - 1}), ${steps} steps each: ${failed} failed; ${secs.toFixed(1)} s, ` +
  `${(count / secs).toFixed(1)} seeds/s, ${Math.round(events / count)} events/seed, ${Math.round(events / secs)} events/s, ${acked} records acknowledged`)
process.exit(failed > 0 ? 1 : 0)
