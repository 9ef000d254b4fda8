// A `samsa start` process from source (tsx) on a free port in a temporary data directory, for the
// benches that drive brokers over the wire (groups, txn, cluster failover). bench/broker.ts starts
// built JS instead, with its own options (flags, profiles, other builds).
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('../', import.meta.url))

export interface BenchBroker {
  readonly port: number
  /** The running process's id (undefined while stopped). */
  readonly pid: number | undefined
  /** SIGTERM, wait for the exit, remove the data directory. */
  stop(): Promise<void>
  /** Sends `signal` (SIGKILL: a crash; SIGTERM: controlled shutdown) and waits for the exit; keeps the data. */
  signal(signal: NodeJS.Signals): Promise<void>
  /** Starts it again on the same port and data (after `signal`). */
  restart(): Promise<void>
}

interface Running { child: ChildProcess, exited: Promise<unknown>, port: number }

function spawnBroker(name: string, dataDir: string, port: number, sets: Record<string, string>, nodeFlags: readonly string[]): Promise<Running> {
  const args = [...nodeFlags, '--import', 'tsx', 'src/cli/main.ts', 'start', '--data-dir', dataDir, '--set', `listeners=PLAINTEXT://127.0.0.1:${port}`,
    '--set', 'schema.registry.listeners=',
    ...Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    ...(process.env.SAMSA_BENCH_BROKER_LOGS ? ['--log-level', process.env.SAMSA_BENCH_BROKER_LOG_LEVEL ?? 'info'] : [])]
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((r) => child.once('exit', r))
  // SAMSA_BENCH_BROKER_LOGS=<dir>: every broker's output (at SAMSA_BENCH_BROKER_LOG_LEVEL, default info) is appended to <dir>/<name>.log.
  const logDir = process.env.SAMSA_BENCH_BROKER_LOGS
  if (logDir) mkdirSync(logDir, { recursive: true })
  return new Promise<Running>((resolve, reject) => {
    let out = ''
    const onData = (b: Buffer) => {
      if (logDir) appendFileSync(join(logDir, `${name}.log`), b)
      if (out.length > 1 << 16) return // the port is found early; later output is not kept here
      out += b.toString()
      const m = /listening on (?:[A-Z_]+:\/\/)?[\w.:-]+:(\d+)/.exec(out)
      if (m) resolve({ child, exited, port: Number(m[1]) })
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)))
  })
}

/** `nodeFlags` go to node before the script (e.g. --cpu-prof). */
export async function startBrokerProcess(name: string, sets: Record<string, string> = {}, nodeFlags: readonly string[] = []): Promise<BenchBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), `samsa-bench-${name}-`))
  let running: Running | undefined
  const signal = async (sig: NodeJS.Signals) => {
    if (running === undefined) return
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(sig)
    await running.exited
  }
  const stop = async () => {
    await signal('SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    running = await spawnBroker(name, dataDir, 0, sets, nodeFlags)
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true })
    throw e
  }
  const port = running.port
  return { port, get pid() { return running?.child.pid }, stop, signal, restart: async () => { running = await spawnBroker(name, dataDir, port, sets, nodeFlags) } }
}
