// OffsetDelete (key 47), version 0: removes committed offsets of partitions an active consumer
// group does not subscribe to (GROUP_SUBSCRIBED_TO_TOPIC otherwise), or of any partition of an
// Empty group.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type {
  OffsetDeleteRequest, OffsetDeleteResponse, OffsetDeleteResponseOffsetDeleteResponseTopic,
} from '../../protocol/generated/messages/offset-delete.ts'
import { defineHandler } from './handler.ts'
import { allowedGroup, allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    // DELETE on the group, READ on each topic (refused topics answer TOPIC_AUTHORIZATION_FAILED), as Kafka.
    if (!allowedGroup(ctx, Operation.DELETE, req.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] }
    const readable = req.topics.filter((t) => allowedTopic(ctx, Operation.READ, t.name))
    const r = await ctx.broker.coordinators.group.coordinator.deleteOffsets(req.groupId,
      readable.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })))
    const topics = new Map<string, OffsetDeleteResponseOffsetDeleteResponseTopic>()
    for (const t of req.topics) {
      if (readable.includes(t)) continue
      topics.set(t.name, { name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) })
    }
    for (const p of r.partitions) {
      let t = topics.get(p.topic)
      if (!t) topics.set(p.topic, t = { name: p.topic, partitions: [] })
      t.partitions.push({ partitionIndex: p.partition, errorCode: p.errorCode })
    }
    return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [...topics.values()] }
  },
})
