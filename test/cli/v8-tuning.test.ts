// When `samsa` turns V8's concurrent marking off (src/cli/v8-tuning.ts), and that setting it at
// run time really takes effect: V8's own trace counts the concurrent marking tasks it starts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { concurrentMarkingWanted } from '../../src/cli/v8-flags.ts'
import { runProcess } from '../helpers/run.ts'

const TUNING = fileURLToPath(new URL('../../src/cli/v8-tuning.ts', import.meta.url))

test('concurrent marking stays on above two cores; SAMSA_CONCURRENT_MARKING overrides either way', () => {
  assert.equal(concurrentMarkingWanted(1, {}), false)
  assert.equal(concurrentMarkingWanted(2, {}), false)
  assert.equal(concurrentMarkingWanted(8, {}), true)
  assert.equal(concurrentMarkingWanted(2, { SAMSA_CONCURRENT_MARKING: '1' }), true)
  assert.equal(concurrentMarkingWanted(8, { SAMSA_CONCURRENT_MARKING: '0' }), false)
  assert.equal(concurrentMarkingWanted(8, { SAMSA_CONCURRENT_MARKING: 'yes' }), true, 'anything else: the default')
})

test('importing v8-tuning first stops concurrent marking; an explicit node flag wins', async () => {
  // Major GCs over an old generation of many small objects, driven by off-heap allocation as
  // in the broker. (--trace-concurrent-marking must not count as the user choosing the setting.)
  const workload = `
    const keep = []; for (let i = 0; i < 300000; i++) keep.push({ i, a: [i] })
    for (let i = 0; i < 40000; i++) { const b = Buffer.allocUnsafe(65536); if (i % 200 === 0) keep.push(b) }`
  const starts = async (env: Record<string, string>, flags: string[] = []) => {
    const r = await runProcess(process.execPath, ['--import', 'tsx', '--trace-concurrent-marking', ...flags, '--input-type=module', '-e',
      `import ${JSON.stringify(TUNING)}\n${workload}`], { env, timeoutMs: 60_000 })
    assert.equal(r.code, 0, r.stderr)
    return (r.stdout.match(/Starting major concurrent marking/g) ?? []).length
  }
  const on = await starts({ SAMSA_CONCURRENT_MARKING: '1' })
  const off = await starts({ SAMSA_CONCURRENT_MARKING: '0' })
  const explicit = await starts({ SAMSA_CONCURRENT_MARKING: '0' }, ['--concurrent-marking'])
  assert.ok(on >= 10, `with concurrent marking, ${on} marking tasks started`)
  assert.ok(off * 3 < on, `turned off at run time: ${off} tasks started (on: ${on})`)
  assert.ok(explicit * 3 > on, `--concurrent-marking on the command line keeps it: ${explicit} tasks (on: ${on})`)
})
