// One life of one simulated broker: the real cluster components of src/broker wired as
// broker.ts wires them in cluster mode — membership (leased registration), the metadata loader,
// the controller claim and the failover controller, AlterPartition, the ReplicaManager with its
// purgatories on a TimerQueue, the follower fetchers — over the simulated store link, network,
// clock and in-memory logs. What is not here: sockets, the dispatcher and codecs, coordinators,
// quotas, security. Requests from other brokers and clients (Fetch, OffsetForLeaderEpoch,
// Produce) go to the real handlers with a context holding only what those handlers read for
// these requests (a missing field would be a TypeError, failing the run loudly).
// A kill is a crash: no shutdown code runs; the life's timers, disk operations and network
// traffic simply stop (its promise chains are never resumed), and its logs keep what was durable.
import type { Logger } from 'pino'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import type { FetchResponse } from '../../src/protocol/generated/messages/fetch.ts'
import { recordsBuffer } from '../../src/protocol/primitives/index.ts'
import type { BrokerConfig } from '../../src/broker/config/broker-config.ts'
import { MetadataLoader } from '../../src/broker/cluster/metadata-loader.ts'
import { BrokerMembership } from '../../src/broker/cluster/membership.ts'
import { ControllerElection } from '../../src/broker/cluster/controller-election.ts'
import { FailoverController } from '../../src/broker/cluster/failover-controller.ts'
import type { MemoryMetadataStore } from '../../src/broker/cluster/store/memory-store.ts'
import { AlterPartitionManager } from '../../src/broker/replica/alter-partition.ts'
import { ReplicaManager } from '../../src/broker/replica/replica-manager.ts'
import { ReplicaFetcherManager } from '../../src/broker/replica/replica-fetcher-manager.ts'
import type { ReplicaChannel } from '../../src/broker/replica/replica-fetcher.ts'
import { TimerQueue } from '../../src/broker/coordinator/timer-queue.ts'
import { fetchHandler } from '../../src/broker/api/fetch.ts'
import { offsetForLeaderEpochHandler } from '../../src/broker/api/offset-for-leader-epoch.ts'
import { produceHandler } from '../../src/broker/api/produce.ts'
import type { ApiHandler, RequestContext } from '../../src/broker/api/handler.ts'
import type { Timers } from '../../src/broker/timers.ts'
import type { SimNetwork } from './network.ts'
import type { SimScheduler } from './scheduler.ts'
import type { SimLogs } from './sim-log.ts'
import { SimStoreLink } from './store-link.ts'

export interface BrokerEnv {
  readonly scheduler: SimScheduler
  readonly network: SimNetwork
  readonly store: MemoryMetadataStore
  readonly log: Logger
  /** The broker's config (node.id and the replication timings). */
  readonly config: (id: number) => BrokerConfig
  /** The current life of broker `id` (where requests to it are handled). */
  readonly broker: (id: number) => SimBroker | undefined
}

const HANDLERS = new Map<number, ApiHandler>([
  [ApiKey.Fetch, fetchHandler as ApiHandler],
  [ApiKey.OffsetForLeaderEpoch, offsetForLeaderEpochHandler as ApiHandler],
  [ApiKey.Produce, produceHandler as ApiHandler],
])

export class SimBroker {
  alive = true
  readonly timers: Timers
  readonly link: SimStoreLink
  readonly loader: MetadataLoader
  readonly membership: BrokerMembership
  readonly election: ControllerElection
  readonly failover: FailoverController
  readonly replicas: ReplicaManager
  readonly fetchers: ReplicaFetcherManager
  private readonly stopTimerQueue: () => void
  private readonly context: RequestContext

