// The follower side of replication for one broker (Kafka's ReplicaFetcherManager): one
// ReplicaFetcher per leader broker, holding every partition this broker follows under it.
// ReplicaManager.applyDelta moves partitions in and out: a partition that becomes a follower (new
// leader or new epoch) is (re-)added and truncates before fetching; one that becomes leader or goes
// away is removed. A fetcher left without partitions is closed.
import type { Logger } from 'pino'
import type { BrokerConfig } from '../config/broker-config.ts'
import type { MetadataImage } from '../cluster/metadata-image.ts'
import type { Partition } from './partition.ts'
import { ReplicaFetcher, securedReplicaConnector, tcpReplicaConnector } from './replica-fetcher.ts'
import { interBrokerListener } from '../config/listeners.ts'
import type { FetcherSettings, ReplicaConnector } from './replica-fetcher.ts'
import { realTimers } from '../timers.ts'
import type { Timers } from '../timers.ts'
import type { ChannelSecurity } from '../net/broker-channel.ts'

/** How fetchers reach leaders and wait: TCP and real timers unless injected (tools/sim/). */
export interface FetcherTransport {
  readonly timers?: Timers
  readonly connect?: ReplicaConnector
  /** The inter-broker listener's TLS / SASL for the default TCP connector (absent: PLAINTEXT). */
  readonly security?: ChannelSecurity
}

export class ReplicaFetcherManager {
  private readonly fetchers = new Map<number, ReplicaFetcher>()
  private readonly settings: FetcherSettings
  private image: MetadataImage | undefined
  private closed = false
  /** Leaders are fetched from through their listener of this name (inter.broker.listener.name). */
  private readonly listenerName: string | undefined

  constructor(config: BrokerConfig, log: Logger, now: () => number = Date.now, brokerEpoch: () => number = () => -1, transport: FetcherTransport = {}) {
    this.listenerName = interBrokerListener(config.listeners, config.get('inter.broker.listener.name') as string | null,
      config.string('security.inter.broker.protocol'))?.name
    this.settings = {
      now,
      timers: transport.timers ?? realTimers,
      connect: transport.connect ?? (transport.security ? securedReplicaConnector(transport.security) : tcpReplicaConnector),
      nodeId: config.nodeId,
      brokerEpoch,
      maxWaitMs: config.int('replica.fetch.wait.max.ms'),
      minBytes: config.int('replica.fetch.min.bytes'),
      maxBytes: config.int('replica.fetch.response.max.bytes'),
      partitionMaxBytes: config.int('replica.fetch.max.bytes'),
      backoffMs: config.int('replica.fetch.backoff.ms'),
      socketTimeoutMs: config.int('replica.socket.timeout.ms'),
      log,
    }
  }

  /** The image leaders' endpoints are looked up in (set by applyDelta before it moves partitions). */
  setImage(image: MetadataImage): void {
    this.image = image
  }

  private endpoint = (brokerId: number): { host: string, port: number } | undefined => {
    const b = this.image?.brokers.get(brokerId)
    const l = b?.listeners.find((x) => x.name === this.listenerName) ?? b?.listeners[0]
    return l ? { host: l.host, port: l.port } : undefined
  }

  /** Follows `partition` from `leaderId` at `leaderEpoch` (a no-op when already doing exactly that). */
  follow(partition: Partition, leaderId: number, leaderEpoch: number, restart: boolean): void {
    if (this.closed) return
    for (const [id, f] of this.fetchers) if (id !== leaderId && f.has(partition)) this.unfollowFrom(f, partition)
    let f = this.fetchers.get(leaderId)
    if (f?.has(partition) && !restart) return
    if (!f) this.fetchers.set(leaderId, f = new ReplicaFetcher(leaderId, this.settings, this.endpoint))
    f.add(partition, leaderEpoch)
  }

  /** Stops fetching `partition` (it leads now, or is gone). */
  unfollow(partition: Partition): void {
    for (const f of this.fetchers.values()) if (f.has(partition)) this.unfollowFrom(f, partition)
  }

  private unfollowFrom(f: ReplicaFetcher, partition: Partition): void {
    f.remove(partition)
    if (f.size === 0) {
      this.fetchers.delete(f.leaderId)
      void f.close()
    }
  }

  /** Partitions being fetched, by leader (tests, DescribeLogDirs-style tools). */
  get followed(): ReadonlyMap<number, number> {
    return new Map([...this.fetchers].map(([id, f]) => [id, f.size]))
  }

  async close(): Promise<void> {
    this.closed = true
    const all = [...this.fetchers.values()]
    this.fetchers.clear()
    await Promise.all(all.map((f) => f.close()))
  }
}
