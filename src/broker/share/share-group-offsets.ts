// The share-group offset administration behind DescribeShareGroupOffsets, AlterShareGroupOffsets
// and DeleteShareGroupOffsets (KIP-932): the share-partition start offsets of a group, read from
// and written to the share coordinators' state in __share_group_state through the persister
// (ReadShareGroupStateSummary, InitializeShareGroupState in a new state epoch,
// DeleteShareGroupState). Altering or deleting needs the share group to be empty; the
// share-partitions led here are dropped so their next use reloads the new state (a leader
// elsewhere drops its copy when its group has no session left there, or when its next write is
// fenced).
import { ErrorCode } from '../../protocol/errors.ts'
import type { BrokerContext } from '../context.ts'
import { isInternalTopic } from '../cluster/topic-names.ts'

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
      const s = await share.persister.summary(groupId, topicId, partitionIndex)
      if (s.startOffset < 0) return { partitionIndex, startOffset: -1, leaderEpoch: -1, lag: -1, errorCode: ErrorCode.NONE }
      const p = ctx.replicas.partition(topic.name, partitionIndex)
      const lag = p ? Math.max(0, p.highWatermark - s.startOffset - Math.max(0, s.deliveryCompleteCount)) : -1
      return { partitionIndex, startOffset: s.startOffset, leaderEpoch: s.leaderEpoch, lag, errorCode: ErrorCode.NONE }
    } catch (err) {
      return { partitionIndex, startOffset: -1, leaderEpoch: -1, lag: -1, errorCode: (err as { errorCode?: number }).errorCode ?? ErrorCode.COORDINATOR_NOT_AVAILABLE }
    }
  }))
}

/**
 * Topic ids (with their partitions) the group has share state for: the partitions its
 * ShareGroupStatePartitionMetadata record names (`known`, by default the group's as it stands),
 * of topics that still exist. A group without that record (written before Samsa kept it, or
 * already deleted) has every partition of every topic asked.
 */
export async function shareStateTopics(ctx: BrokerContext, groupId: string, known = ctx.coordinators.group.coordinator.shareGroup(groupId)?.statePartitions ?? null): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  if (known !== null) {
    for (const [topicId, t] of known) {
      const topic = ctx.metadata.topicById(topicId)
      if (topic) out.set(topicId, [...t.partitions].filter((p) => p < topic.partitions).sort((a, b) => a - b))
    }
    return out
  }
  const local = ctx.coordinators.share.coordinator
  const candidates = [...ctx.metadata.topics()].filter((t) => !isInternalTopic(t.name))
  await Promise.all(candidates.map(async (t) => {
    const found: number[] = []
    for (let partition = 0; partition < t.partitions; partition++) {
      const known = local.get({ groupId, topicId: t.topicId, partition }) !== undefined
      if (known || ((await ctx.coordinators.share.persister.summary(groupId, t.topicId, partition).catch(() => null))?.startOffset ?? -1) >= 0) {
        found.push(partition)
      }
    }
    if (found.length > 0) out.set(t.topicId, found)
  }))
  return out
}

/** A share-partition restarts at `startOffset` (a new state epoch); INVALID_REQUEST below 0. */
export async function alterShareOffset(ctx: BrokerContext, groupId: string, topicId: string, partition: number, startOffset: number): Promise<number> {
  if (startOffset < 0) return ErrorCode.INVALID_REQUEST
  const share = ctx.coordinators.share
  try {
    const cur = await share.persister.summary(groupId, topicId, partition)
    await share.persister.initialize(groupId, topicId, partition, cur.stateEpoch + 1, startOffset)
    share.partitions.forget((g, t, p) => g === groupId && t === topicId && p === partition)
    const name = ctx.metadata.topicById(topicId)?.name
    if (name !== undefined) await ctx.coordinators.group.coordinator.updateShareStatePartitions(groupId, topicId, name, [partition])
    return ErrorCode.NONE
  } catch (err) {
    ctx.log.warn({ err }, 'altering a share-group offset')
    return (err as { errorCode?: number }).errorCode ?? ErrorCode.COORDINATOR_NOT_AVAILABLE
  }
}

/** Every share-partition state of the group on `topicId` is deleted. */
export async function deleteShareOffsets(ctx: BrokerContext, groupId: string, topicId: string): Promise<number> {
  const share = ctx.coordinators.share
  const topic = ctx.metadata.topicById(topicId)
  try {
    for (let partition = 0; partition < (topic?.partitions ?? 0); partition++) await share.persister.delete(groupId, topicId, partition)
    share.partitions.forget((g, t) => g === groupId && t === topicId)
    await ctx.coordinators.group.coordinator.updateShareStatePartitions(groupId, topicId, topic?.name ?? '', null)
    return ErrorCode.NONE
  } catch (err) {
    ctx.log.warn({ err }, 'deleting share-group offsets')
    return (err as { errorCode?: number }).errorCode ?? ErrorCode.COORDINATOR_NOT_AVAILABLE
  }
}
