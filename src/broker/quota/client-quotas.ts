// The broker's client quotas (Kafka's quota managers, KIP-13/KIP-124): produce and fetch byte
// rates and request-time percentage per user / client-id / (user, client-id), kept in the
// metadata store (client-quota-store.ts) and enforced like Kafka: the response carries
// throttle_time_ms at once, and the connection is muted — nothing more is read from it — until
// the throttle time has passed, so a client that ignores the field is held back as well.
// Without any quota every check is one boolean read.
import type { Logger } from 'pino'
import { isIP } from 'node:net'
import type { BrokerConfig } from '../config/broker-config.ts'
import type { MetadataStore } from '../cluster/store/metadata-store.ts'
import type { TimerQueue } from '../coordinator/timer-queue.ts'
import type { Connection } from '../net/connection.ts'
import type { RequestContext } from '../api/handler.ts'
import { sessionOf } from '../security/session.ts'
import { ANONYMOUS } from '../security/principal.ts'
import { ClientQuotaManager } from './client-quota-manager.ts'
import { ClientQuotaStore } from './client-quota-store.ts'
import { ControllerMutationQuotas } from './controller-mutation-quota.ts'
import { resolveHost } from '../net/host-resolver.ts'
import type { EntityQuotas } from './client-quota-store.ts'

export class ClientQuotas {
  /** producer_byte_rate: bytes of Produce requests per second. */
  readonly produce: ClientQuotaManager
  /** consumer_byte_rate: bytes of Fetch responses per second. */
  readonly fetch: ClientQuotaManager
  /** request_percentage: time spent handling requests, in percent of one thread per second. */
  readonly request: ClientQuotaManager
  /** controller_mutation_rate: partitions created or deleted per second (KIP-599). */
  readonly mutations: ControllerMutationQuotas
  private readonly managers: readonly ClientQuotaManager[]
  private storeCopy: ClientQuotaStore | undefined
  private log: Logger | undefined
  /** IP entities named by host name, one at a time in order: host name → the address its quota is on. */
  private ipChain: Promise<void> = Promise.resolve()
  private readonly ipAddresses = new Map<string, string>()

  /**
   * `ipConnectionRate`: told each IP entity's connection_creation_rate (KIP-612; ip null: the
   * default IP entity; rate undefined: removed) — the connection quotas enforce it.
   */
  constructor(config: BrokerConfig, private readonly timers: TimerQueue,
    private readonly ipConnectionRate: (ip: string | null, rate: number | undefined) => void = () => {}) {
    const window = { sampleMs: config.int('quota.window.size.seconds') * 1000, numSamples: config.int('quota.window.num') }
    this.produce = new ClientQuotaManager('producer_byte_rate', window)
    this.fetch = new ClientQuotaManager('consumer_byte_rate', window)
    // A request-time throttle is at most one sample long, as Kafka's.
    this.request = new ClientQuotaManager('request_percentage', window, window.sampleMs)
    this.mutations = new ControllerMutationQuotas({
      sampleMs: config.int('controller.quota.window.size.seconds') * 1000, numSamples: config.int('controller.quota.window.num'),
    })
    this.managers = [this.produce, this.fetch, this.request, this.mutations.limits]
  }

  /** Loads the quotas and follows their changes. */
  async open(store: MetadataStore, log: Logger): Promise<void> {
    this.log = log
    const s = new ClientQuotaStore(store, log, (q) => this.applied(q))
    await s.open()
    this.storeCopy = s
  }

  /** Some quota exists (a quick check before looking one up). */
  get enabled(): boolean {
    return this.produce.enabled || this.fetch.enabled || this.request.enabled || this.mutations.enabled
  }

  /** Whether a quota applies to this client. */
  applies(user: string, clientId: string): boolean {
    for (const m of this.managers) if (m.enabled && m.quotaFor(user, clientId) !== Infinity) return true
    return false
  }

  get store(): ClientQuotaStore {
    if (!this.storeCopy) throw new Error('client quotas are not open')
    return this.storeCopy
  }

  private applied(q: EntityQuotas): void {
    if ('ip' in q.entity) {
      this.applyIp(q.entity.ip ?? null, q.values.connection_creation_rate)
      return
    }
    for (const m of this.managers) m.update(q.entity, q.values[m.key])
  }

  /**
   * An IP entity's connection_creation_rate to the connection quotas. A host name is resolved when
   * its quota arrives, as Kafka's broker does (one address, IPv4 first); removing it undoes the
   * address it was set on. A name that does not resolve is logged and not applied.
   */
  private applyIp(ip: string | null, rate: number | undefined): void {
    if (ip === null || isIP(ip) !== 0) {
      this.ipConnectionRate(ip, rate)
      return
    }
    this.ipChain = this.ipChain.then(async () => {
      const before = this.ipAddresses.get(ip)
      let address: string | undefined
      if (rate !== undefined) {
        try {
          address = await resolveHost(ip)
        } catch (err) {
          this.log?.warn({ host: ip, err: (err as Error).message }, `Unable to resolve address ${ip}: its connection_creation_rate is not applied`)
        }
      }
      if (before !== undefined && before !== address) this.ipConnectionRate(before, undefined)
      if (address === undefined) this.ipAddresses.delete(ip)
      else {
        this.ipAddresses.set(ip, address)
        this.ipConnectionRate(address, rate)
      }
    })
  }

  /** Settles once every IP quota given so far is applied (host names resolved). */
  ipQuotasApplied(): Promise<void> {
    return this.ipChain
  }

  now(): number {
    return this.timers.clock.now()
  }

  /** Mutes `conn` for `ms` (extending a mute already running). */
  throttle(conn: Connection, ms: number): void {
    if (ms <= 0 || conn.isClosed) return
    const key = `client-quota-throttle:${conn.id}`
    const until = this.now() + ms
    if ((this.timers.deadlineOf(key) ?? -Infinity) >= until) return
    conn.mute()
    this.timers.schedule(key, ms, () => conn.unmute())
  }

  close(): void {
    this.storeCopy?.close()
  }
}

/** The quota user (the principal's name: `alice` for `User:alice`) and client id of a request. */
export function quotaClient(ctx: RequestContext): [string, string] {
  const principal = sessionOf(ctx.connection)?.principal ?? ANONYMOUS
  const colon = principal.indexOf(':')
  return [colon < 0 ? principal : principal.slice(colon + 1), ctx.header.clientId ?? '']
}
