// OffsetCommit (key 8), every version 0-9. v0 commits without membership (a "simple" group);
// v1+ carry generation and member id (fenced by the coordinator), v1 alone a commit time; v2-4 an
// explicit retention time; v6+ the leader epoch; v7+ group.instance.id. The answer waits for the
// append to __consumer_offsets under the topic's durability settings.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type {
  OffsetCommitRequest, OffsetCommitResponse, OffsetCommitResponseOffsetCommitResponseTopic,
} from '../../protocol/generated/messages/offset-commit.ts'
import { groupCoordinatorOf } from '../coordinator/group/group-of.ts'
import { defineHandler } from './handler.ts'

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req, version) {
    const offsets = req.topics.flatMap((t) => t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      offset: Number(p.committedOffset),
      leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1,
      metadata: p.committedMetadata,
      commitTimestamp: version === 1 ? Number(p.commitTimestamp) : -1,
    })))
    const errors = await groupCoordinatorOf(ctx.broker).commitOffsets({
      groupId: req.groupId,
      generationId: version >= 1 ? req.generationIdOrMemberEpoch : -1,
      memberId: version >= 1 ? req.memberId : '',
      groupInstanceId: version >= 7 ? req.groupInstanceId : null,
      retentionTimeMs: version >= 2 && version <= 4 ? Number(req.retentionTimeMs) : -1,
      offsets,
    })
    const topics: OffsetCommitResponseOffsetCommitResponseTopic[] = []
    let i = 0
    for (const t of req.topics) {
      topics.push({ name: t.name, topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errors[i++].errorCode })) })
    }
    return { throttleTimeMs: 0, topics }
  },
})
