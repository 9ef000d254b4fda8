// Consumer lag per group and partition: log end offset minus committed offset. The caller passes
// how to read a partition's end offset (the ReplicaManager's high watermark in the broker), so the
// CLI and metrics can use this without knowing about storage.
import type { GroupCoordinator } from './group-coordinator.ts'

export interface PartitionLag {
  readonly topic: string
  readonly partition: number
  readonly committedOffset: number
  /** Undefined when the partition is unknown (deleted topic). */
  readonly logEndOffset: number | undefined
  /** logEndOffset - committedOffset, never negative; undefined when the end is unknown. */
  readonly lag: number | undefined
}

export interface GroupLag {
  readonly groupId: string
  readonly state: string
  readonly partitions: readonly PartitionLag[]
  /** Sum over partitions with a known end. */
  readonly totalLag: number
}

export function groupLag(coordinator: GroupCoordinator, groupId: string,
  logEndOffset: (topic: string, partition: number) => number | undefined): GroupLag {
  const partitions = coordinator.offsets.all(groupId)
    .sort((a, b) => a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition)
    .map((o) => {
      const end = logEndOffset(o.topic, o.partition)
      return { topic: o.topic, partition: o.partition, committedOffset: o.offset, logEndOffset: end, lag: end === undefined ? undefined : Math.max(0, end - o.offset) }
    })
  let totalLag = 0
  for (const p of partitions) totalLag += p.lag ?? 0
  return { groupId, state: coordinator.stateOf(groupId) ?? 'Dead', partitions, totalLag }
}

/** Lag of every group that has committed offsets. */
export function allGroupsLag(coordinator: GroupCoordinator,
  logEndOffset: (topic: string, partition: number) => number | undefined): GroupLag[] {
  return [...coordinator.offsets.groups()].sort().map((g) => groupLag(coordinator, g, logEndOffset))
}
