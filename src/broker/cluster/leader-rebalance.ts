// auto.leader.rebalance.enable: every leader.imbalance.check.interval.seconds the controller (only
// the broker holding the claim acts) moves leadership back to preferred replicas on brokers whose
// share of lost preferred leaderships exceeds leader.imbalance.per.broker.percentage
// (preferred-election.ts), so a broker that failed and came back leads its partitions again. The
// writes are guarded by the controller epoch and each partition's mod revision; a lost batch is
// simply recomputed at the next check.
import type { Logger } from 'pino'
import type { BrokerConfig } from '../config/broker-config.ts'
import type { Controller } from './controller.ts'
import { ControllerElection } from './controller-election.ts'
import { ELECTION_BATCH } from './failover-controller.ts'
import type { MetadataImage } from './metadata-image.ts'
import { rebalanceElections } from './preferred-election.ts'

export class LeaderRebalancer {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined

  constructor(
    private readonly config: BrokerConfig,
    private readonly controller: Controller,
    private readonly election: ControllerElection,
    private readonly image: () => MetadataImage,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer || !this.config.bool('auto.leader.rebalance.enable')) return
    const ms = this.config.int('leader.imbalance.check.interval.seconds') * 1000
    this.timer = setInterval(() => {
      this.running ??= this.check().then(() => {}).finally(() => { this.running = undefined })
    }, ms)
    this.timer.unref()
  }

  /** One check: the elections that restore preferred leaders, when this broker is the controller. */
  async check(): Promise<number> {
    const image = this.image()
    if (!this.election.isController(image)) return 0
    const changes = rebalanceElections(image, this.config.int('leader.imbalance.per.broker.percentage'))
    if (changes.length === 0) return 0
    try {
      const written = await this.controller.writeElections(changes, ELECTION_BATCH, ControllerElection.guard(image))
      for (const c of written) {
        this.log.info({ topic: c.prev.topic, partition: c.prev.partition, from: c.prev.leader, to: c.next.leader, leaderEpoch: c.next.leaderEpoch }, 'preferred leader elected (rebalance)')
      }
      return written.length
    } catch (err) {
      this.log.warn({ err }, 'preferred leader rebalance failed; next check retries')
      return 0
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }
}
