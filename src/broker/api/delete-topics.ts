// DeleteTopics (key 20), every version 0-6. v0-5 name topics; v6 names or ids (an id wins when
// both are given). A topic named twice fails every copy with INVALID_REQUEST; internal topics are
// refused (the coordinators keep their state there). Deleting also removes the partition logs.
// A topic's partitions are spent from controller_mutation_rate (strict from v5).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { ZERO_UUID } from '../../protocol/primitives/index.ts'
import type {
  DeleteTopicsRequest, DeleteTopicsResponse, DeleteTopicsResponseDeletableTopicResult,
} from '../../protocol/generated/messages/delete-topics.ts'
import { isInternalTopic } from '../cluster/topic-names.ts'
import { errorOf } from '../cluster/topic-errors.ts'
import { defineHandler } from './handler.ts'
import { allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { mutationQuota, mutationThrottle } from '../quota/quota-checks.ts'

interface Target {
  readonly name: string | null
  readonly topicId: string
}

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, request, version) {
    const topics = ctx.broker.topics
    const targets: Target[] = version >= 6
      ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
      : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }))
    const keyOf = (t: Target): string => (t.topicId !== ZERO_UUID ? `id:${t.topicId}` : `name:${t.name ?? ''}`)
    const quota = mutationQuota(ctx, version, 5)
    const counts = new Map<string, number>()
    for (const t of targets) counts.set(keyOf(t), (counts.get(keyOf(t)) ?? 0) + 1)

    const one = async (t: Target): Promise<DeleteTopicsResponseDeletableTopicResult> => {
      const byId = t.topicId !== ZERO_UUID
      const known = byId ? topics.topicById(t.topicId) : t.name !== null ? topics.topic(t.name) : undefined
      const result = (errorCode: number, errorMessage: string | null): DeleteTopicsResponseDeletableTopicResult => ({
        // v0-5 names are not nullable: an unknown id (v6 only) is the one case without a name.
        name: known?.name ?? t.name ?? (version >= 6 ? null : ''),
        topicId: known?.topicId ?? t.topicId,
        errorCode,
        errorMessage,
      })
      if (counts.get(keyOf(t))! > 1) return result(ErrorCode.INVALID_REQUEST, 'Duplicate topic in the delete request.')
      if (!byId && t.name === null) return result(ErrorCode.INVALID_REQUEST, 'Neither topic name nor id was given.')
      // As Kafka: a name the principal may not describe is refused whether or not the topic exists,
      // so that refusals do not tell which topics exist.
      if (!byId && t.name !== null && !allowedTopic(ctx, Operation.DESCRIBE, t.name)) return result(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.')
      if (!known) {
        return byId
          ? result(ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.')
          : result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
      }
      if (!allowedTopic(ctx, Operation.DELETE, known.name)) {
        // By id, the name of a topic the principal may not describe stays unsaid.
        const r = result(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.')
        return byId && !allowedTopic(ctx, Operation.DESCRIBE, known.name) ? { ...r, name: null } : r
      }
      if (isInternalTopic(known.name)) return result(ErrorCode.INVALID_REQUEST, `Internal topic ${known.name} cannot be deleted.`)
      try {
        quota.record(known.partitions)
        await topics.deleteTopic(known.name)
        return result(ErrorCode.NONE, null)
      } catch (err) {
        const { code, message } = errorOf(err)
        return result(code, message)
      }
    }
    const responses = await Promise.all(targets.map(one))
    return { throttleTimeMs: mutationThrottle(ctx, quota), responses }
  },
})
