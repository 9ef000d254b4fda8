// Broker lifecycle. `runBroker` starts a broker from a validated config: check the data
// directories, bind the listeners (before anything is written, so a port in use leaves no trace),
// lock the data directory, open the metadata store and read the first metadata image, open the
// storage that image assigns here (setting aside logs it does not name), publish the image to the
// replica manager, build the services, then serve the requests that waited for it. A failed start
// removes what it created. `close()` reverses it: stop accepting, let in-flight requests finish,
// close storage and the metadata store, unlock.
// `startBroker` is the embeddable form (free port, temp dir by default) exported as 'samsa/broker'.
// Cluster mode: an injected metadata store (shared with other brokers: in-memory in
// `startCluster`, etcd later) replaces the data directory's file store; the broker then registers
// itself under a lease, runs follower fetchers and writes ISR changes (src/broker/replica).
import { mkdtemp, rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { BrokerConfig } from './config/broker-config.ts'
import type { BrokerConfigs } from './config/typed-config.ts'
import { FileMetadataStore } from './cluster/store/file-store.ts'
import type { MetadataStore } from './cluster/store/metadata-store.ts'
import { MetadataLoader } from './cluster/metadata-loader.ts'
import { Controller } from './cluster/controller.ts'
import { migrateV1 } from './cluster/metadata-migrate.ts'
import { CLUSTER_ID_KEY } from './cluster/metadata-records.ts'
import { setAsideStrays } from './replica/strays.ts'
import { HandlerRegistry } from './api/registry.ts'
import { BUILTIN_HANDLERS } from './api/handlers.ts'
import { ACL_HANDLERS } from './api/acls.ts'
import { createDispatcher } from './api/dispatcher.ts'
import { NetServer } from './net/server.ts'
import { brokerConnectionQuotas, resolveOverrideHosts } from './net/broker-connection-quotas.ts'
import { Security } from './security/security.ts'
import { ClientQuotas } from './quota/client-quotas.ts'
import { createAuthenticator } from './security/authenticator.ts'
import { TlsReloader, isTlsKey } from './security/tls-reload.ts'
import { produceFrameRecycling } from './net/produce-frames.ts'
import type { BoundListener } from './net/server.ts'
import { createLogger, silentLogger } from './logger.ts'
import type { Logger, LogLevel } from './logger.ts'
import { DataDirClaim } from './data-dir.ts'
import { DeferredHandler } from './net/deferred-handler.ts'
import { openStorage } from './storage.ts'
import { DynamicBrokerConfigs } from './cluster/dynamic-broker-configs.ts'
import { TopicService } from './cluster/topic-service.ts'
import { ConfigAdmin } from './cluster/config-admin.ts'
import { BufferPool } from './net/buffer-pool.ts'
import { READ_BUFFER_POOL_BYTES } from './net/read-buffers.ts'
import { ReplicaManager } from './replica/replica-manager.ts'
import { ReplicaFetcherManager } from './replica/replica-fetcher-manager.ts'
import { AlterPartitionManager } from './replica/alter-partition.ts'
import { HighWatermarkCheckpoint } from './replica/hw-checkpoint.ts'
import { StoreProducerIdBlocks } from './cluster/producer-id-blocks.ts'
import { ClusterNode, openEtcdStore } from './cluster/cluster-node.ts'
import { InterBrokerClient } from './cluster/inter-broker-client.ts'
import { interBrokerChannelSecurity } from './security/inter-broker-security.ts'
import type { BrokerContext } from './context.ts'
import { Coordinators } from './coordinator/coordinators.ts'
import { GroupConfigs } from './cluster/group-configs.ts'
import { BrokerMetrics } from './metrics/broker-metrics.ts'
import { registerStateMetrics } from './metrics/state-metrics.ts'
import { AdminServer, parseAdminListeners } from './metrics/admin-server.ts'
import type { AdminAddress } from './metrics/admin-server.ts'
import { TimerDriver, TimerQueue } from './coordinator/timer-queue.ts'
import { systemScheduler } from '../storage/index.ts'
import type { LogManager, Scheduler } from '../storage/index.ts'

/** The metadata store's file in the data directory (format 2; format 1 is migrated on open). */
export const METADATA_FILE = 'cluster-metadata.json'

export interface RunBrokerOptions {
  readonly log?: Logger
  readonly clock?: Scheduler
  /**
   * Cluster mode: the metadata store shared by the cluster's brokers (not closed by this broker).
   * Without it the broker is a single node over `cluster-metadata.json` in its data directory.
   */
  readonly store?: MetadataStore
}

export interface CloseOptions {
  /** Stop without leaving the cluster (a crash, for tests): the registration lapses with its lease. */
  readonly abandonLease?: boolean
}

export interface RunningBroker {
  readonly context: BrokerContext
  /** Listeners as advertised to clients (actual ports). */
  readonly listeners: readonly BoundListener[]
  /** Where the broker actually listens (wildcard hosts replaced by the advertised host), same order. */
  readonly bound: readonly BoundListener[]
  readonly dataDir: string
  /** Where /metrics, /health and /ready are served (admin.listeners that could be bound). */
  readonly admin: readonly AdminAddress[]
  /** Resolves once this broker's metadata image reflects store revision `revision`. */
  metadataAt(revision: number): Promise<void>
  /** Idempotent graceful shutdown. */
  close(opts?: CloseOptions): Promise<void>
}

const isWildcard = (host: string) => host === '' || host === '0.0.0.0' || host === '::'

function advertise(bound: BoundListener, config: BrokerConfig): BoundListener {
  const adv = config.advertisedListeners.find((a) => a.name === bound.name)!
  const explicit = config.isSet('advertised.listeners') && config.list('advertised.listeners').length > 0
  let host = explicit ? adv.host : bound.host
  if (isWildcard(host)) host = hostname()
  const port = explicit && adv.port !== 0 ? adv.port : bound.port
  return { ...bound, host, port }
}

export async function runBroker(config: BrokerConfig, opts: RunBrokerOptions = {}): Promise<RunningBroker> {
  const log = opts.log ?? createLogger()
  const dataDir = resolve(config.dataDir)
  const claim = await DataDirClaim.check(config.logDirs)
  const adminAddresses = parseAdminListeners(config.list('admin.listeners'))
  let admin: AdminServer | undefined
  let store: MetadataStore | undefined
  let timerDriver: TimerDriver | undefined
  let loader: MetadataLoader | undefined
  let logs: LogManager | undefined
  let fetchers: ReplicaFetcherManager | undefined
  let cluster: ClusterNode | undefined
  let quotas: ClientQuotas | undefined
  // Cluster mode: a store shared with other brokers (injected, or etcd from etcd.connect).
  const clusterMode = opts.store !== undefined || config.etcdConnect !== undefined
  const clock = opts.clock ?? systemScheduler
  const handler = new DeferredHandler()
  // TLS key stores and SASL users are read now: a bad one fails the start before anything is bound.
  const security = new Security(config, config.listeners, log)
  // Secured inter-broker listener: how fetchers and the inter-broker client connect (TLS, SASL login).
  const interBrokerSecurity = clusterMode ? interBrokerChannelSecurity(config) : undefined
  // Host names in max.connections.per.ip.overrides are resolved now, as Kafka does at start.
  const overrideHosts = await resolveOverrideHosts(config)
  const server = createNetServer(config, handler, security, log, clock, overrideHosts)
  try {
    // An existing directory is locked first (a second broker on it says so, whatever its port);
    // then the listeners are bound before anything is written, so a port in use leaves no trace.
    if (claim.exists) await claim.claim()
    const bound = await server.start()
    await claim.claim()
    const nodeId = config.nodeId
    store = opts.store ?? (config.etcdConnect
      ? await openEtcdStore(config, log)
      : await FileMetadataStore.open(join(dataDir, METADATA_FILE), { migrate: (old) => migrateV1(old, nodeId), clusterIdKey: CLUSTER_ID_KEY }))
    security.attachStore(store)
    await security.openAuthorizer(store)
    const metadata = loader = new MetadataLoader(store, log)
    const controller = new Controller(store, loader, nodeId, log)
    await controller.ensureClusterId()
    if (clusterMode) {
      cluster = new ClusterNode({ store, loader, config, log, controller })
      await cluster.register(bound.map((b) => advertise(b, config)).map((l) => ({ name: l.name, host: l.host, port: l.port })))
    }
    const initial = await loader.load()
    // Persisted dynamic values take effect before anything reads the config.
    const dynamic = new DynamicBrokerConfigs(config, (key, reason) => log.warn({ key, reason }, 'ignoring a persisted dynamic broker config'))
    logs = await openStorage(config, {
      topicConfig: (topic) => (metadata.topic(topic) ?? initial.image.topic(topic))?.configs,
      shouldLoad: (topic, partition) => initial.image.partition(topic, partition)?.replicas.includes(nodeId) ?? false,
    }, clock, log)
    await setAsideStrays(logs.unopened, log)
    // One timer queue (one real timer) for purgatories and coordinators, on the injected clock.
    const timers = new TimerQueue(clock)
    timerDriver = new TimerDriver(timers, (err) => log.error({ err }, 'broker timer failed'))
    quotas = new ClientQuotas(config, timers, (ip, rate) => server.quotas.setIpConnectionRate(ip, rate))
    await quotas.open(store, log)
    if (clusterMode) fetchers = new ReplicaFetcherManager(config, log, () => clock.now(), undefined, { security: interBrokerSecurity })
    const isr = clusterMode
      ? new AlterPartitionManager({ store, image: () => metadata.image, lagTimeMaxMs: config.int('replica.lag.time.max.ms'), now: () => clock.now(), log })
      : undefined
    const highWatermarks = clusterMode ? await HighWatermarkCheckpoint.load(config.dataDir) : undefined
    const replicas = new ReplicaManager({ config, logs, log, timers, isr, fetchers, highWatermarks })
    loader.subscribe((delta) => replicas.applyDelta(delta))
    cluster?.subscribe()
    await loader.start(initial)
    await cluster?.campaign()
    const topics = new TopicService({ metadata, controller, config, nodeId, log, clusterMode })
    const groupConfigs = new GroupConfigs(config, (key, reason) => log.warn({ key, reason }, 'ignoring a persisted group config'))
    const tls = new TlsReloader(config, (l) => security.listener(l)?.tls, (l, t) => {
      server.setSecureContext(l, t.options)
      security.setListenerTls(l, t)
      interBrokerSecurity?.listenerTlsChanged(l, t.options)
      log.info({ listener: l }, `listener ${l}: TLS key and trust material reloaded`)
    })
    // Key stores set at runtime before a restart (persisted dynamic listener configs) replace the static ones.
    if ([...dynamic.entries('per-broker').keys(), ...dynamic.entries('cluster-wide').keys()].some(isTlsKey)) {
      try {
        tls.commit(tls.prepare())
      } catch (err) {
        log.warn({ err }, 'the TLS key stores set at runtime cannot be used: the listeners keep the configured ones')
      }
    }
    const configAdmin = new ConfigAdmin({ config, nodeId, topics, replicas, dynamic, groups: groupConfigs, log, brokerConfigsChanged: () => server.limitsChanged(), tls })
    // ACL requests exist only with an authorizer (api/acls.ts says why).
    const registry = new HandlerRegistry(security.authorizer ? [...BUILTIN_HANDLERS, ...ACL_HANDLERS] : BUILTIN_HANDLERS)
    const advertisedListeners: BoundListener[] = []
    const coordinators = new Coordinators()
    const metrics = new BrokerMetrics(() => server.connectionCount)
    const context: BrokerContext = {
      config,
      nodeId: config.nodeId,
      clusterId: metadata.clusterId,
      metadata,
      controller,
      logs,
      replicas,
      topics,
      configAdmin,
      coordinators,
      metrics,
      readBufferPool: new BufferPool(READ_BUFFER_POOL_BYTES),
      registry,
      security,
      quotas,
      advertisedListeners,
      clock,
      timers,
      schemas: { lookup: null },
      log,
      interBroker: new InterBrokerClient(config, () => metadata.image, interBrokerSecurity),
      producerIds: clusterMode ? new StoreProducerIdBlocks(store) : undefined,
    }
    for (const b of bound) advertisedListeners.push(advertise(b, config))
    coordinators.open(context)
    registerStateMetrics(metrics.registry, context)
    topics.onTopicDeleted(async (t) => { metrics.topicDeleted(t.name) })
    let loaded = false
    void Promise.all([coordinators.group.whenLoaded(), coordinators.txn.whenLoaded()]).then(() => { loaded = true }, () => {})
    admin = new AdminServer({ registry: metrics.registry, log, notReady: () => (loaded ? null : 'replaying coordinator state') })
    await admin.start(adminAddresses)
    const adminServer = admin
    coordinators.followLeadership(replicas)
    handler.open(createAuthenticator(createDispatcher(context, registry), security))
    let closing: Promise<void> | undefined
    const srv = server
    const meta = store
    const images = loader
    const storage = logs
    const driver = timerDriver
    const clientQuotas = quotas
    const replicaFetchers = fetchers
    const member = cluster
    return {
      context,
      listeners: advertisedListeners,
      bound: bound.map((b, i) => (isWildcard(b.host) ? { ...b, host: advertisedListeners[i].host } : b)),
      dataDir,
      admin: adminServer.bound,
      metadataAt: (revision) => images.waitFor(revision),
      close(closeOpts: CloseOptions = {}) {
        closing ??= (async () => {
          if (member) await (closeOpts.abandonLease ? member.abandon() : member.close())
          // Followers stop fetching before their logs close.
          await replicaFetchers?.close()
          // Waiting fetches answer now with what they have, so in-flight requests drain quickly.
          replicas.close()
          await adminServer.close()
          // Parked JoinGroup/SyncGroup answers go out before the listeners drain.
          await coordinators.close()
          context.interBroker.close()
          await srv.close()
          driver.stop()
          security.close()
          clientQuotas.close()
          await images.close()
          await replicas.checkpointHighWatermarks().catch((err: unknown) => log.warn({ err }, 'high watermark checkpoint failed'))
          await storage.close()
          // An injected store belongs to the caller; a file or etcd store opened here is closed here.
          if (!opts.store) await meta.close()
          await claim.release()
          log.info({ dataDir }, 'broker stopped')
        })()
        return closing
      },
    }
  } catch (err) {
    handler.fail('the broker failed to start')
    await admin?.close()
    await cluster?.close()
    await fetchers?.close()
    await server.close(0)
    timerDriver?.stop()
    security.close()
    quotas?.close()
    await loader?.close()
    await logs?.close()
    if (!opts.store) await store?.close()
    await claim.abandon()
    throw err
  }
}

function createNetServer(config: BrokerConfig, handler: DeferredHandler, security: Security, log: Logger, clock: Scheduler,
  overrideHosts: Map<string, string>): NetServer {
  return new NetServer({
    connectionQuotas: brokerConnectionQuotas(config, overrideHosts, log),
    now: () => clock.now(),
    backlog: () => config.int('socket.listen.backlog.size'),
    listeners: config.listeners.map((l) => ({ ...l, tls: security.listener(l.name)?.tls?.options })),
    handler: handler.handler,
    limits: {
      maxFrameBytes: config.int('socket.request.max.bytes'),
      maxInFlightBytes: config.int('queued.max.request.bytes'),
      maxInFlightRequests: config.int('queued.max.requests'),
      idleMs: config.int('connections.max.idle.ms'),
    },
    log,
    recycling: produceFrameRecycling(),
  })
}

export interface StartBrokerOptions {
  /** Data directory; default: a new temporary directory, removed again by close(). */
  readonly dataDir?: string
  /** Host to listen on (default 127.0.0.1) — ignored when `config.listeners` is given. */
  readonly host?: string
  /** Port (default 0: a free port) — ignored when `config.listeners` is given. */
  readonly port?: number
  /** Broker configs by Kafka name, e.g. `{ 'num.partitions': 3 }`; keys and value types come from the config table. */
  readonly config?: BrokerConfigs
  /** A pino logger, or a level for the default stderr logger (default: 'silent'). */
  readonly logger?: Logger | LogLevel
}

export interface Broker {
  readonly host: string
  readonly port: number
  /** `host:port`, for a client's bootstrap servers. */
  readonly bootstrap: string
  readonly dataDir: string
  /** The /metrics address when `admin.listeners` is set (startBroker leaves it off by default). */
  readonly metricsUrl: string | undefined
  close(): Promise<void>
}

/** Starts a broker inside this process. Config errors throw ConfigError before anything is written. */
export async function startBroker(options: StartBrokerOptions = {}): Promise<Broker> {
  const entries: [string, string | number | boolean | readonly string[]][] = [
    ['listeners', `PLAINTEXT://${options.host ?? '127.0.0.1'}:${options.port ?? 0}`],
    // A test broker: the first consumer of a group need not wait 3 s for others to join.
    ['group.initial.rebalance.delay.ms', 0],
    // No HTTP admin endpoint unless asked for: tests start many brokers at once.
    ['admin.listeners', ''],
    ...Object.entries(options.config ?? {}),
  ]
  const ownDir = options.dataDir === undefined
  // Validate before creating anything.
  const probe = new BrokerConfig(entries)
  if (ownDir && probe.isSet('log.dirs')) throw new Error('pass the data directory as the dataDir option, not config log.dirs')
  const dataDir = options.dataDir ?? await mkdtemp(join(tmpdir(), 'samsa-'))
  const config = new BrokerConfig([...entries, ['log.dirs', dataDir]])
  const log = typeof options.logger === 'object' ? options.logger
    : options.logger === undefined || options.logger === 'silent' ? silentLogger() : createLogger(options.logger)
  let running: RunningBroker
  try {
    running = await runBroker(config, { log })
  } catch (err) {
    if (ownDir) await rm(dataDir, { recursive: true, force: true })
    throw err
  }
  const first = running.bound[0]
  return {
    host: first.host,
    port: first.port,
    bootstrap: `${first.host.includes(':') ? `[${first.host}]` : first.host}:${first.port}`,
    dataDir: running.dataDir,
    metricsUrl: running.admin[0] ? `http://${running.admin[0].host.includes(':') ? `[${running.admin[0].host}]` : running.admin[0].host}:${running.admin[0].port}/metrics` : undefined,
    async close() {
      await running.close()
      if (ownDir) await rm(dataDir, { recursive: true, force: true })
    },
  }
}
