// A compaction killed (SIGKILL) at random moments: after recovery the latest value of every key
// is still there, offsets increase, and nothing is duplicated or lost.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { logConfig } from '../helpers/log-config.ts'
import { Log } from '../../src/storage/log.ts'
import { CLEAN_CONFIG, history, latest } from './clean-crash-config.ts'
import { decodeAll, nextOffsetAfter, tempDir } from './helpers.ts'

const CHILD = fileURLToPath(new URL('./clean-crash-child.ts', import.meta.url))

/**
 * Lets the child finish `passes` compaction passes, then kills it at a random point (`fraction`) of
 * the next one, measured by the last pass's duration, so that the kill lands mid-clean however
 * loaded the machine is (a fixed wall-clock delay fell before the first pass under load).
 */
function killDuringClean(dir: string, batches: number, passes: number, fraction: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(batches)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let cleaned = 0
    let last = 0
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => {
      const now = performance.now()
      if (d.includes('ready')) last = now
      const n = d.split('cleaned').length - 1
      if (n === 0) return
      const took = now - last
      last = now
      if (cleaned < passes && cleaned + n >= passes) setTimeout(() => child.kill('SIGKILL'), Math.floor(took * fraction))
      cleaned += n
    })
    child.on('error', reject)
    child.on('close', () => resolve(cleaned))
  })
}

test('SIGKILL during compaction loses and duplicates nothing', { timeout: 120_000 }, async (t) => {
  const tmp = await tempDir('samsa-clean-crash-')
  const pristine = join(tmp.path, 'pristine', 'c-0')
  const log = await Log.open({ dir: pristine, config: logConfig(CLEAN_CONFIG) })
  const BATCHES = 1500
  const model = latest(BATCHES)
  let i = 0
  for (const puts of history(BATCHES)) {
    const records = puts.map(([k, v]) => ({ key: Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: 1000 + i }))
    await log.append(buildRecordBatch({ records, compression: i++ % 3 === 0 ? 1 : 0 }))
  }
  await log.close()
  const started = Date.now()
  let rounds = 0
  let passes = 0
  while (rounds < 4 || Date.now() - started < 8000) {
    const dir = join(tmp.path, `r${rounds}`, 'c-0')
    await cp(pristine, dir, { recursive: true })
    const done = await killDuringClean(dir, BATCHES, 1 + (rounds % 2), Math.random() * 1.2)
    passes += done
    const recovered = await Log.open({ dir, config: logConfig(CLEAN_CONFIG) })
    const state = new Map<string, string | null>()
    let offset = 0
    let last = -1
    while (offset < recovered.logEndOffset) {
      const r = await recovered.read(offset, 1 << 20)
      if (r.batches.length === 0) break
      for (const rec of decodeAll(r.batches)) {
        assert.ok(rec.offset > last, 'offsets increase')
        last = rec.offset
        state.set(rec.key!, rec.value)
      }
      offset = nextOffsetAfter(r.batches)
    }
    assert.deepEqual([...state].sort(), [...model].sort(), `round ${rounds}`)
    await recovered.close()
    await rm(join(dir, '..'), { recursive: true, force: true })
    rounds++
  }
  t.diagnostic(`${rounds} rounds, ${passes} passes completed in all`)
  assert.ok(passes > rounds, 'compaction passes ran before the kills')
  await tmp.cleanup()
})
