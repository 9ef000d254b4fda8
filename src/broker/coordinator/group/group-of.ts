// A broker's consumer lag view (for the CLI and metrics) and the pending-offset check of OffsetFetch.
import type { BrokerContext } from '../../context.ts'
import { allGroupsLag, groupLag } from './lag.ts'
import type { GroupLag } from './lag.ts'

/** Log end used for lag: the high watermark (what a consumer can read). */
function endOf(ctx: BrokerContext): (topic: string, partition: number) => number | undefined {
  return (topic, partition) => ctx.replicas.partition(topic, partition)?.highWatermark
}

/** Per-partition lag of one group (committed offset vs high watermark). */
export function lagOf(ctx: BrokerContext, groupId: string): GroupLag {
  return groupLag(ctx.coordinators.group.coordinator, groupId, endOf(ctx))
}

/** Lag of every group with committed offsets. */
export function allLagOf(ctx: BrokerContext): GroupLag[] {
  return allGroupsLag(ctx.coordinators.group.coordinator, endOf(ctx))
}

/**
 * For OffsetFetch with requireStable (KIP-447): whether a group's partition has transactional
 * offsets waiting for their transaction to end (answered UNSTABLE_OFFSET_COMMIT, retriable).
 */
export async function pendingTxnOffsets(ctx: BrokerContext): Promise<(groupId: string, topic: string, partition: number) => boolean> {
  await ctx.coordinators.group.whenLoaded()
  const groups = ctx.coordinators.group.coordinator
  return (groupId, topic, partition) => groups.isPendingTxnOffset(groupId, topic, partition)
}
