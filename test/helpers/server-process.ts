// A long-running server as a real child process: start it, wait for its ready line, stop it
// gracefully or with SIGKILL, start it again. Output is captured so a failing test can show it.
// Children still alive when the test process exits are SIGKILLed.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'

export interface ServerSpec {
  command: string
  args: string[]
  cwd?: string
  env?: Record<string, string>
  /** Matched against each output line (stdout and stderr); its first two groups are host and port. */
  ready: RegExp
  readyTimeoutMs?: number
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export class ServerStartError extends Error {
  constructor(message: string, readonly output: string) {
    super(`${message}\n--- output ---\n${output.slice(-6000)}`)
    this.name = 'ServerStartError'
  }
}

const children = new Set<ChildProcess>()
let hooked = false

function track(child: ChildProcess): void {
  children.add(child)
  child.once('exit', () => children.delete(child))
  if (!hooked) {
    hooked = true
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL')
    })
  }
}

export class ServerProcess {
  host = ''
  port = 0
  /** Everything the process wrote (all starts), stdout and stderr interleaved by line. */
  output = ''
  private child: ChildProcess | undefined
  private exited: Promise<Exit> | undefined

  constructor(readonly spec: ServerSpec) {}

  get bootstrap(): string {
    return `${this.host}:${this.port}`
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Starts the process (args may differ per start) and resolves once the ready line appears. */
  async start(args = this.spec.args): Promise<void> {
    if (this.running) throw new Error('server process already running')
    const child = spawn(this.spec.command, args, {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    track(child)
    this.child = child
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    const timeoutMs = this.spec.readyTimeoutMs ?? 20_000
    await new Promise<void>((resolve, reject) => {
      let ready = false
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new ServerStartError(`not ready within ${timeoutMs} ms: ${this.spec.command} ${args.join(' ')}`, this.output))
      }, timeoutMs)
      const onLine = (line: string) => {
        this.output += line + '\n'
        const m = ready ? null : this.spec.ready.exec(line)
        if (!m) return
        ready = true
        clearTimeout(timer)
        this.host = m[1]
        this.port = Number(m[2])
        resolve()
      }
      lineReader(child.stdout!, onLine)
      lineReader(child.stderr!, onLine)
      child.once('error', (err) => {
        clearTimeout(timer)
        reject(new ServerStartError(`could not spawn: ${err.message}`, this.output))
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        if (!ready) reject(new ServerStartError(`exited (${code ?? signal}) before it was ready`, this.output))
      })
    })
  }

  /** Sends `signal` and waits for the exit; SIGKILLs after `graceMs` if it is still running. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<Exit> {
    const child = this.child
    if (!child || !this.exited) return { code: null, signal: null }
    if (this.running) child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    const exit = await this.exited
    clearTimeout(timer)
    return exit
  }

  /** Simulates a crash: SIGKILL, no chance to flush. */
  kill(): Promise<Exit> {
    return this.stop('SIGKILL')
  }
}

function lineReader(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = ''
  stream.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n')
    rest = parts.pop() ?? ''
    for (const p of parts) onLine(p)
  })
  stream.on('end', () => {
    if (rest) onLine(rest)
  })
}
