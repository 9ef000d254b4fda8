// When `samsa` turns V8's concurrent marking off (src/cli/v8-tuning.ts), and what setting it at
// run time really does: V8's own trace lists the concurrent marking tasks it starts.
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

test('importing v8-tuning first stops the extra concurrent marking tasks; an explicit node flag wins', async () => {
  // Major GCs over an old generation of many small objects, driven by off-heap allocation as
  // in the broker. With concurrent marking V8 runs up to four marking tasks per cycle; with the
  // flag set at run time (after the heap exists) at most the first one still starts, never a
  // second. (--trace-concurrent-marking must not count as the user choosing the setting.)
  const workload = `
    const keep = []; for (let i = 0; i < 300000; i++) keep.push({ i, a: [i] })
    for (let i = 0; i < 40000; i++) { const b = Buffer.allocUnsafe(65536); if (i % 200 === 0) keep.push(b) }`
  const extraTasks = async (env: Record<string, string>, flags: string[] = []) => {
    const r = await runProcess(process.execPath, ['--import', 'tsx', '--trace-concurrent-marking', ...flags, '--input-type=module', '-e',
      `import ${JSON.stringify(TUNING)}\n${workload}`], { env, timeoutMs: 60_000 })
    assert.equal(r.code, 0, r.stderr)
    return (r.stdout.match(/Starting major concurrent marking task [2-9]/g) ?? []).length
  }
  assert.ok(await extraTasks({ SAMSA_CONCURRENT_MARKING: '1' }) > 0, 'with concurrent marking, several tasks mark at once')
  assert.equal(await extraTasks({ SAMSA_CONCURRENT_MARKING: '0' }), 0, 'turned off at run time: never a second task')
  assert.ok(await extraTasks({ SAMSA_CONCURRENT_MARKING: '0' }, ['--concurrent-marking']) > 0, '--concurrent-marking on the command line keeps it')
})
