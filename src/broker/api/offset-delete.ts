// OffsetDelete (key 47), version 0: removes committed offsets of partitions an active consumer
// group does not subscribe to (GROUP_SUBSCRIBED_TO_TOPIC otherwise), or of any partition of an
// Empty group.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type {
  OffsetDeleteRequest, OffsetDeleteResponse, OffsetDeleteResponseOffsetDeleteResponseTopic,
} from '../../protocol/generated/messages/offset-delete.ts'
import { defineHandler } from './handler.ts'

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const r = await ctx.broker.coordinators.group.coordinator.deleteOffsets(req.groupId,
      req.topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })))
    const topics = new Map<string, OffsetDeleteResponseOffsetDeleteResponseTopic>()
    for (const p of r.partitions) {
      let t = topics.get(p.topic)
      if (!t) topics.set(p.topic, t = { name: p.topic, partitions: [] })
      t.partitions.push({ partitionIndex: p.partition, errorCode: p.errorCode })
    }
    return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [...topics.values()] }
  },
})
