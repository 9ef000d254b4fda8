// Cluster membership: this broker's registration `/brokers/<id>` under a lease of
// broker.session.timeout.ms, renewed every broker.heartbeat.interval.ms by our own loop (errors
// are logged once per streak and retried; a lease found lapsed means the cluster saw us fail, so
// we register again under a new broker epoch, as a restarted broker would). The broker epoch
// changes on every registration (it is past the store revision read just before writing), so a
// broker that restarts faster than its lease lapses is still seen as failed and rejoined.
// Registration is a compare-and-swap: the key must be absent, or name this very data directory
// on this host (our own previous life: we hold the directory lock now, so it is dead). Any other
// registration of our node.id is a live broker or one whose lease has yet to lapse: we wait for
// one session timeout, then refuse to start with DuplicateBrokerError.
import type { Logger } from 'pino'
import { brokerKey, parseBrokerRecord } from './metadata-records.ts'
import type { BrokerEndpoint, BrokerRecord } from './metadata-records.ts'
import { LeaseNotFoundError } from './store/metadata-store.ts'
import type { MetadataStore } from './store/metadata-store.ts'
import { realTimers } from '../timers.ts'
import type { Timers } from '../timers.ts'
import { SUPPORTED_FEATURES } from './feature-levels.ts'

export class DuplicateBrokerError extends Error {
  constructor(nodeId: number, other: BrokerRecord | undefined) {
    const where = other?.listeners.map((l) => `${l.host}:${l.port}`).join(', ') || 'unknown address'
    super(`node.id ${nodeId} is already registered by a live broker (${where}${other?.host ? ` on ${other.host}` : ''}` +
      `${other?.logDir ? `, data in ${other.logDir}` : ''}); stop it or give this broker another node.id`)
    this.name = 'DuplicateBrokerError'
  }
}

export interface MembershipOptions {
  readonly store: MetadataStore
  readonly nodeId: number
  readonly listeners: readonly BrokerEndpoint[]
  readonly rack: string | null
  /** Host name and data directory: what makes an old registration our own. */
  readonly host: string
  readonly logDir: string
  readonly sessionTimeoutMs: number
  readonly heartbeatMs: number
  readonly log: Logger
  /** Poll interval while waiting for another registration to lapse (default 250 ms). */
  readonly pollMs?: number
  /** Told after every (re-)registration. */
  readonly onRegistered?: (record: BrokerRecord) => void
  /** Heartbeat and poll timers (default: real ones, unref'd). */
  readonly timers?: Timers
}

export class BrokerMembership {
  private lease = 0
  private epoch = -1
  private cancelTimer: (() => void) | undefined
  private renewing: Promise<void> = Promise.resolve()
  private stopped = false
  private failingSince = 0

  private readonly timers: Timers

  constructor(private readonly opts: MembershipOptions) {
    this.timers = opts.timers ?? realTimers
  }

  /** The lease and broker epoch of the current registration (lease 0: not registered). */
  session(): { lease: number, brokerEpoch: number } {
    return { lease: this.lease, brokerEpoch: this.epoch }
  }

  /** Registers; resolves with the record written (its store revision in `revision`). */
  async register(): Promise<{ record: BrokerRecord, revision: number }> {
    const { store, nodeId } = this.opts
    const key = brokerKey(nodeId)
    const lease = await store.grantLease(this.opts.sessionTimeoutMs)
    const deadline = this.timers.now() + this.opts.sessionTimeoutMs + 2000
    let other: BrokerRecord | undefined
    try {
      while (!this.stopped) {
        const read = await store.range(key)
        const kv = read.kvs.find((k) => k.key === key)
        other = kv ? safeParse(kv.key, kv.value) : undefined
        const ours = other !== undefined && other.host === this.opts.host && other.logDir === this.opts.logDir
        if (!kv || ours) {
          const record: BrokerRecord = {
            id: nodeId, epoch: read.revision + 1, listeners: this.opts.listeners, rack: this.opts.rack, host: this.opts.host, logDir: this.opts.logDir,
            features: SUPPORTED_FEATURES,
          }
          const r = await store.txn({
            compare: [kv ? { key, target: 'modRevision', equals: kv.modRevision } : { key, target: 'version', equals: 0 }],
            success: [{ type: 'put', key, value: JSON.stringify(record), lease }],
          })
          if (r.succeeded) {
            this.lease = lease
            this.epoch = record.epoch
            this.opts.log.info({ nodeId, brokerEpoch: record.epoch, replaced: ours }, 'registered in the cluster')
            this.opts.onRegistered?.(record)
            this.schedule()
            return { record, revision: r.revision }
          }
          continue
        }
        if (this.timers.now() >= deadline) break
        await new Promise<void>((r) => { this.timers.after(this.opts.pollMs ?? 250, r) })
      }
    } catch (err) {
      await store.revokeLease(lease).catch(() => {})
      throw err
    }
    await store.revokeLease(lease).catch(() => {})
    throw new DuplicateBrokerError(nodeId, other)
  }

  private schedule(): void {
    if (this.stopped) return
    this.cancelTimer = this.timers.after(this.opts.heartbeatMs, () => { this.renewing = this.renew() }, true)
  }

  private async renew(): Promise<void> {
    try {
      await this.opts.store.keepAlive(this.lease)
      // At the warning's level: whoever saw the warning must see the all-clear.
      if (this.failingSince) this.opts.log.warn({ afterMs: this.timers.now() - this.failingSince }, 'etcd reachable again: broker lease renewed; metadata changes work again')
      this.failingSince = 0
    } catch (err) {
      if (this.stopped) return
      if (err instanceof LeaseNotFoundError) {
        this.opts.log.warn({ lease: this.lease }, 'broker registration lapsed: registering again under a new broker epoch')
        this.failingSince = 0
        try {
          this.lease = 0
          await this.register()
          return
        } catch (e) {
          this.opts.log.error({ err: e }, 'registering the broker again failed; retrying')
        }
      } else if (!this.failingSince) {
        this.failingSince = this.timers.now()
        // Once per outage: leaders keep serving (their ISR needs no etcd write), metadata changes fail.
        this.opts.log.warn({ err }, 'cannot reach etcd (no quorum or no member answers): partition leaders keep serving; metadata changes are refused until etcd returns')
      }
    }
    this.schedule()
  }

  /** Stops renewing: the registration lapses with the lease (a crash, for tests). */
  async abandon(): Promise<void> {
    this.stopped = true
    this.cancelTimer?.()
    await this.renewing
  }

  /** Leaves the cluster now: the registration (and a controller claim) go with the lease. */
  async close(): Promise<void> {
    await this.abandon()
    if (this.lease) await this.opts.store.revokeLease(this.lease).catch(() => {})
    this.lease = 0
  }
}

function safeParse(key: string, value: string): BrokerRecord | undefined {
  try {
    return parseBrokerRecord(key, value)
  } catch {
    return undefined
  }
}
