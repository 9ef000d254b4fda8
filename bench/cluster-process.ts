// A 3-broker embedded cluster (startCluster over the memory store) in its own process, for
// `npm run bench -- cluster`: prints one JSON line {ports} once ready, closes on SIGTERM. With
// SAMSA_BENCH_PROFILE_DIR set, SIGUSR2 starts a V8 CPU profile and the next SIGUSR2 writes it
// there as <n>.cpuprofile (the bench profiles each row's measured window this way), and prints
// on stderr how many requests of each API every broker answered in that window.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Session } from 'node:inspector'
import { startCluster } from '../src/broker/index.ts'
import { BENCH_BROKER_CONFIGS } from './cluster-rows.ts'

const brokers = Number(process.argv[2] ?? 3)
const cluster = await startCluster({ brokers, config: { 'log.flush.interval.messages': Number.MAX_SAFE_INTEGER, ...BENCH_BROKER_CONFIGS } })
console.log(JSON.stringify({ ports: cluster.brokers.map((b) => b.port) }))
process.once('SIGTERM', () => {
  void cluster.close().then(() => process.exit(0))
})

const profileDir = process.env.SAMSA_BENCH_PROFILE_DIR
if (profileDir) {
  mkdirSync(profileDir, { recursive: true })
  const session = new Session()
  session.connect()
  let profiling = false
  let n = 0
  let before: Map<string, number>[] = []
  process.on('SIGUSR2', () => {
    if (!profiling) {
      profiling = true
      void requestCounts().then((c) => { before = c })
      session.post('Profiler.enable', () => session.post('Profiler.start'))
      return
    }
    profiling = false
    const window = n + 1
    void requestCounts().then((after) => {
      const lines = after.map((m, i) => `broker ${i}: ` + [...m].map(([api, v]) => `${api} ${v - (before[i]?.get(api) ?? 0)}`)
        .filter((x) => !x.endsWith(' 0')).join(', '))
      process.stderr.write(`requests in window ${window}:\n  ${lines.join('\n  ')}\n`)
    })
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(profileDir, `${++n}.cpuprofile`), JSON.stringify(res.profile))
    })
  })
}

/** Requests answered per API, per broker (the latency histogram's counts). */
async function requestCounts(): Promise<Map<string, number>[]> {
  return Promise.all(cluster.brokers.map(async (b) => {
    const m = new Map<string, number>()
    const metric = b.running?.context.metrics.registry.getSingleMetric('samsa_request_duration_seconds')
    if (!metric) return m
    for (const v of (await metric.get()).values) {
      if ((v as { metricName?: string }).metricName?.endsWith('_count')) m.set(String(v.labels.api), v.value)
    }
    return m
  }))
}
