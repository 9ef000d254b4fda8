// DeleteRecords (key 21), v0-2: moves each partition's log start offset up to the requested offset
// (-1 = the high watermark); whole segments below it are deleted by storage. Offsets above the
// high watermark are OFFSET_OUT_OF_RANGE; compacted-only topics refuse with POLICY_VIOLATION.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type {
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DeleteRecordsResponseDeleteRecordsPartitionResult,
  DeleteRecordsResponseDeleteRecordsTopicResult,
} from '../../protocol/generated/messages/delete-records.ts'
import { defineHandler } from './handler.ts'
import { allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import type { RequestContext } from './handler.ts'
import { partitionFailure } from './partition-error.ts'

const TO_HIGH_WATERMARK = -1

async function deletePartition(ctx: RequestContext, topic: string, index: number, requested: bigint): Promise<DeleteRecordsResponseDeleteRecordsPartitionResult> {
  const fail = (errorCode: number) => ({ partitionIndex: index, lowWatermark: -1n, errorCode })
  const p = ctx.broker.metadata.topic(topic) ? ctx.broker.replicas.partition(topic, index) : undefined
  if (!p) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  if (!p.isLeader) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER)
  const offset = requested === BigInt(TO_HIGH_WATERMARK) ? p.highWatermark : Number(requested)
  if (offset < 0 || offset > p.highWatermark) return fail(ErrorCode.OFFSET_OUT_OF_RANGE)
  try {
    const low = await p.deleteRecordsBefore(offset)
    ctx.log.info({ topic, partition: index, logStartOffset: low }, 'deleted records')
    return { partitionIndex: index, lowWatermark: BigInt(low), errorCode: ErrorCode.NONE }
  } catch (err) {
    const f = partitionFailure(err)
    if (f.unexpected) ctx.log.error({ err, topic, partition: index }, 'delete records failed')
    return fail(f.code)
  }
}

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const topics: DeleteRecordsResponseDeleteRecordsTopicResult[] = []
    for (const t of request.topics) {
      // DELETE on the topic, as Kafka.
      const partitions = allowedTopic(ctx, Operation.DELETE, t.name)
        ? await Promise.all(t.partitions.map((p) => deletePartition(ctx, t.name, p.partitionIndex, p.offset)))
        : t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }))
      topics.push({ name: t.name, partitions })
    }
    return { throttleTimeMs: 0, topics }
  },
})
