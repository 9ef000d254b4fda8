// The share-group offset admin APIs (KIP-932), answered by the group's coordinator:
// DescribeShareGroupOffsets (key 90) v0-1 (v1 adds Lag, KIP-1226), AlterShareGroupOffsets (91) v0
// and DeleteShareGroupOffsets (92) v0. The state itself is the share coordinator's
// (share/share-group-offsets.ts). ACLs as Kafka's: Describe needs DESCRIBE on the group and on each
// topic (unauthorized topics are left out of an all-topics answer), Alter READ on the group, Delete
// DELETE on it, and both READ on each topic.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { AlterShareGroupOffsetsRequest, AlterShareGroupOffsetsResponse } from '../../protocol/generated/messages/alter-share-group-offsets.ts'
import type { DeleteShareGroupOffsetsRequest, DeleteShareGroupOffsetsResponse } from '../../protocol/generated/messages/delete-share-group-offsets.ts'
import type { DescribeShareGroupOffsetsRequest, DescribeShareGroupOffsetsResponse } from '../../protocol/generated/messages/describe-share-group-offsets.ts'
import { alterShareOffset, checkShareGroup, deleteShareOffsets, describeShareOffsets, shareStateTopics } from '../share/share-group-offsets.ts'
import { defineHandler } from './handler.ts'
import type { RequestContext } from './handler.ts'
import type { TopicImage } from '../cluster/metadata-image.ts'
import { isSafeInt64 } from './int64.ts'
import { allowedGroup, allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

export const describeShareGroupOffsetsHandler = defineHandler<DescribeShareGroupOffsetsRequest, DescribeShareGroupOffsetsResponse>({
  apiKey: ApiKey.DescribeShareGroupOffsets,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const b = ctx.broker
    const groups = await Promise.all(req.groups.map(async (g) => {
      if (!allowedGroup(ctx, Operation.DESCRIBE, g.groupId)) return { groupId: g.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null }
      const check = checkShareGroup(b, g.groupId, false)
      if (check.errorCode !== ErrorCode.NONE) return { groupId: g.groupId, topics: [], ...check }
      await b.coordinators.share.locate(g.groupId)
      const wanted = g.topics === null
        ? [...await shareStateTopics(b, g.groupId)].map(([topicId, partitions]) => ({ topicId, name: b.metadata.topicById(topicId)?.name ?? '', partitions }))
          .filter((t) => allowedTopic(ctx, Operation.DESCRIBE, t.name))
        : g.topics.map((t) => ({ topicId: b.metadata.topic(t.topicName)?.topicId ?? ZERO_UUID, name: t.topicName, partitions: t.partitions }))
      const topics = await Promise.all(wanted.map(async (t) => ({
        topicName: t.name,
        topicId: t.topicId,
        partitions: !allowedTopic(ctx, Operation.DESCRIBE, t.name)
          ? t.partitions.map((partitionIndex) => ({ partitionIndex, startOffset: -1n, leaderEpoch: -1, lag: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null }))
          : (await describeShareOffsets(b, g.groupId, t.topicId, t.partitions)).map((p) => ({
              partitionIndex: p.partitionIndex, startOffset: BigInt(p.startOffset), leaderEpoch: p.leaderEpoch, lag: BigInt(p.lag), errorCode: p.errorCode, errorMessage: null,
            })),
      })))
      return { groupId: g.groupId, topics, errorCode: ErrorCode.NONE, errorMessage: null }
    }))
    return { throttleTimeMs: 0, groups }
  },
})

/** Alter and Delete: the group must be an empty share group; then one answer per named topic. */
async function perTopicOfEmptyGroup<T extends { readonly topicName: string }, R>(
  ctx: RequestContext, groupId: string, groupOperation: number, topics: readonly T[], each: (t: T, topic: TopicImage | undefined) => Promise<R>,
) {
  const b = ctx.broker
  if (!allowedGroup(ctx, groupOperation, groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, responses: [] }
  const check = checkShareGroup(b, groupId, true)
  if (check.errorCode !== ErrorCode.NONE) return { throttleTimeMs: 0, ...check, responses: [] }
  const responses = await Promise.all(topics.map(async (t) => {
    const topic = b.metadata.topic(t.topicName)
    return { topicName: t.topicName, topicId: topic?.topicId ?? ZERO_UUID, ...await each(t, topic) }
  }))
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses }
}

export const alterShareGroupOffsetsHandler = defineHandler<AlterShareGroupOffsetsRequest, AlterShareGroupOffsetsResponse>({
  apiKey: ApiKey.AlterShareGroupOffsets,
  minVersion: 0,
  maxVersion: 0,
  handle: (ctx, req) => perTopicOfEmptyGroup(ctx, req.groupId, Operation.READ, req.topics, async (t, topic) => ({
    partitions: await Promise.all(t.partitions.map(async (p) => ({
      partitionIndex: p.partitionIndex,
      errorCode: !allowedTopic(ctx, Operation.READ, t.topicName) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
        : !topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions
        ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        : !isSafeInt64(p.startOffset) ? ErrorCode.INVALID_REQUEST // would be stored rounded (ADR 0001)
        : await alterShareOffset(ctx.broker, req.groupId, topic.topicId, p.partitionIndex, Number(p.startOffset)),
      errorMessage: null,
    }))),
  })),
})

export const deleteShareGroupOffsetsHandler = defineHandler<DeleteShareGroupOffsetsRequest, DeleteShareGroupOffsetsResponse>({
  apiKey: ApiKey.DeleteShareGroupOffsets,
  minVersion: 0,
  maxVersion: 0,
  handle: (ctx, req) => perTopicOfEmptyGroup(ctx, req.groupId, Operation.DELETE, req.topics, async (t, topic) => ({
    errorCode: !allowedTopic(ctx, Operation.READ, t.topicName) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
      : topic ? await deleteShareOffsets(ctx.broker, req.groupId, topic.topicId) : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    errorMessage: null,
  })),
})
