// A broker's part in cluster control, composed for the broker's composition root: membership
// (leased registration), the controller claim, and — while this broker holds the claim — leader
// elections after broker failures. Order matters on both ends: `register()` once the listeners
// are bound (the registration advertises them), `subscribe()` before the loader starts (after
// the replica manager), `campaign()` once it runs, `close()` first on shutdown (a controlled
// shutdown hands its leaderships to in-sync replicas, then gives the claim and the registration
// up at once instead of waiting for the lease to lapse). `abandon()` is a crash.
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import type { Logger } from 'pino'
import type { BrokerConfig } from '../config/broker-config.ts'
import type { MetadataLoader } from './metadata-loader.ts'
import type { BrokerEndpoint } from './metadata-records.ts'
import type { MetadataStore } from './store/metadata-store.ts'
import { BrokerMembership } from './membership.ts'
import { ControllerElection } from './controller-election.ts'
import { FailoverController } from './failover-controller.ts'
import { handOffLeadership } from './hand-off.ts'
import { EtcdConnectError } from './store/etcd-connect.ts'
import type { Controller } from './controller.ts'
import { LeaderRebalancer } from './leader-rebalance.ts'
import { ReassignmentCompleter } from './reassignment.ts'
import { FeatureFinalizer } from './feature-levels.ts'

/** The longest a controlled shutdown waits for the hand-off before leaving anyway. */
const HANDOFF_MS = 5000

export interface ClusterNodeOptions {
  readonly store: MetadataStore
  readonly loader: MetadataLoader
  readonly config: BrokerConfig
  readonly log: Logger
  /** Writes the preferred-leader rebalance's elections. */
  readonly controller: Controller
}

export class ClusterNode {
  private membership: BrokerMembership | undefined
  readonly election: ControllerElection
  readonly failover: FailoverController
  readonly rebalancer: LeaderRebalancer
  readonly reassignments: ReassignmentCompleter
  readonly features: FeatureFinalizer

  constructor(private readonly opts: ClusterNodeOptions) {
    const { store, loader, config, log } = opts
    this.election = new ControllerElection(store, config.nodeId, () => this.membership?.session() ?? { lease: 0, brokerEpoch: -1 }, () => loader.image, log)
    this.failover = new FailoverController({ store, election: this.election, uncleanDefault: () => config.bool('unclean.leader.election.enable'), log })
    this.rebalancer = new LeaderRebalancer(config, opts.controller, this.election, () => loader.image, log)
    this.reassignments = new ReassignmentCompleter(opts.controller, this.election, log)
    this.features = new FeatureFinalizer(store, this.election, log)
  }

  /** Adds the metadata publishers (after the replica manager's, before the loader starts). */
  subscribe(): void {
    this.opts.loader.subscribe(this.election.onDelta)
    this.opts.loader.subscribe(this.failover.onDelta)
    this.opts.loader.subscribe(this.reassignments.onDelta)
    this.opts.loader.subscribe(this.features.onDelta)
  }

  /**
   * Registers with the advertised listeners (before this broker loads its image, so a refused
   * duplicate node.id has acted on nothing). Throws DuplicateBrokerError.
   */
  async register(listeners: readonly BrokerEndpoint[]): Promise<void> {
    const { config, store, log } = this.opts
    const rack = config.get('broker.rack')
    this.membership = new BrokerMembership({
      store, nodeId: config.nodeId, listeners, rack: typeof rack === 'string' && rack !== '' ? rack : null,
      host: hostname(), logDir: resolve(config.dataDir),
      sessionTimeoutMs: config.int('broker.session.timeout.ms'), heartbeatMs: config.int('broker.heartbeat.interval.ms'), log,
    })
    await this.membership.register()
  }

  /** Once the loader runs: claims the controller role when nobody holds it. */
  async campaign(): Promise<void> {
    if (this.opts.loader.image.controller === null) await this.election.campaign()
    // Every broker checks; only the one holding the claim acts.
    this.rebalancer.start()
  }

  /** The session's lease and broker epoch (lease 0 before start). */
  session(): { lease: number, brokerEpoch: number } {
    return this.membership?.session() ?? { lease: 0, brokerEpoch: -1 }
  }

  /**
   * Controlled shutdown: hand leadership and ISR membership to the others first (bounded), then
   * resign the claim, stop electing and leave the cluster.
   */
  async close(): Promise<void> {
    if (this.membership?.session().lease) {
      let timer: NodeJS.Timeout | undefined
      const bound = new Promise<void>((r) => { timer = setTimeout(r, HANDOFF_MS) })
      await Promise.race([this.handOff().catch((err: unknown) => this.opts.log.warn({ err }, 'moving leadership away before shutdown failed')), bound])
      clearTimeout(timer)
    }
    await this.rebalancer.close()
    await this.reassignments.close()
    await this.election.resign(this.opts.loader.image)
    await this.failover.close()
    await this.features.close()
    await this.membership?.close()
  }

  /** Controlled shutdown: leadership handed to in-sync replicas before leaving (hand-off.ts). */
  private async handOff(): Promise<void> {
    const { loader, store, config, log } = this.opts
    const r = await handOffLeadership(store, loader.image, config.nodeId)
    if (r.revision > 0) await loader.waitFor(r.revision)
    if (r.leadersMoved + r.isrLeft > 0) log.info({ leadersMoved: r.leadersMoved, isrLeft: r.isrLeft }, 'controlled shutdown: leadership handed to in-sync replicas')
  }

  /** A crash (tests): stop renewing; the claim and registration lapse with the lease. */
  async abandon(): Promise<void> {
    this.election.close()
    await this.rebalancer.close()
    await this.failover.close()
    await this.features.close()
    await this.membership?.abandon()
  }
}

/** Opens the etcd store named by etcd.connect (loads etcd3 only now). */
export async function openEtcdStore(config: BrokerConfig, log: Logger): Promise<MetadataStore> {
  const spec = config.etcdConnect
  if (!spec) throw new EtcdConnectError('', 'etcd.connect is not set')
  const { EtcdMetadataStore } = await import('./store/etcd-store.ts')
  let reported = false
  return EtcdMetadataStore.connect(spec, {
    onTrouble: (err) => {
      // Once per streak is enough: the watch reconnects by itself.
      if (reported) return
      reported = true
      log.warn({ err }, 'etcd connection trouble; reconnecting')
      setTimeout(() => { reported = false }, 30_000).unref()
    },
  })
}
