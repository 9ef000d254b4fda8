// A `samsa start` process from source (tsx) on a free port in a temporary data directory, for the
// benches that drive one broker over the wire (groups, txn). bench/broker.ts starts built JS
// instead, with its own options (flags, profiles, other builds).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('../', import.meta.url))

export interface BenchBroker {
  readonly port: number
  /** SIGTERM, wait for the exit, remove the data directory. */
  stop(): Promise<void>
}

export async function startBrokerProcess(name: string, sets: Record<string, string> = {}): Promise<BenchBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), `samsa-bench-${name}-`))
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'start', '--data-dir', dataDir, '--set', 'listeners=PLAINTEXT://127.0.0.1:0',
    '--set', 'schema.registry.listeners=',
    ...Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`])]
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((r) => child.once('exit', r))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = ''
      const onData = (b: Buffer) => {
        out += b.toString()
        const m = /listening on (?:[A-Z_]+:\/\/)?[\w.:-]+:(\d+)/.exec(out)
        if (m) resolve(Number(m[1]))
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', onData)
      child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)))
    })
    return { port, stop }
  } catch (e) {
    await stop()
    throw e
  }
}
