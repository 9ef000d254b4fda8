// What tools/test-runner/main.ts reports at the end: node:test's own counts summed over its runs,
// every failure by file and name, and tests that were registered but never got a verdict (a
// report lost on its way from a test file's process, or a file stopped mid-way).

import path from 'node:path'
import type { TestsStream } from 'node:test'

const countKeys = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'] as const
type CountKey = (typeof countKeys)[number]

interface FileState {
  /** registered tests (nesting + name) → how many; a verdict takes one off */
  awaiting: Map<string, number>
  /** started tests without a verdict yet, for a file stopped mid-way */
  running: Map<string, number>
  verdicts: number
  durationMs?: number
  failure?: string
  testFailed: boolean
}

export interface Summary {
  ok: boolean
  lines: string[]
}

const bump = (m: Map<string, number>, key: string, by: number): void => {
  const n = (m.get(key) ?? 0) + by
  if (n > 0) m.set(key, n)
  else m.delete(key)
}
const keyOf = (nesting: number, name: string): string => `${nesting}\u0000${name}`
const short = (name: string): string => (name.length > 160 ? `${name.slice(0, 160)}…` : name)
const nameOf = (key: string): string => short(key.slice(key.indexOf('\u0000') + 1))
const firstLine = (err: unknown): string => {
  const e = err as { cause?: unknown; message?: unknown } | undefined
  // node:test wraps a test's error in ERR_TEST_FAILURE; the test's own error is the cause.
  const inner = (e?.cause as { message?: unknown } | undefined)?.message ?? e?.cause ?? e?.message ?? err
  return String(inner).split('\n')[0]!.slice(0, 300)
}

// Why a file's process failed, in words: its exit code or signal, or the time limit.
const fileFailure = (err: unknown): string => {
  const e = err as { exitCode?: number | null; signal?: string | null; failureType?: string }
  if (e.failureType === 'testTimeoutFailure') return `${firstLine(err)}: stopped at the per-file limit (SAMSA_TEST_FILE_TIMEOUT_S)`
  if (typeof e.exitCode === 'number' || typeof e.signal === 'string') {
    return `its process ended with ${e.signal ? `signal ${e.signal}` : `exit code ${e.exitCode}`}`
  }
  return firstLine(err)
}

export class Tally {
  readonly counts: Record<CountKey, number> = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 }
  private readonly files = new Map<string, FileState>()
  private readonly failures: string[] = []
  private runs = 0

  watch(stream: TestsStream): void {
    this.runs++
    const file = (f: string | undefined): FileState | undefined => {
      if (f === undefined) return undefined
      const rel = path.relative(process.cwd(), path.resolve(f))
      let s = this.files.get(rel)
      if (!s) {
        s = { awaiting: new Map(), running: new Map(), verdicts: 0, testFailed: false }
        this.files.set(rel, s)
      }
      return s
    }
    // A file's own entry (its process) is named by its path; everything else is a test in it.
    const isFileEntry = (d: { name: string; file?: string; nesting: number }): boolean =>
      d.nesting === 0 && d.file !== undefined && path.resolve(d.name) === path.resolve(d.file)

    stream.on('test:enqueue', (d) => {
      if (!isFileEntry(d)) bump(file(d.file)?.awaiting ?? new Map(), keyOf(d.nesting, d.name), 1)
    })
    stream.on('test:dequeue', (d) => {
      if (!isFileEntry(d)) bump(file(d.file)?.running ?? new Map(), keyOf(d.nesting, d.name), 1)
    })
    const verdict = (d: { name: string; file?: string; nesting: number }): FileState | undefined => {
      const s = file(d.file)
      if (s) {
        s.verdicts++
        bump(s.awaiting, keyOf(d.nesting, d.name), -1)
        bump(s.running, keyOf(d.nesting, d.name), -1)
      }
      return s
    }
    stream.on('test:pass', (d) => {
      if (!isFileEntry(d)) verdict(d)
    })
    stream.on('test:fail', (d) => {
      const s = file(d.file)
      if (isFileEntry(d)) {
        if (s) s.failure = fileFailure(d.details.error)
        return
      }
      verdict(d)
      if (d.todo !== undefined && d.todo !== false) return
      if (s) s.testFailed = true
      if (d.details.type === 'suite') return // its failing tests are listed themselves
      this.failures.push(`${this.rel(d.file)} › ${short(d.name)}: ${firstLine(d.details.error)}`)
    })
    stream.on('test:complete', (d) => {
      if (isFileEntry(d)) {
        const s = file(d.file)
        if (s) s.durationMs = d.details.duration_ms
      }
    })
    stream.on('test:diagnostic', (d) => {
      // The run's own summary ("tests 1499", "pass 1499", ...) comes from its root: no file.
      if (d.file !== undefined || d.nesting !== 0) return
      const m = /^(\w+) (\d+)$/.exec(d.message)
      if (m && (countKeys as readonly string[]).includes(m[1]!)) this.counts[m[1] as CountKey] += Number(m[2])
    })
  }

  private rel(f: string | undefined): string {
    return f === undefined ? '?' : path.relative(process.cwd(), path.resolve(f))
  }

  summary(elapsedMs: number, fileLimitS: number): Summary {
    const lines: string[] = []
    const problems = [...this.failures]
    for (const [name, s] of this.files) {
      const started = [...s.running.keys()].map(nameOf)
      const unreported = [...s.awaiting.values()].reduce((a, b) => a + b, 0)
      // A file whose tests failed also fails as a process: only say so when that adds something.
      if (s.failure !== undefined && !(s.testFailed && started.length === 0)) {
        const still = started.length > 0 ? `; still running: ${started.join(', ')}` : ''
        problems.push(`${name} (the file): ${s.failure}${still}`)
      } else if (unreported > 0) {
        const names = [...s.awaiting.keys()].map(nameOf).slice(0, 3).join(', ')
        problems.push(`${name}: ${unreported} test(s) registered but never reported: ${names}`)
      }
      // No "file reported no test" check: a test is reported under the file that defines it, so a
      // test file whose tests all come from a shared module (test/client/kafkajs/*.test.ts) reports
      // none under its own name (docs/testing.md: what that leaves uncaught).
    }
    const c = this.counts
    lines.push(
      `# samsa tests: ${c.tests} tests, ${c.pass} passed, ${c.fail} failed, ${c.cancelled} cancelled, ` +
        `${c.skipped} skipped, ${c.todo} todo (${this.files.size} files, ${this.runs} run(s), ${Math.round(elapsedMs / 1000)} s)`,
    )
    const slowest = [...this.files]
      .filter(([, s]) => s.durationMs !== undefined)
      .sort((a, b) => b[1].durationMs! - a[1].durationMs!)
      .slice(0, 3)
      .map(([name, s]) => `${name} ${Math.round(s.durationMs! / 1000)} s`)
    if (slowest.length > 0) lines.push(`# slowest files (limit ${fileLimitS} s each): ${slowest.join(', ')}`)
    if (problems.length > 0) {
      lines.push(`# samsa tests FAILED (${problems.length}):`)
      for (const p of problems) lines.push(`#   ✖ ${p}`)
    }
    return { ok: problems.length === 0 && c.fail === 0 && c.cancelled === 0, lines }
  }
}
