// A Samsa broker as a real child process (`samsa start`: from dist/ under `npm test`, else through tsx), for interop tests with
// unmodified clients. Each broker gets its own temporary data directory, removed by close().
import { fileURLToPath } from 'node:url'
import { ServerProcess } from './server-process.ts'
import type { Exit } from './server-process.ts'
import { makeTempDir, removeTempDir } from './temp-dir.ts'
import { SAMSA_CLI } from './cli-entry.ts'
import { BrokerChannel } from '../../src/broker/net/broker-channel.ts'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import { defaultMetadataRequest } from '../../src/protocol/generated/messages/metadata.ts'
import type { MetadataResponse } from '../../src/protocol/generated/messages/metadata.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

export interface SamsaOptions {
  /** Defaults to a fresh temporary directory that close() removes. */
  dataDir?: string
  /** 0 (the default) lets the OS choose; restarts reuse the port the first start got. */
  port?: number
  /** Extra `--set key=value` overrides (server.properties names). */
  settings?: Record<string, string>
  readyTimeoutMs?: number
  /** Runs the broker inside this network namespace (`ip netns exec`; root only). */
  netns?: string
}

export interface SamsaBroker {
  readonly host: string
  readonly port: number
  /** host:port, for clients' bootstrap lists. */
  readonly bootstrap: string
  readonly dataDir: string
  readonly pid: number | undefined
  /** Everything the broker printed so far, across restarts. */
  output(): string
  /** Graceful stop (SIGTERM by default); SIGKILL after the grace period. */
  stop(signal?: NodeJS.Signals): Promise<Exit>
  /** Crash: SIGKILL. */
  kill(): Promise<Exit>
  /** Stops (gracefully, or by SIGKILL with { crash: true }) and starts again on the same port and data. */
  restart(opts?: { crash?: boolean }): Promise<void>
  /** Stops the broker if it runs and removes a temporary data directory. */
  close(): Promise<void>
}

/** The `listening on` line, e.g. `listening on 127.0.0.1:9092` or `listening on PLAINTEXT://127.0.0.1:9092`. */
export const SAMSA_READY = /listening on (?:[A-Z_]+:\/\/)?\[?([\w.:-]*?[\w.-]+)\]?:(\d+)/

/**
 * The admin HTTP listener and the schema registry are off unless a test sets them: their default
 * ports (9644, 8081) are one per machine, and two brokers of tests running side by side would race
 * for them (the loser warns, which breaks tests that check the output).
 */
export function samsaArgs(dataDir: string, port: number, settings: Record<string, string> = {}): string[] {
  // No schema registry unless a test asks: tests start many brokers at once and most count topics.
  const sets = Object.entries({ listeners: `PLAINTEXT://127.0.0.1:${port}`, 'admin.listeners': '', 'schema.registry.listeners': '', ...settings })
    .flatMap(([k, v]) => ['--set', `${k}=${v}`])
  return [...SAMSA_CLI, 'start', '--data-dir', dataDir, ...sets]
}

export async function startSamsa(opts: SamsaOptions = {}): Promise<SamsaBroker> {
  const ownDir = opts.dataDir === undefined
  const dataDir = opts.dataDir ?? makeTempDir('samsa-broker-')
  // `ip netns exec` execs the command in place, so the child's pid is the broker's.
  const argsFor = (port: number) => opts.netns === undefined
    ? samsaArgs(dataDir, port, opts.settings)
    : ['netns', 'exec', opts.netns, process.execPath, ...samsaArgs(dataDir, port, opts.settings)]
  const server = new ServerProcess({
    command: opts.netns === undefined ? process.execPath : 'ip',
    args: argsFor(opts.port ?? 0),
    cwd: REPO,
    ready: SAMSA_READY,
    // Loading the sources through tsx takes seconds of CPU: on a loaded 2-core machine a start (or a
    // restart after SIGKILL) measured 20 s, with the broker's own start-up ~0.1 s of it.
    readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
  })
  try {
    await server.start()
  } catch (err) {
    if (ownDir) removeTempDir(dataDir)
    throw err
  }
  return {
    get host() {
      return server.host
    },
    get port() {
      return server.port
    },
    get bootstrap() {
      return server.bootstrap
    },
    dataDir,
    get pid() {
      return server.pid
    },
    output: () => server.output,
    stop: (signal) => server.stop(signal),
    kill: () => server.kill(),
    async restart({ crash = false } = {}) {
      await (crash ? server.kill() : server.stop())
      await server.start(argsFor(server.port))
    },
    async close() {
      await server.stop()
      if (ownDir) removeTempDir(dataDir)
    },
  }
}

/**
 * Waits until each broker's own metadata lists `count` brokers (default: all of `brokers`). A
 * broker prints `listening on` once it is registered itself; the others' registrations reach its
 * metadata image a moment later (an etcd watch), so a test acting on "every broker is up" (a
 * replication factor above one, a broker count) must wait for that, not for the ready lines.
 */
export async function waitForBrokers(brokers: readonly SamsaBroker[], count = brokers.length, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (const b of brokers) {
    let seen = -1
    while ((seen = await brokerCount(b).catch(() => -1)) !== count) {
      if (Date.now() > deadline) throw new Error(`${b.bootstrap} lists ${seen} broker(s), not ${count}, after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

async function brokerCount(b: SamsaBroker): Promise<number> {
  const ch = await BrokerChannel.connect(b.host, b.port, 'wait-for-brokers', 5000)
  try {
    const req = defaultMetadataRequest()
    req.topics = []
    return (await ch.send<MetadataResponse>(ApiKey.Metadata, 12, req, 5000)).brokers.length
  } finally {
    ch.close()
  }
}
