// When `samsa` turns V8's concurrent marking off (src/cli/v8-tuning.ts, v8-flags.ts). What the
// flag set at run time does to V8 is measured in BENCHMARKS.md (V8's trace varies too much with
// the machine's load for an assertion).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { concurrentMarkingWanted, nodeFlagGiven } from '../../src/cli/v8-flags.ts'

test('concurrent marking stays on above two cores; SAMSA_CONCURRENT_MARKING overrides either way', () => {
  assert.equal(concurrentMarkingWanted(1, {}), false)
  assert.equal(concurrentMarkingWanted(2, {}), false)
  assert.equal(concurrentMarkingWanted(8, {}), true)
  assert.equal(concurrentMarkingWanted(2, { SAMSA_CONCURRENT_MARKING: '1' }), true)
  assert.equal(concurrentMarkingWanted(8, { SAMSA_CONCURRENT_MARKING: '0' }), false)
  assert.equal(concurrentMarkingWanted(8, { SAMSA_CONCURRENT_MARKING: 'yes' }), true, 'anything else: the default')
})

test('a node flag for concurrent marking wins; flags that only contain its name do not count', () => {
  assert.equal(nodeFlagGiven('concurrent-marking', ['--concurrent-marking']), true)
  assert.equal(nodeFlagGiven('concurrent-marking', ['--no-concurrent-marking']), true)
  assert.equal(nodeFlagGiven('concurrent-marking', [], '--max-old-space-size=512 --concurrent-marking'), true)
  assert.equal(nodeFlagGiven('concurrent-marking', ['--trace-concurrent-marking', '--perf-basic-prof']), false)
  assert.equal(nodeFlagGiven('concurrent-marking', [], '--trace-concurrent-marking'), false)
  assert.equal(nodeFlagGiven('concurrent-marking', []), false)
})
