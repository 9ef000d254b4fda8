// Found by `npm run sim -- --seeds 200 --from 30000 --steps 20000` (seed 30004): a leader proposed
// adding a caught-up follower to the ISR; the write reached the store but its answer timed out. The
// leader dropped the proposal, so the follower left the maximal ISR and the HW moved past its log
// end; the controller, reading the stored ISR (which had it), later elected it, and committed
// records were truncated everywhere. A write without an answer now stays pending (the HW waits for
// the joining follower) and is written again until the store or the image settles it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { simulate } from '../../../../tools/sim/simulation.ts'

test('seed 30004 (20,000 events): an ISR expansion whose write timed out is not dropped while it may have committed', { timeout: 120_000 }, async () => {
  const r = await simulate({ seed: 30004, steps: 20_000 })
  assert.equal(r.violation, undefined, `${r.violation?.message}\n  replay: ${r.replay}`)
  assert.ok(r.acked > 100, `records acknowledged: ${r.acked}`)
})
