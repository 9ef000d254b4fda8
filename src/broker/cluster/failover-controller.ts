// The controller's standing duty: keep every partition led by a live in-sync replica. Only the
// broker holding the controller claim acts. After each metadata delta it computes the leader
// elections the image calls for (leader-election.ts) and writes them in batches, each one
// compare-and-swap guarded by its controller epoch and by every touched partition's mod
// revision: a deposed controller writes nothing, and a partition that changed meanwhile (an ISR
// write by its leader) fails the batch, which is recomputed from the next image. The sweep reads
// every partition, so it runs only when a delta can call for it (brokers changed, a new
// controller epoch, a changed partition led by a dead broker, a topic's configs changed while it
// has a leaderless partition, a lost batch). Store errors
// (etcd without quorum) are retried on a timer. Writes never block the metadata loader: the
// publisher only schedules work.
import { CoalescedRun } from './coalesced-run.ts'
import type { Logger } from 'pino'
import type { MetadataDelta } from './metadata-delta.ts'
import type { MetadataImage } from './metadata-image.ts'
import { ControllerElection } from './controller-election.ts'
import { electLeaders } from './leader-election.ts'
import type { PartitionChange } from './leader-election.ts'
import { partitionKey } from './metadata-records.ts'
import type { MetadataStore } from './store/metadata-store.ts'
import { realTimers } from '../timers.ts'
import type { Timers } from '../timers.ts'

/** Partitions per transaction: etcd's default --max-txn-ops is 128 (compares and puts each). */
export const ELECTION_BATCH = 100
const RETRY_MS = 1000

export interface FailoverControllerOptions {
  readonly store: MetadataStore
  readonly election: ControllerElection
  /** Broker default of unclean.leader.election.enable (a topic override wins). */
  readonly uncleanDefault: () => boolean
  readonly log: Logger
  /** The retry timer after a store error (default: a real one, unref'd). */
  readonly timers?: Timers
}

export class FailoverController {
  private latest: MetadataImage | undefined
  private readonly restarted = new Set<number>()
  private readonly run = new CoalescedRun(() => this.sweep())
  /** A batch lost a compare-and-swap: the next delta sweeps again. */
  private lost = false
  private cancelTimer: (() => void) | undefined

  constructor(private readonly opts: FailoverControllerOptions) {}

  /** A metadata publisher: notes restarted brokers and schedules a sweep; never blocks. */
  onDelta = (delta: MetadataDelta): void => {
    for (const [id, b] of delta.image.brokers) {
      const before = delta.before.brokers.get(id)
      if (before && before.epoch !== b.epoch) this.restarted.add(id)
    }
    this.latest = delta.image
    if (!this.opts.election.isController(delta.image)) {
      this.restarted.clear()
      return
    }
    // A full sweep reads every partition: only when something can call for an election.
    const newlyElected = delta.before.controller?.epoch !== delta.image.controller?.epoch
    if (newlyElected || this.lost || delta.before.brokers !== delta.image.brokers || this.needsElection(delta)) this.run.kick()
  }

  /**
   * A changed partition led by a broker that is not live (e.g. created as that broker died), or a
   * topic whose configs changed while one of its partitions has no live leader: an operator who
   * turns unclean.leader.election.enable on for an offline partition gets the election at once
   * (Kafka's controller finds it on its next periodic unclean check).
   */
  private needsElection(delta: MetadataDelta): boolean {
    const live = delta.image.brokers
    for (const c of delta.topicChanges) {
      if (c.configsChanged && c.after?.states.some((s) => s.leader < 0 || !live.has(s.leader))) return true
      for (const i of c.changedPartitions) {
        const s = c.after?.states[i]
        if (s && (s.leader < 0 || !live.has(s.leader) || s.isr.some((id) => !live.has(id)))) return true
      }
    }
    return false
  }

  private async sweep(): Promise<void> {
    const image = this.latest
    if (!image || !this.opts.election.isController(image)) return
    const restarted = new Set(this.restarted)
    const changes = electLeaders({
      image,
      restarted,
      unclean: (_topic, configs) => configs['unclean.leader.election.enable'] !== undefined
        ? configs['unclean.leader.election.enable'].trim().toLowerCase() === 'true'
        : this.opts.uncleanDefault(),
    })
    for (const id of restarted) this.restarted.delete(id)
    this.lost = false
    for (let i = 0; i < changes.length && !this.run.isClosed; i += ELECTION_BATCH) {
      const batch = changes.slice(i, i + ELECTION_BATCH)
      try {
        const r = await this.opts.store.txn({
          compare: [ControllerElection.guard(image), ...batch.map((c) => ({
            key: partitionKey(c.prev.topicId, c.prev.partition), target: 'modRevision' as const, equals: c.prev.modRevision ?? 0,
          }))],
          success: batch.map((c) => ({ type: 'put' as const, key: partitionKey(c.prev.topicId, c.prev.partition), value: JSON.stringify(c.next) })),
        })
        if (r.succeeded) this.logChanges(batch)
        else {
          this.lost = true
          this.opts.log.debug({ partitions: batch.length }, 'leader election batch lost a compare-and-swap; recomputing from the next image')
        }
      } catch (err) {
        if (this.run.isClosed) return
        // Restarts not yet acted on stay noted for the retry.
        for (const id of restarted) this.restarted.add(id)
        this.opts.log.warn({ err }, 'writing leader elections failed; retrying')
        this.cancelTimer?.()
        this.cancelTimer = (this.opts.timers ?? realTimers).after(RETRY_MS, () => this.run.kick(), true)
        return
      }
    }
  }

  private logChanges(batch: readonly PartitionChange[]): void {
    for (const c of batch) {
      if (c.next.leader === c.prev.leader && c.next.leaderEpoch === c.prev.leaderEpoch) continue
      const fields = { topic: c.prev.topic, partition: c.prev.partition, from: c.prev.leader, to: c.next.leader, leaderEpoch: c.next.leaderEpoch, isr: c.next.isr }
      if (c.next.leader < 0) this.opts.log.warn(fields, 'partition offline: no live in-sync replica')
      else this.opts.log.info(fields, 'elected partition leader')
    }
  }

  async close(): Promise<void> {
    this.cancelTimer?.()
    await this.run.close()
  }
}
