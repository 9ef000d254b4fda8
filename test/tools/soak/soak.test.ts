// The soak in the suite: half a minute of fuzzed real-shaped requests over many short and long
// connections against a `samsa start` process (built JS). The broker's heap after a full GC must
// plateau (grow at most 4 MB/min and 6 MB after warm-up) once the bounded state (here
// max.broker.partitions=100) has filled, and a fresh
// client's ApiVersions must be answered throughout. `npm run soak -- --minutes 5` is the long run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runSoak } from '../../../tools/soak/soak.ts'
import { plateau } from '../../../tools/soak/plateau.ts'

const SECONDS = Number(process.env.SAMSA_SOAK_SECONDS ?? 30)

test(`${SECONDS} s of fuzzed requests: heap plateaus, ApiVersions stays answered`, { timeout: (SECONDS + 60) * 1000 }, async (t) => {
  const result = await runSoak({
    seconds: SECONDS,
    concurrency: 12,
    nice: 0,
    loadInProcess: true,
    sampleEvery: 3,
    sets: { 'max.broker.partitions': '100' },
    brokerJs: process.env.SAMSA_SOAK_BROKER_JS,
  })
  const p = plateau(result.samples)
  const table = result.samples.map((s) => `${s.t}s rss ${s.rssMB} heap ${s.heapMB} probe ${s.probeMaxMs} cpu ${s.cpu}% load ${s.load1}`)
  t.diagnostic(`frames ${result.frames}, connections ${result.connections}, slowest ApiVersions ${result.probeMaxMs} ms, ` +
    `heap after warm-up ${p.heapStartMB} -> max ${p.heapMaxMB} MB, ${p.heapSlopeMBPerMin} MB/min`)
  for (const line of table) t.diagnostic(line)
  const why = `\n${table.join('\n')}`
  assert.ok(result.frames > 2000, `the load sent only ${result.frames} frames${why}`)
  // Unbounded state grew ~18 MB/min here (an invented topic per Metadata request, ~12 KB each).
  assert.ok(p.heapSlopeMBPerMin <= 4, `the heap kept growing after warm-up: ${p.heapSlopeMBPerMin} MB/min${why}`)
  assert.ok(p.heapMaxMB - p.heapStartMB <= 6, `the heap grew from ${p.heapStartMB} to ${p.heapMaxMB} MB after warm-up${why}`)
  assert.equal(result.probeFailures, 0, `${result.probeFailures} of ${result.probes} ApiVersions probes unanswered within 5 s${why}`)
})
