// The deterministic simulation (tools/sim/, docs/simulation.md) in the
// suite: a few hundred seeds of a three-broker cluster under kills, restarts, partitions, split
// brain with the store and a lossy, reordering network, every invariant checked after every event;
// a seed's trace is identical when it runs again; and deliberately broken replication rules are
// caught, so the invariants are shown to bite. The longer run is `npm run sim -- --seeds 10000`.
// SAMSA_SIM_SEEDS / SAMSA_SIM_STEPS change the suite's share.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { simulate } from '../../../../tools/sim/simulation.ts'

const SEEDS = Number(process.env['SAMSA_SIM_SEEDS'] ?? 240)
const STEPS = Number(process.env['SAMSA_SIM_STEPS'] ?? 400)

test(`simulation: ${SEEDS} seeds of ${STEPS} events under faults hold every invariant`, async () => {
  const failures: string[] = []
  let acked = 0
  let kills = 0
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = await simulate({ seed, steps: STEPS })
    acked += r.acked
    kills += r.kills
    if (r.violation) failures.push(`seed ${seed}: ${r.violation.message}\n  replay: ${r.replay}`)
  }
  assert.deepEqual(failures, [])
  // The runs did something: records were acknowledged and brokers were killed.
  assert.ok(acked > SEEDS * 5, `acknowledged ${acked}`)
  assert.ok(kills > SEEDS / 4, `kills ${kills}`)
})

test('simulation: a seed replays exactly (same event trace, same outcome)', async () => {
  const a = await simulate({ seed: 4242, steps: 1500 })
  const b = await simulate({ seed: 4242, steps: 1500 })
  assert.equal(a.violation, undefined)
  assert.equal(a.trace, b.trace)
  assert.deepEqual({ ...a, trace: '' }, { ...b, trace: '' })
  const c = await simulate({ seed: 4243, steps: 1500 })
  assert.notEqual(c.trace, a.trace)
})

test('simulation: a follower that takes its own log end as the high watermark is caught', async () => {
  const r = await simulate({ seed: 1, steps: 600, bug: 'follower-hw' })
  assert.ok(r.violation, 'the broken rule went unnoticed')
  assert.match(r.violation.rule, /follower high watermark|committed record changed/)
  assert.match(r.replay, /--seed 1 .*--bug follower-hw/)
})

test('simulation: a follower that skips truncation is caught, and the failing seed replays exactly', async () => {
  let failing: Awaited<ReturnType<typeof simulate>> | undefined
  for (let seed = 5; seed <= 24 && !failing; seed++) {
    const r = await simulate({ seed, steps: 800, bug: 'skip-truncation' })
    if (r.violation) failing = r
  }
  assert.ok(failing?.violation, 'no seed in 5..24 caught the skipped truncation')
  const again = await simulate({ seed: failing.seed, steps: 800, bug: 'skip-truncation' })
  assert.equal(again.violation?.message, failing.violation.message)
  assert.equal(again.trace, failing.trace)
})
