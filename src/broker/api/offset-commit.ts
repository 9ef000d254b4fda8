// OffsetCommit (key 8), every version 0-10. v0 commits without membership (a "simple" group);
// v1+ carry generation and member id (fenced by the coordinator), v1 alone a commit time; v2-4 an
// explicit retention time; v6+ the leader epoch; v7+ group.instance.id; v9+ a consumer-protocol
// member's epoch in place of the generation (KIP-848, STALE_MEMBER_EPOCH); v10 names topics by id
// only (KIP-848): an id this cluster does not know is UNKNOWN_TOPIC_ID for each of its partitions
// and nothing of it is committed; the answer echoes the ids. The answer waits for the
// append to __consumer_offsets under the topic's durability settings.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type {
  OffsetCommitRequest, OffsetCommitResponse, OffsetCommitResponseOffsetCommitResponseTopic,
} from '../../protocol/generated/messages/offset-commit.ts'
import { defineHandler } from './handler.ts'
import { allowedGroup, allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { isSafeInt64 } from './int64.ts'

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 10,
  async handle(ctx, req, version) {
    const answerAll = (code: (name: string | undefined) => number): OffsetCommitResponse => ({ throttleTimeMs: 0, topics: req.topics.map((t) => {
      const name = version >= 10 ? ctx.broker.metadata.topicById(t.topicId)?.name : t.name
      return { name: version >= 10 ? '' : t.name, topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(name) })) }
    }) })
    if (!allowedGroup(ctx, Operation.READ, req.groupId)) return answerAll(() => ErrorCode.GROUP_AUTHORIZATION_FAILED)
    // Kafka refuses the topics the member may not read (the others are committed).
    const denied = (name: string | undefined) => name !== undefined && !allowedTopic(ctx, Operation.READ, name)
    if (ctx.broker.security.authorizer && req.topics.some((t) => denied(version >= 10 ? ctx.broker.metadata.topicById(t.topicId)?.name : t.name))) {
      return answerAll((name) => (denied(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.NONE))
    }
    // An offset or commit time a JS number cannot hold exactly would be stored rounded (ADR 0001).
    if (req.topics.some((t) => t.partitions.some((p) => !isSafeInt64(p.committedOffset) || !isSafeInt64(p.commitTimestamp)))) {
      return answerAll(() => ErrorCode.INVALID_COMMIT_OFFSET_SIZE)
    }
    // v10: the name behind each topic id; undefined when the id is unknown.
    const names = req.topics.map((t) => (version >= 10 ? ctx.broker.metadata.topicById(t.topicId)?.name : t.name))
    const offsets = req.topics.flatMap((t, ti) => names[ti] === undefined ? [] : t.partitions.map((p) => ({
      topic: names[ti]!,
      partition: p.partitionIndex,
      offset: Number(p.committedOffset),
      leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1,
      metadata: p.committedMetadata,
      commitTimestamp: version === 1 ? Number(p.commitTimestamp) : -1,
    })))
    const errors = await ctx.broker.coordinators.group.coordinator.commitOffsets({
      groupId: req.groupId,
      generationId: version >= 1 ? req.generationIdOrMemberEpoch : -1,
      memberId: version >= 1 ? req.memberId : '',
      groupInstanceId: version >= 7 ? req.groupInstanceId : null,
      version,
      retentionTimeMs: version >= 2 && version <= 4 ? Number(req.retentionTimeMs) : -1,
      offsets,
    })
    const topics: OffsetCommitResponseOffsetCommitResponseTopic[] = []
    let i = 0
    req.topics.forEach((t, ti) => {
      const code = (): number => (names[ti] === undefined ? ErrorCode.UNKNOWN_TOPIC_ID : errors[i++].errorCode)
      topics.push({ name: version >= 10 ? '' : t.name, topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code() })) })
    })
    return { throttleTimeMs: 0, topics }
  },
})
