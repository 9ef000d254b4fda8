// The share-group offset administration behind DescribeShareGroupOffsets, AlterShareGroupOffsets
// and DeleteShareGroupOffsets (KIP-932): the share-partition start offsets of a group, read from
// and written to the share coordinator's state in __share_group_state. Altering or deleting needs
// the share group to be empty; the share-partitions led here are dropped so their next use
// reloads the new state.
import { ErrorCode } from '../../protocol/errors.ts'
import type { BrokerContext } from '../context.ts'

export interface ShareOffset {
  readonly partitionIndex: number
  readonly startOffset: number
  readonly leaderEpoch: number
  readonly lag: number
  readonly errorCode: number
}

/** NONE, or why the group's offsets cannot be read or changed (not a share group, members, not coordinated here). */
export function checkShareGroup(ctx: BrokerContext, groupId: string, mustBeEmpty: boolean): { errorCode: number, errorMessage: string | null } {
  const c = ctx.coordinators.group.coordinator
  if (groupId === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'GroupId must be set.' }
  const gate = c.checkGroup(groupId)
  if (gate !== ErrorCode.NONE) return { errorCode: gate, errorMessage: null }
  const g = c.shareGroup(groupId)
  if (!g) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} is not a share group.` }
  if (mustBeEmpty && g.members.size > 0) return { errorCode: ErrorCode.NON_EMPTY_GROUP, errorMessage: `Share group ${groupId} is not empty.` }
  return { errorCode: ErrorCode.NONE, errorMessage: null }
}

/** Start offsets (-1 when never initialized) and lag of the group's share-partitions. */
export async function describeShareOffsets(ctx: BrokerContext, groupId: string, topicId: string, partitions: readonly number[]): Promise<ShareOffset[]> {
  const share = ctx.coordinators.share
  const topic = ctx.metadata.topicById(topicId)
  return Promise.all(partitions.map(async (partitionIndex) => {
    if (!topic || partitionIndex < 0 || partitionIndex >= topic.partitions) {
      return { partitionIndex, startOffset: -1, leaderEpoch: -1, lag: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }
    }
    try {
      const s = await share.read(groupId, topicId, partitionIndex)
      if (!s) return { partitionIndex, startOffset: -1, leaderEpoch: -1, lag: -1, errorCode: ErrorCode.NONE }
      const p = ctx.replicas.partition(topic.name, partitionIndex)
      const lag = p ? Math.max(0, p.highWatermark - s.startOffset - Math.max(0, s.deliveryCompleteCount)) : -1
      return { partitionIndex, startOffset: s.startOffset, leaderEpoch: s.leaderEpoch, lag, errorCode: ErrorCode.NONE }
    } catch {
      return { partitionIndex, startOffset: -1, leaderEpoch: -1, lag: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }
    }
  }))
}

/** Topic ids (with their partitions) the group has share state for. */
export function shareStateTopics(ctx: BrokerContext, groupId: string): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const k of ctx.coordinators.share.coordinator.keysOf(groupId)) out.set(k.topicId, [...(out.get(k.topicId) ?? []), k.partition].sort((a, b) => a - b))
  return out
}

/** A share-partition restarts at `startOffset` (a new state epoch); INVALID_REQUEST below 0. */
export async function alterShareOffset(ctx: BrokerContext, groupId: string, topicId: string, partition: number, startOffset: number): Promise<number> {
  if (startOffset < 0) return ErrorCode.INVALID_REQUEST
  try {
    await ctx.coordinators.share.reset({ groupId, topicId, partition }, startOffset)
    ctx.coordinators.share.partitions.forget((g, t, p) => g === groupId && t === topicId && p === partition)
    return ErrorCode.NONE
  } catch (err) {
    ctx.log.warn({ err }, 'altering a share-group offset')
    return ErrorCode.COORDINATOR_NOT_AVAILABLE
  }
}

/** Every share-partition state of the group on `topicId` is deleted. */
export async function deleteShareOffsets(ctx: BrokerContext, groupId: string, topicId: string): Promise<number> {
  try {
    const keys = ctx.coordinators.share.coordinator.keysOf(groupId).filter((k) => k.topicId === topicId)
    for (const k of keys) await ctx.coordinators.share.delete(k)
    ctx.coordinators.share.partitions.forget((g, t) => g === groupId && t === topicId)
    return ErrorCode.NONE
  } catch (err) {
    ctx.log.warn({ err }, 'deleting share-group offsets')
    return ErrorCode.COORDINATOR_NOT_AVAILABLE
  }
}
