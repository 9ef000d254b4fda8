// CreatePartitions (key 37), every version 0-3: grows topics to a new partition count
// (INVALID_PARTITIONS when not larger; assignments, when given, must name this node). A topic
// named twice fails every copy with INVALID_REQUEST; validateOnly checks and changes nothing. The
// partitions added are spent from controller_mutation_rate (strict from v3).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type {
  CreatePartitionsRequest, CreatePartitionsResponse, CreatePartitionsResponseCreatePartitionsTopicResult,
} from '../../protocol/generated/messages/create-partitions.ts'
import { errorOf } from '../cluster/topic-errors.ts'
import { defineHandler } from './handler.ts'
import { allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { mutationQuota, mutationThrottle } from '../quota/quota-checks.ts'

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest, CreatePartitionsResponse>({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request, version) {
    const topics = ctx.broker.topics
    const quota = mutationQuota(ctx, version, 3)
    const counts = new Map<string, number>()
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
    const results = await Promise.all(request.topics.map(async (t): Promise<CreatePartitionsResponseCreatePartitionsTopicResult> => {
      if (counts.get(t.name)! > 1) {
        return { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in the request.' }
      }
      if (!allowedTopic(ctx, Operation.ALTER, t.name)) {
        return { name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null }
      }
      try {
        await topics.createPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null,
          { validateOnly: request.validateOnly, admit: (n) => quota.record(n) })
        return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null }
      } catch (err) {
        const { code, message } = errorOf(err)
        return { name: t.name, errorCode: code, errorMessage: message }
      }
    }))
    return { throttleTimeMs: mutationThrottle(ctx, quota), results }
  },
})