  constructor(readonly id: number, readonly incarnation: number, private readonly env: BrokerEnv, readonly logs: SimLogs) {
    const { scheduler, log } = env
    const config = env.config(id)
    // This life's timers: none fires once it is dead.
    this.timers = {
      now: () => scheduler.now(),
      after: (ms, fn) => scheduler.after(ms, () => { if (this.alive) fn() }),
    }
    this.link = new SimStoreLink(id, env.store, env.network, scheduler)
    this.loader = new MetadataLoader(this.link, log, this.timers)
    this.membership = new BrokerMembership({
      store: this.link, nodeId: id, listeners: [{ name: 'PLAINTEXT', host: `sim-${id}`, port: 9092 }], rack: null,
      host: 'sim', logDir: `/sim/broker-${id}`, sessionTimeoutMs: config.int('broker.session.timeout.ms'),
      heartbeatMs: config.int('broker.heartbeat.interval.ms'), log, timers: this.timers,
    })
    this.election = new ControllerElection(this.link, id, () => this.membership.session(), () => this.loader.image, log, this.timers)
    this.failover = new FailoverController({ store: this.link, election: this.election, uncleanDefault: () => false, log, timers: this.timers })
    const queue = new TimerQueue(scheduler)
    this.stopTimerQueue = scheduler.drive(queue, `timers ${id}`)
    this.fetchers = new ReplicaFetcherManager(config, log, () => scheduler.now(), () => this.membership.session().brokerEpoch, {
      timers: this.timers,
      connect: (leaderId) => Promise.resolve(this.channelTo(leaderId)),
    })
    const isr = new AlterPartitionManager({ store: this.link, image: () => this.loader.image, lagTimeMaxMs: config.int('replica.lag.time.max.ms'),
      now: () => scheduler.now(), log })
    this.replicas = new ReplicaManager({ config, logs, log, timers: queue, isr, fetchers: this.fetchers })
    const broker = {
      config, nodeId: id, metadata: this.loader, replicas: this.replicas, log,
      security: { authorizer: undefined },
      metrics: { fetched() {}, produced() {} },
      quotas: { produce: { enabled: false }, fetch: { enabled: false } },
    }
    this.context = {
      broker, log, size: 0, quotaExempt: false,
      header: { apiKey: 0, apiVersion: 0, correlationId: 0, clientId: 'sim' },
    } as unknown as RequestContext
  }

  /** broker.ts's cluster-mode start order: register, load, subscribe (replicas first), start, campaign. */
  async start(): Promise<void> {
    await this.membership.register()
    const initial = await this.loader.load()
    this.loader.subscribe((delta) => this.replicas.applyDelta(delta))
    this.loader.subscribe(this.election.onDelta)
    this.loader.subscribe(this.failover.onDelta)
    await this.loader.start(initial)
    if (this.loader.image.controller === null) await this.election.campaign()
  }

  /** A crash: nothing of this life runs again. */
  kill(): void {
    this.alive = false
    this.env.network.stop(this.id)
    this.stopTimerQueue()
    void this.link.close()
  }

  /** A request from another node, answered by the real handler. */
  handle<Res>(apiKey: number, version: number, body: unknown): Promise<Res> {
    const h = HANDLERS.get(apiKey)
    if (!h || !this.alive) return Promise.reject(new Error(`broker ${this.id} cannot answer API ${apiKey}`))
    const ctx = { ...this.context, quotaExempt: false }
    return Promise.resolve(h.handle(ctx, body, version) as Res | Promise<Res>)
  }

  /** The fetchers' channel to a leader over the simulated network. */
  private channelTo(leaderId: number): ReplicaChannel {
    const { network, broker } = this.env
    let open = true
    return {
      get isOpen() {
        return open
      },
      send: <Res>(apiKey: number, version: number, body: unknown, timeoutMs: number): Promise<Res> => {
        const label = apiKey === ApiKey.Fetch ? 'replica.fetch' : 'replica.epoch'
        return network.rpc(this.id, leaderId, label, () => {
          const b = broker(leaderId)
          if (!b) throw new Error(`broker ${leaderId} is down`)
          return b.handle<Res>(apiKey, version, body).then((r) => (apiKey === ApiKey.Fetch ? copyRecords(r as FetchResponse) as Res : r))
        }, timeoutMs).catch((err: unknown) => {
          // A lost request or answer: the socket is given up, as after a timeout.
          open = false
          throw err
        })
      },
      close: () => { open = false },
    }
  }
}

/** Record bytes leave the leader's log as a copy (they would be serialized onto a socket). */
function copyRecords(r: FetchResponse): FetchResponse {
  for (const t of r.responses) for (const p of t.partitions) if (p.records !== null) p.records = Buffer.from(recordsBuffer(p.records))
  return r
}
