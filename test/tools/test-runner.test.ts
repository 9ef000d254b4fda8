// The test command's own guarantees (tools/test-runner/): run it on generated test files in a
// temporary directory and read what it prints. Node 20's --test-force-exit drops a file's last
// reports when they are still queued for its stdout pipe (nodejs/node#64833); files of long test
// names fill that pipe, so without stdio-preload.ts some of their verdicts go missing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'

const runnerDir = fileURLToPath(new URL('../../tools/test-runner/', import.meta.url))
const tsx = import.meta.resolve('tsx')

/** Runs the test command in `dir` (its test/ holds `files`); resolves with its exit code and stdout. */
async function runRunner(files: Record<string, string>, env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const dir = makeTempDir('samsa-runner-')
  mkdirSync(join(dir, 'test'))
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, 'test', name), body)
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  delete childEnv.NODE_TEST_CONTEXT // set for this file's own process; run() refuses to nest
  delete childEnv.TEST_CONCURRENCY
  const child = spawn(
    process.execPath,
    ['--import', tsx, '--import', join(runnerDir, 'stdio-preload.ts'), join(runnerDir, 'main.ts')],
    { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  removeTempDir(dir)
  return { code, out }
}

const manyTests = (file: string, n: number, failLast: boolean): string => `
import { test } from 'node:test'
const pad = 'x'.repeat(2000)
for (let i = 1; i <= ${n}; i++) {
  test('${file} t' + i + ' ' + pad, () => {
    if (${failLast} && i === ${n}) throw new Error('${file} t' + i + ' fails on purpose')
  })
}
`

const problems = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('#   ✖ ')).map((l) => l.slice(6))

test('every verdict arrives and a failing test is named', { timeout: 240_000 }, async () => {
  const { code, out } = await runRunner({
    'big1.test.ts': manyTests('big1', 100, false),
    'big2.test.ts': manyTests('big2', 100, true),
  })
  assert.equal(code, 1)
  const verdicts = out.split('\n').filter((l) => /^(not )?ok \d+ - big[12] t\d+ /.test(l))
  assert.equal(verdicts.length, 200, 'one verdict per test of the two big files')
  const found = problems(out)
  assert.equal(found.length, 1, found.join('\n'))
  assert.match(found[0]!, /^test\/big2\.test\.ts › big2 t100 x+…: big2 t100 fails on purpose$/)
  assert.match(out, /^# samsa tests: \d+ tests, \d+ passed, 1 failed, 0 cancelled, 0 skipped, 0 todo \(2 files, 1 run\(s\), \d+ s\)$/m)
})

test('a file that never ends is stopped at its limit and named', { timeout: 240_000 }, async () => {
  const { code, out } = await runRunner(
    { 'hangs.test.ts': `import { test } from 'node:test'\ntest('h1 never settles', () => new Promise(() => setInterval(() => {}, 1000)))\n` },
    { SAMSA_TEST_FILE_TIMEOUT_S: '5' },
  )
  assert.equal(code, 1)
  const found = problems(out)
  assert.equal(found.length, 1, found.join('\n'))
  assert.match(found[0]!, /^test\/hangs\.test\.ts \(the file\): test timed out after 5000ms: stopped at the per-file limit/)
})
