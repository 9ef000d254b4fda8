// Runners for the real clients the interop tests drive: any child process with a timeout and
// captured output, kcat, Python scripts (confluent_kafka, kafka-python) and KafkaJS in-process.
import { spawn } from 'node:child_process'
import { requirePythonModule, requireTool } from './tools.ts'

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  timedOut: boolean
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer
  /** Kill (SIGKILL) after this long; the result then has timedOut = true. Default 30 s. */
  timeoutMs?: number
  env?: Record<string, string>
  cwd?: string
}

export class RunError extends Error {
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    const why = result.timedOut ? 'timed out' : `exited with ${result.code ?? result.signal}`
    super(`${command} ${why}\n--- stdout ---\n${result.stdout.slice(-4000)}\n--- stderr ---\n${result.stderr.slice(-4000)}`)
    this.name = 'RunError'
  }
}

/** Runs a process to completion; never rejects for a non-zero exit (see `check`). */
export function runProcess(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, opts.timeoutMs ?? 30_000)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, timedOut })
    })
    child.stdin.on('error', () => {}) // the child may exit without reading its input
    child.stdin.end(opts.input ?? '')
  })
}

/** Throws RunError (with both outputs) unless the process exited 0 in time. */
export function check(command: string, result: RunResult): RunResult {
  if (result.timedOut || result.code !== 0) throw new RunError(command, result)
  return result
}

/** kcat with the given arguments; `-b <bootstrap>` is prepended. Throws on failure. */
export async function runKcat(bootstrap: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const kcat = requireTool('kcat')
  return check(`kcat ${args.join(' ')}`, await runProcess(kcat, ['-b', bootstrap, ...args], opts))
}

/**
 * Runs Python source with /usr/bin/python3 (Debian's, which has confluent_kafka and kafka).
 * `modules` are checked first so a missing client library fails with an install hint.
 * The script gets its arguments in sys.argv[1:]. Throws on failure.
 */
export async function runPython(
  source: string,
  args: string[] = [],
  opts: RunOptions & { modules?: string[] } = {},
): Promise<RunResult> {
  const python = requireTool('python3')
  for (const m of opts.modules ?? []) requirePythonModule(m)
  return check('python3 script', await runProcess(python, ['-c', source, ...args], opts))
}
