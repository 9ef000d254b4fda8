// How handlers, the CLI and metrics reach a broker's group coordinator, and its lag view.
import type { BrokerContext } from '../../context.ts'
import { COORDINATOR_KEY_TYPE_GROUP, coordinatorFor } from '../coordinators.ts'
import type { GroupCoordinatorService } from './group-service.ts'
import type { GroupCoordinator } from './group-coordinator.ts'
import { allGroupsLag, groupLag } from './lag.ts'
import type { GroupLag } from './lag.ts'

export function groupServiceOf(ctx: BrokerContext): GroupCoordinatorService {
  return coordinatorFor(ctx, COORDINATOR_KEY_TYPE_GROUP) as GroupCoordinatorService
}

export function groupCoordinatorOf(ctx: BrokerContext): GroupCoordinator {
  return groupServiceOf(ctx).coordinator
}

/** Log end used for lag: the high watermark (what a consumer can read). */
function endOf(ctx: BrokerContext): (topic: string, partition: number) => number | undefined {
  return (topic, partition) => ctx.replicas.partition(topic, partition)?.highWatermark
}

/** Per-partition lag of one group (committed offset vs high watermark). */
export function lagOf(ctx: BrokerContext, groupId: string): GroupLag {
  return groupLag(groupCoordinatorOf(ctx), groupId, endOf(ctx))
}

/** Lag of every group with committed offsets. */
export function allLagOf(ctx: BrokerContext): GroupLag[] {
  return allGroupsLag(groupCoordinatorOf(ctx), endOf(ctx))
}

/**
 * For OffsetFetch with requireStable (KIP-447): whether a group's partition has transactional
 * offsets waiting for their transaction to end (answered UNSTABLE_OFFSET_COMMIT, retriable).
 */
export async function pendingTxnOffsets(ctx: BrokerContext): Promise<(groupId: string, topic: string, partition: number) => boolean> {
  await groupServiceOf(ctx).whenLoaded()
  const groups = groupCoordinatorOf(ctx)
  return (groupId, topic, partition) => groups.isPendingTxnOffset(groupId, topic, partition)
}
