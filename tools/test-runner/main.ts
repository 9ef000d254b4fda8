// The test command behind tools/run-tests.sh: node:test's run() over test/**/*.test.ts (optional
// arguments keep the files whose path contains one of them), each file in its own process, two
// at a time. Files under test/tools/soak/ measure the broker's heap, so they run afterwards, alone:
// beside other files they would both be perturbed (the heap trend) and perturb them (two cores).
// Each file has a time limit (SAMSA_TEST_FILE_TIMEOUT_S, default 1200): a file still running then
// (a test that never settles and has no timeout of its own) is killed and reported by name, so
// nothing can hang the run. forceExit ends a file's process once its tests are done even if they
// left sockets or timers behind; stdio-preload.ts keeps that exit from losing reports. The last
// lines sum the runs: the number of tests is exact, so a lost report shows.

import { readdirSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { run, type TestsStream } from 'node:test'
import { spec, tap } from 'node:test/reporters'
import { Tally } from './tally.ts'

const patterns = process.argv.slice(2)
const all = (readdirSync('test', { recursive: true }) as string[])
  .map((f) => `test/${f}`)
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
const files = patterns.length === 0 ? all : all.filter((f) => patterns.some((p) => f.includes(p)))
if (files.length === 0) {
  process.stderr.write(`run-tests: no test file matches ${patterns.join(' ')}\n`)
  process.exit(1)
}
const solo = files.filter((f) => f.startsWith('test/tools/soak/'))
const shared = files.filter((f) => !solo.includes(f))
const fileLimitS = Number(process.env.SAMSA_TEST_FILE_TIMEOUT_S ?? 1200)
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2)

const tally = new Tally()
const started = performance.now()
for (const [group, n] of [[shared, concurrency], [solo, 1]] as const) {
  if (group.length === 0) continue
  const stream = run({ files: [...group], concurrency: n, timeout: fileLimitS * 1000, forceExit: true })
  tally.watch(stream)
  // The reporter node --test would pick: spec on a terminal, TAP otherwise.
  const reporter = process.stdout.isTTY ? new spec() : (s: TestsStream) => tap(s as unknown as Parameters<typeof tap>[0])
  await pipeline(stream, reporter, process.stdout, { end: false })
}
const { ok, lines } = tally.summary(performance.now() - started, fileLimitS)
// Exit once the summary is written: a file killed at its limit may have left a process behind.
process.stdout.write(`${lines.join('\n')}\n`, () => process.exit(ok ? 0 : 1))
