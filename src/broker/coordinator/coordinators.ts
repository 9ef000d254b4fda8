// The coordinators a broker runs, built by the composition root (broker.ts) and reached by
// handlers as `ctx.broker.coordinators`: the group coordinator (FindCoordinator key type 0) and
// the transaction coordinator (key type 1). They are opened once the context exists (they read
// it), started together, and closed before the listeners so that parked requests are answered.
import type { BrokerContext } from '../context.ts'
import { GroupCoordinatorService } from './group/group-service.ts'
import { TxnCoordinatorService } from './txn/txn-service.ts'
import { ShareCoordinatorService } from './share/share-coordinator-service.ts'
import { COORDINATOR_KEY_TYPE_GROUP, COORDINATOR_KEY_TYPE_SHARE, COORDINATOR_KEY_TYPE_TRANSACTION } from './coordinator-key.ts'
import type { CoordinatorLeadershipListener, CoordinatorRuntime } from './runtime.ts'
import type { ReplicaManager } from '../replica/replica-manager.ts'

export interface CoordinatorService {
  /** FindCoordinator key type served. */
  readonly keyType: number
  /** Starts loading persisted state (at broker start-up; safe to call twice). */
  start(): void
  /**
   * Makes sure this node can coordinate `key` (creating the internal topic on first use) and
   * returns ErrorCode.NONE, or the error a FindCoordinator answer should carry.
   */
  locate(key: string): Promise<number>
  /** The internal-topic partition that coordinates `key` (its leader is the coordinator). */
  partitionFor(key: string): number
  /** Answers everything parked and stops timers. */
  close(): Promise<void>
  /** The runtime owning the coordinator's internal-topic partitions. */
  readonly runtime: CoordinatorRuntime
}

export { COORDINATOR_KEY_TYPE_GROUP, COORDINATOR_KEY_TYPE_SHARE, COORDINATOR_KEY_TYPE_TRANSACTION } from './coordinator-key.ts'

interface Services {
  readonly group: GroupCoordinatorService
  readonly txn: TxnCoordinatorService
  readonly share: ShareCoordinatorService
}

export class Coordinators {
  private opened: Services | null = null

  /** Builds and starts both coordinators (broker start-up, once the context is complete). */
  open(ctx: BrokerContext): void {
    if (this.opened) return
    const group = new GroupCoordinatorService(ctx)
    const txn = new TxnCoordinatorService(ctx)
    const share = new ShareCoordinatorService(ctx)
    this.opened = { group, txn, share }
    group.start()
    txn.start()
    share.start()
  }

  /** The share coordinator (__share_group_state) and the share-partitions led here. */
  get share(): ShareCoordinatorService {
    return this.services().share
  }

  get group(): GroupCoordinatorService {
    return this.services().group
  }

  get txn(): TxnCoordinatorService {
    return this.services().txn
  }

  /** The coordinator serving a FindCoordinator key type, or undefined for an unknown type. */
  forKeyType(keyType: number): CoordinatorService | undefined {
    if (keyType === COORDINATOR_KEY_TYPE_GROUP) return this.group
    if (keyType === COORDINATOR_KEY_TYPE_TRANSACTION) return this.txn
    if (keyType === COORDINATOR_KEY_TYPE_SHARE) return this.share
    return undefined
  }

  /** Broker shutdown, before listeners close. */
  async close(): Promise<void> {
    if (!this.opened) return
    await Promise.all([this.opened.group.close(), this.opened.txn.close(), this.opened.share.close()])
  }

  /**
   * Leadership of internal-topic partitions, routed to the coordinator whose topic it is: the
   * replica manager's leadership listener calls this (and `onHighWatermarkUpdated` when a
   * partition's high watermark moves, which answers coordinator writes waiting for replication).
   */
  readonly leadership: CoordinatorLeadershipListener & { onHighWatermarkUpdated(topic: string, partition: number): void } = {
    onElection: (topic, partition, epoch) => this.runtimeOf(topic)?.onElection(partition, epoch),
    onResignation: (topic, partition, epoch) => this.runtimeOf(topic)?.onResignation(partition, epoch),
    onHighWatermarkUpdated: (topic, partition) => this.runtimeOf(topic)?.onHighWatermarkUpdated(partition),
  }

  /**
   * Wires the replica manager to the coordinators (broker start-up, after `open`): a partition of
   * __consumer_offsets or __transaction_state that becomes led here is elected (replayed, then
   * served); one led elsewhere or removed is resigned (unloaded: NOT_COORDINATOR).
   */
  followLeadership(replicas: ReplicaManager): void {
    replicas.onLeadershipChange((changes) => {
      for (const c of changes) {
        if (!this.runtimeOf(c.topic)) continue
        if (c.role === 'leader') this.leadership.onElection(c.topic, c.partition, c.leaderEpoch)
        else this.leadership.onResignation(c.topic, c.partition, c.role === 'removed' ? undefined : c.leaderEpoch)
      }
    })
    replicas.onHighWatermarkChange((p) => this.leadership.onHighWatermarkUpdated(p.topic, p.index))
  }

  private runtimeOf(topic: string): CoordinatorRuntime | undefined {
    // Called on every high-watermark move of every partition: no array per call.
    const o = this.opened
    if (!o) return undefined
    if (o.group.runtime.topic === topic) return o.group.runtime
    if (o.txn.runtime.topic === topic) return o.txn.runtime
    if (o.share.runtime.topic === topic) return o.share.runtime
    return undefined
  }

  private services(): Services {
    if (!this.opened) throw new Error('the coordinators are used before the broker opened them')
    return this.opened
  }
}
