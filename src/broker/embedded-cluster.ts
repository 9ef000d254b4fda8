// `startCluster`: N brokers inside this process over one shared in-memory metadata store (leases,
// revisions, compare-and-swap, watches: etcd's behaviour without a process), each with its own data
// directory and port, replicating as a real cluster does. For users' test suites and ours: the
// returned handle kills (no controlled shutdown, the registration lapses with its lease), stops
// and restarts brokers on their old port and data directory.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BrokerConfig } from './config/broker-config.ts'
import type { BrokerConfigs } from './config/typed-config.ts'
import { MemoryMetadataStore } from './cluster/store/memory-store.ts'
import type { MetadataStore } from './cluster/store/metadata-store.ts'
import { runBroker } from './broker.ts'
import type { RunningBroker } from './broker.ts'
import { createLogger, silentLogger } from './logger.ts'
import type { Logger, LogLevel } from './logger.ts'

export interface StartClusterOptions {
  /** Number of brokers (default 3); node ids 0..n-1. */
  readonly brokers?: number
  /** Configs for every broker by Kafka name (node.id, listeners and log.dirs are set per broker). */
  readonly config?: BrokerConfigs
  /** Extra configs of one broker. */
  readonly brokerConfig?: (nodeId: number) => BrokerConfigs
  /** Host to listen on (default 127.0.0.1). */
  readonly host?: string
  /**
   * Name of each broker's one listener (default PLAINTEXT); give it a security protocol with
   * listener.security.protocol.map (e.g. BROKER:SASL_SSL) and its listener.name.<name>. settings.
   */
  readonly listenerName?: string
  /** Root of the brokers' data directories (default: a new temporary one, removed by close()). */
  readonly dataDir?: string
  /** The metadata store (default: a new MemoryMetadataStore). */
  readonly store?: MetadataStore
  /** A pino logger, or a level for the default stderr logger (default: 'silent'). */
  readonly logger?: Logger | LogLevel
}

export interface ClusterBroker {
  readonly nodeId: number
  readonly host: string
  /** Fixed for the broker's life: a restart binds the same port. */
  readonly port: number
  readonly bootstrap: string
  readonly dataDir: string
  /** The running broker, or undefined while killed or stopped. */
  readonly running: RunningBroker | undefined
}

export interface Cluster {
  /** Every broker's `host:port`, comma-separated (a client's bootstrap servers). */
  readonly bootstrap: string
  readonly brokers: readonly ClusterBroker[]
  readonly store: MetadataStore
  broker(nodeId: number): ClusterBroker
  /** Stops a broker without leaving the cluster: its registration lapses with its lease. */
  kill(nodeId: number): Promise<void>
  /** Stops a broker gracefully (its registration goes at once). */
  stop(nodeId: number): Promise<void>
  /** Starts a killed or stopped broker again on its port and data directory. */
  restart(nodeId: number): Promise<void>
  /** Resolves once every running broker's metadata image has caught up with the store. */
  settle(): Promise<void>
  close(): Promise<void>
}

const TEST_DEFAULTS: [string, string | number | boolean][] = [
  // A test cluster: the first consumer of a group need not wait 3 s for others to join.
  ['group.initial.rebalance.delay.ms', 0],
  // Followers retry a failed leader quickly (Kafka's 1 s is long for a test).
  ['replica.fetch.backoff.ms', 100],
  // No HTTP admin endpoint unless asked for (every broker would want localhost:9644).
  ['admin.listeners', ''],
]

class Member implements ClusterBroker {
  running: RunningBroker | undefined
  port = 0
  constructor(readonly nodeId: number, readonly host: string, readonly dataDir: string) {}
  get bootstrap(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`
  }
}

export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const n = options.brokers ?? 3
  if (!Number.isInteger(n) || n < 1) throw new Error(`brokers must be a positive integer (got ${n})`)
  const host = options.host ?? '127.0.0.1'
  const ownDir = options.dataDir === undefined
  const root = options.dataDir ?? await mkdtemp(join(tmpdir(), 'samsa-cluster-'))
  const store = options.store ?? new MemoryMetadataStore()
  const log = typeof options.logger === 'object' ? options.logger
    : options.logger === undefined || options.logger === 'silent' ? silentLogger() : createLogger(options.logger)
  const members = Array.from({ length: n }, (_, id) => new Member(id, host, join(root, `broker-${id}`)))

  const configOf = (m: Member): BrokerConfig => new BrokerConfig([
    ...TEST_DEFAULTS,
    ...Object.entries(options.config ?? {}),
    ...Object.entries(options.brokerConfig?.(m.nodeId) ?? {}),
    ['node.id', m.nodeId],
    ['listeners', `${options.listenerName ?? 'PLAINTEXT'}://${host}:${m.port}`],
    ['log.dirs', m.dataDir],
  ])

  const start = async (m: Member): Promise<void> => {
    await mkdir(m.dataDir, { recursive: true })
    m.running = await runBroker(configOf(m), { store, log: log.child({ nodeId: m.nodeId }) })
    m.port = m.running.bound[0]!.port
  }

  const settle = async (): Promise<void> => {
    const { revision } = await store.range('/cluster/')
    await Promise.all(members.map((m) => m.running?.metadataAt(revision)))
  }

  const member = (id: number): Member => {
    const m = members[id]
    if (!m) throw new Error(`no broker ${id} in this cluster`)
    return m
  }

  const closeAll = async (): Promise<void> => {
    await Promise.all(members.map(async (m) => {
      const r = m.running
      m.running = undefined
      await r?.close()
    }))
    if (!options.store) await store.close()
    if (ownDir) await rm(root, { recursive: true, force: true })
  }

  try {
    // One at a time: the first creates the cluster id, the others find it.
    for (const m of members) await start(m)
    await settle()
  } catch (err) {
    await closeAll()
    throw err
  }

  return {
    get bootstrap() {
      return members.map((m) => m.bootstrap).join(',')
    },
    brokers: members,
    store,
    broker: member,
    async kill(id) {
      const m = member(id)
      const r = m.running
      m.running = undefined
      await r?.close({ abandonLease: true })
    },
    async stop(id) {
      const m = member(id)
      const r = m.running
      m.running = undefined
      await r?.close()
    },
    async restart(id) {
      const m = member(id)
      if (m.running) throw new Error(`broker ${id} is running`)
      await start(m)
      await settle()
    },
    settle,
    close: closeAll,
  }
}
