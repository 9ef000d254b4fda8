// When `samsa` turns V8's concurrent marking off (src/cli/v8-tuning.ts), and that the flag really
// takes effect when set at run time: with it off, no helper thread burns CPU marking.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { concurrentMarkingWanted } from '../../src/cli/v8-flags.ts'
import { runProcess } from '../helpers/run.ts'

test('concurrent marking stays on above two cores; SAMSA_CONCURRENT_MARKING overrides either way', () => {
  assert.equal(concurrentMarkingWanted(1, {}), false)
  assert.equal(concurrentMarkingWanted(2, {}), false)
  assert.equal(concurrentMarkingWanted(8, {}), true)
  assert.equal(concurrentMarkingWanted(2, { SAMSA_CONCURRENT_MARKING: '1' }), true)
  assert.equal(concurrentMarkingWanted(8, { SAMSA_CONCURRENT_MARKING: '0' }), false)
  assert.equal(concurrentMarkingWanted(8, { SAMSA_CONCURRENT_MARKING: 'yes' }), true, 'anything else: the default')
})

test('the flag set at run time stops concurrent marking threads from working', async () => {
  // Major GCs over an old generation of many small objects: with concurrent marking, threads
  // other than the main one accumulate CPU time; without, marking runs on the main thread.
  const script = `
    const v8 = require('node:v8'); const fs = require('node:fs')
    if (process.argv[1] === 'off') v8.setFlagsFromString('--no-concurrent-marking')
    const keep = []; for (let i = 0; i < 300000; i++) keep.push({ i, a: [i] })
    for (let i = 0; i < 20000; i++) { const b = Buffer.allocUnsafe(65536); if (i % 200 === 0) keep.push(b) }
    let helpers = 0
    for (const t of fs.readdirSync('/proc/self/task')) {
      if (Number(t) === process.pid) continue
      const f = fs.readFileSync('/proc/self/task/' + t + '/stat', 'utf8'); const v = f.slice(f.lastIndexOf(')') + 2).split(' ')
      helpers += Number(v[11]) + Number(v[12])
    }
    console.log(helpers)`
  const ticks = async (mode: string) => Number((await runProcess(process.execPath, ['-e', script, mode], { timeoutMs: 60_000 })).stdout.trim())
  const on = await ticks('on')
  const off = await ticks('off')
  assert.ok(on > off, `helper threads used ${on} ticks with concurrent marking and ${off} without`)
})
