// Which broker is the controller: whoever creates `/controller` while it is absent, under its own
// broker lease, so the claim goes when that broker dies or loses its session. The claim's create
// revision is the controller epoch: it grows with every election, and each controller write
// compares it (`guard()`), so a deposed controller that has not yet noticed cannot write.
// Every broker campaigns whenever its image shows no controller; the store's compare-and-swap
// picks one winner.
import type { Logger } from 'pino'
import type { MetadataDelta } from './metadata-delta.ts'
import type { MetadataImage } from './metadata-image.ts'
import { CONTROLLER_KEY } from './metadata-records.ts'
import type { ControllerRecord } from './metadata-records.ts'
import type { Compare, MetadataStore } from './store/metadata-store.ts'
import { realTimers } from '../timers.ts'
import type { Timers } from '../timers.ts'

const RETRY_MS = 1000

export interface Session {
  /** The lease this broker's registration lives under (0: not registered). */
  readonly lease: number
  readonly brokerEpoch: number
}

export class ControllerElection {
  private campaigning = false
  private closed = false
  private cancelRetry: (() => void) | undefined

  constructor(
    private readonly store: MetadataStore,
    private readonly nodeId: number,
    private readonly session: () => Session,
    /** The newest image this broker has (to retry a campaign that failed on a store error). */
    private readonly image: () => MetadataImage,
    private readonly log: Logger,
    private readonly timers: Timers = realTimers,
  ) {}

  /** True when `image` names this broker as the controller. */
  isController(image: MetadataImage): boolean {
    return image.controller?.id === this.nodeId
  }

  /** The compare that makes a write succeed only under this controller epoch. */
  static guard(image: MetadataImage): Compare {
    return { key: CONTROLLER_KEY, target: 'createRevision', equals: image.controller?.epoch ?? -1 }
  }

  /** A metadata publisher: campaigns (in the background) whenever no controller holds the claim. */
  onDelta = (delta: MetadataDelta): void => {
    if (delta.image.controller === null) void this.campaign()
  }

  /** Tries to claim the controller role; resolves true when this broker won. */
  async campaign(): Promise<boolean> {
    const { lease, brokerEpoch } = this.session()
    if (this.closed || this.campaigning || lease === 0) return false
    this.campaigning = true
    try {
      const record: ControllerRecord = { id: this.nodeId, brokerEpoch }
      const r = await this.store.txn({
        compare: [{ key: CONTROLLER_KEY, target: 'version', equals: 0 }],
        success: [{ type: 'put', key: CONTROLLER_KEY, value: JSON.stringify(record), lease }],
      })
      if (r.succeeded) this.log.info({ nodeId: this.nodeId, epoch: r.revision }, 'elected controller')
      return r.succeeded
    } catch (err) {
      if (this.closed) return false
      this.log.warn({ err }, 'controller campaign failed; retrying')
      this.cancelRetry?.()
      this.cancelRetry = this.timers.after(RETRY_MS, () => { if (this.image().controller === null) void this.campaign() }, true)
      return false
    } finally {
      this.campaigning = false
    }
  }

  /** Gives the role up (controlled shutdown) when this broker holds it under `image`'s epoch. */
  async resign(image: MetadataImage): Promise<void> {
    this.close()
    if (!this.isController(image)) return
    await this.store.txn({ compare: [ControllerElection.guard(image)], success: [{ type: 'delete', key: CONTROLLER_KEY }] }).catch(() => {})
  }

  close(): void {
    this.closed = true
    this.cancelRetry?.()
  }
}
