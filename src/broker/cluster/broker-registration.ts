// Cluster mode: this broker's registration under `/brokers/<id>`, attached to a lease of
// broker.session.timeout.ms that a keep-alive loop renews every third of it. When the lease is
// found lapsed (a long pause, a store outage) the broker registers again, with a new broker epoch,
// as a restarted broker would. `close()` revokes the lease (the broker leaves at once); `abandon()`
// only stops renewing it (a crash: the registration goes when the lease lapses).
import type { Logger } from 'pino'
import type { Controller } from './controller.ts'
import type { BrokerEndpoint } from './metadata-records.ts'
import { LeaseNotFoundError } from './store/metadata-store.ts'
import type { MetadataStore } from './store/metadata-store.ts'

export class BrokerRegistration {
  private lease = 0
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private renewing: Promise<void> = Promise.resolve()

  constructor(
    private readonly store: MetadataStore,
    private readonly controller: Controller,
    private readonly listeners: readonly BrokerEndpoint[],
    private readonly rack: string | null,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  async register(): Promise<void> {
    this.lease = await this.controller.registerBroker(this.listeners, this.rack, this.ttlMs)
    this.schedule()
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => { this.renewing = this.renew() }, Math.max(1, Math.floor(this.ttlMs / 3)))
    this.timer.unref()
  }

  private async renew(): Promise<void> {
    try {
      await this.store.keepAlive(this.lease)
    } catch (err) {
      if (this.stopped) return
      if (err instanceof LeaseNotFoundError) {
        this.log.warn({ lease: this.lease }, 'broker registration lapsed: registering again')
        try {
          this.lease = await this.controller.registerBroker(this.listeners, this.rack, this.ttlMs)
        } catch (e) {
          this.log.error({ err: e }, 'registering the broker again failed')
        }
      } else this.log.warn({ err }, 'broker lease keep-alive failed')
    }
    this.schedule()
  }

  /** Stops renewing; the registration lapses with the lease. */
  async abandon(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.renewing
  }

  /** Leaves the cluster now. */
  async close(): Promise<void> {
    await this.abandon()
    if (this.lease) await this.store.revokeLease(this.lease).catch(() => {})
  }
}
