// The coordinators a broker runs, by FindCoordinator key type (0 = group, 1 = transaction). Each
// is created on first use or at start-up, one per broker context; the broker closes them before
// its listeners so that parked requests are answered. A coordinator for a new key type plugs in
// with one line in FACTORIES.
import type { BrokerContext } from '../context.ts'
import { createGroupCoordinatorService } from './group/group-service.ts'
import { createTxnCoordinatorService } from './txn/txn-service.ts'
import { COORDINATOR_KEY_TYPE_GROUP, COORDINATOR_KEY_TYPE_TRANSACTION } from './coordinator-key.ts'
import type { CoordinatorLeadershipListener, CoordinatorRuntime } from './runtime.ts'

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

export { COORDINATOR_KEY_TYPE_GROUP, COORDINATOR_KEY_TYPE_TRANSACTION } from './coordinator-key.ts'

const FACTORIES: ReadonlyMap<number, (ctx: BrokerContext) => CoordinatorService> = new Map<number, (ctx: BrokerContext) => CoordinatorService>([
  [COORDINATOR_KEY_TYPE_GROUP, createGroupCoordinatorService],
  [COORDINATOR_KEY_TYPE_TRANSACTION, createTxnCoordinatorService],
])

const running = new WeakMap<BrokerContext, Map<number, CoordinatorService>>()

/** The coordinator of `keyType` for this broker, or undefined when none exists for that type. */
export function coordinatorFor(ctx: BrokerContext, keyType: number): CoordinatorService | undefined {
  let byType = running.get(ctx)
  if (!byType) running.set(ctx, byType = new Map())
  let svc = byType.get(keyType)
  if (!svc) {
    const factory = FACTORIES.get(keyType)
    if (!factory) return undefined
    svc = factory(ctx)
    byType.set(keyType, svc)
    svc.start()
  }
  return svc
}

/** Broker start-up: every coordinator begins loading its state. */
export function startCoordinators(ctx: BrokerContext): void {
  for (const keyType of FACTORIES.keys()) coordinatorFor(ctx, keyType)
}

/** Broker shutdown, before listeners close. */
export async function closeCoordinators(ctx: BrokerContext): Promise<void> {
  const byType = running.get(ctx)
  if (!byType) return
  await Promise.all([...byType.values()].map((s) => s.close()))
}

/**
 * Leadership of internal-topic partitions, routed to the coordinator whose topic it is: the
 * replica manager's leadership listener calls this (and `onHighWatermarkUpdated` when a
 * partition's high watermark moves, which answers coordinator writes waiting for replication).
 */
export function coordinatorLeadershipOf(ctx: BrokerContext): CoordinatorLeadershipListener & { onHighWatermarkUpdated(topic: string, partition: number): void } {
  const runtimeOf = (topic: string): CoordinatorRuntime | undefined => {
    for (const keyType of FACTORIES.keys()) {
      const runtime = coordinatorFor(ctx, keyType)?.runtime
      if (runtime?.topic === topic) return runtime
    }
    return undefined
  }
  return {
    onElection: (topic, partition, epoch) => runtimeOf(topic)?.onElection(partition, epoch),
    onResignation: (topic, partition, epoch) => runtimeOf(topic)?.onResignation(partition, epoch),
    onHighWatermarkUpdated: (topic, partition) => runtimeOf(topic)?.onHighWatermarkUpdated(partition),
  }
}

/**
 * Wires the replica manager to the coordinators (broker start-up, after `startCoordinators`): a
 * partition of __consumer_offsets or __transaction_state that becomes led here is elected (replayed,
 * then served); one that is led elsewhere or removed is resigned (unloaded, NOT_COORDINATOR).
 */
export function followLeadership(ctx: BrokerContext): void {
  const leadership = coordinatorLeadershipOf(ctx)
  const topics = new Set<string>()
  for (const keyType of FACTORIES.keys()) {
    const t = coordinatorFor(ctx, keyType)?.runtime.topic
    if (t) topics.add(t)
  }
  ctx.replicas.onLeadershipChange((changes) => {
    for (const c of changes) {
      if (!topics.has(c.topic)) continue
      if (c.role === 'leader') leadership.onElection(c.topic, c.partition, c.leaderEpoch)
      else leadership.onResignation(c.topic, c.partition, c.role === 'removed' ? undefined : c.leaderEpoch)
    }
  })
  ctx.replicas.onHighWatermarkChange((p) => {
    if (topics.has(p.topic)) leadership.onHighWatermarkUpdated(p.topic, p.index)
  })
}
