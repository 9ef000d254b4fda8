// Runs a single-member etcd (Debian's etcd-server, found on PATH) for development clusters and
// tests: loopback only, data under one folder, free ports unless given, auto-compaction on (etcd
// keeps every revision otherwise), and limits raised so one transaction can create a topic with
// thousands of partitions. Resolves once etcd serves clients; `stop()` ends it.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { freePort } from './free-port.ts'

export interface EtcdServerOptions {
  readonly dataDir: string
  /** Client port (default: a free one). */
  readonly clientPort?: number
  /** Peer port (default: a free one). */
  readonly peerPort?: number
  /** The etcd binary (default `etcd` from PATH). */
  readonly command?: string
  /** Each line etcd logs (JSON), e.g. to a file. */
  readonly onLine?: (line: string) => void
  readonly readyTimeoutMs?: number
  /** Member name (default 'samsa'). */
  readonly name?: string
  /** `name=http://host:peerPort,...` of every member, for a multi-member cluster (default: this one alone). */
  readonly initialCluster?: string
  /** Address etcd listens on and advertises (default 127.0.0.1). */
  readonly host?: string
  /** Keep etcd's default transaction limits (128 operations, 1.5 MiB), as a stock etcd has. */
  readonly stockLimits?: boolean
}

export interface EtcdServer {
  /** `127.0.0.1:PORT`, for etcd.connect. */
  readonly endpoint: string
  readonly pid: number
  /** Every line etcd wrote so far (for error messages). */
  readonly output: () => string
  /** SIGTERM (SIGKILL after 5 s); resolves on exit. */
  stop(): Promise<void>
  /** SIGKILL; resolves on exit. */
  kill(): Promise<void>
}

export class EtcdNotFoundError extends Error {
  constructor() {
    super("etcd is not installed: 'etcd' was not found on PATH (Debian: apt-get install etcd-server)")
    this.name = 'EtcdNotFoundError'
  }
}

export async function startEtcd(opts: EtcdServerOptions): Promise<EtcdServer> {
  const clientPort = opts.clientPort ?? await freePort()
  const peerPort = opts.peerPort ?? await freePort()
  const host = opts.host ?? '127.0.0.1'
  const client = `http://${host}:${clientPort}`
  const peer = `http://${host}:${peerPort}`
  const args = [
    '--name', opts.name ?? 'samsa', '--data-dir', opts.dataDir,
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', opts.initialCluster ?? `${opts.name ?? 'samsa'}=${peer}`,
    '--auto-compaction-mode', 'periodic', '--auto-compaction-retention', '5m',
    ...(opts.stockLimits ? [] : ['--max-txn-ops', '100000', '--max-request-bytes', String(10 * 1024 * 1024)]),
    '--logger', 'zap', '--log-outputs', 'stderr',
  ]
  let output = ''
  const child: ChildProcess = spawn(opts.command ?? 'etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stopOnExit = (): void => { child.kill('SIGKILL') }
  process.once('exit', stopOnExit)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`etcd did not start within ${opts.readyTimeoutMs ?? 20_000} ms:\n${output.slice(-3000)}`))
    }, opts.readyTimeoutMs ?? 20_000)
    let rest = ''
    const onData = (chunk: Buffer): void => {
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        output += line + '\n'
        opts.onLine?.(line)
        if (line.includes('serving client traffic') && line.includes(`:${clientPort}`)) {
          clearTimeout(timer)
          resolve()
        }
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(err.code === 'ENOENT' ? new EtcdNotFoundError() : err)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`etcd exited (${code ?? signal}) before serving clients:\n${output.slice(-3000)}`))
    })
  })
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
    process.removeListener('exit', stopOnExit)
  }
  return {
    endpoint: `${host}:${clientPort}`,
    pid: child.pid!,
    output: () => output,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  }
}
