// CreateTopics (key 19), every version 0-7. Each topic is validated and created on its own (one
// bad topic does not fail the others); a name given twice fails every copy with INVALID_REQUEST
// like Kafka. validateOnly (v1+) checks everything and creates nothing. v5+ results carry the
// partition count, replication factor and effective configs; v7 the topic id. The partitions of
// each valid topic are spent from controller_mutation_rate (strict from v6: THROTTLING_QUOTA_EXCEEDED).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { ZERO_UUID } from '../../protocol/primitives/index.ts'
import { defaultCreateTopicsResponseCreatableTopicResult } from '../../protocol/generated/messages/create-topics.ts'
import type {
  CreateTopicsRequest, CreateTopicsRequestCreatableTopic, CreateTopicsResponse, CreateTopicsResponseCreatableTopicResult,
} from '../../protocol/generated/messages/create-topics.ts'
import type { TopicService } from '../cluster/topic-service.ts'
import { errorOf } from '../cluster/topic-errors.ts'
import { describeTopicConfigs } from '../config/describe.ts'
import { defineHandler } from './handler.ts'
import { allowedCluster, allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { mutationQuota, mutationThrottle } from '../quota/quota-checks.ts'
import type { MutationQuota } from '../quota/controller-mutation-quota.ts'

function failed(name: string, code: number, message: string | null): CreateTopicsResponseCreatableTopicResult {
  const r = defaultCreateTopicsResponseCreatableTopicResult()
  r.name = name
  r.topicId = ZERO_UUID
  r.errorCode = code
  r.errorMessage = message
  r.numPartitions = -1
  r.replicationFactor = -1
  r.configs = []
  return r
}

async function createOne(topics: TopicService, t: CreateTopicsRequestCreatableTopic, validateOnly: boolean,
  version: number, mayDescribeConfigs: boolean, quota: MutationQuota): Promise<CreateTopicsResponseCreatableTopicResult> {
  const configs: Record<string, string | null> = {}
  for (const c of t.configs) configs[c.name] = c.value
  try {
    const created = await topics.createTopic({
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
      configs,
    }, { validateOnly, admit: (n) => quota.record(n) })
    const r = defaultCreateTopicsResponseCreatableTopicResult()
    r.name = t.name
    r.topicId = created.topic?.topicId ?? ZERO_UUID
    r.errorCode = ErrorCode.NONE
    r.errorMessage = null
    if (!mayDescribeConfigs) {
      // As Kafka: the topic's settings are told only to a principal with DESCRIBE_CONFIGS on it.
      r.numPartitions = -1
      r.replicationFactor = -1
      r.configs = []
      r.topicConfigErrorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED
      return r
    }
    r.numPartitions = created.partitions
    r.replicationFactor = created.replicationFactor
    r.configs = version >= 5
      ? describeTopicConfigs(topics.config, created.configs, null).map((e) => ({
        name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.source, isSensitive: e.isSensitive,
      }))
      : []
    return r
  } catch (err) {
    const { code, message } = errorOf(err)
    return failed(t.name, code, message)
  }
}

export const createTopicsHandler = defineHandler<CreateTopicsRequest, CreateTopicsResponse>({
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, request, version) {
    const topics = ctx.broker.topics
    const validateOnly = version >= 1 && request.validateOnly
    const counts = new Map<string, number>()
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
    const mayCreateAny = allowedCluster(ctx, Operation.CREATE)
    const quota = mutationQuota(ctx, version, 6)
    const results = await Promise.all(request.topics.map((t) => (counts.get(t.name)! > 1
      ? Promise.resolve(failed(t.name, ErrorCode.INVALID_REQUEST, 'Create topics request from client contains multiple entries for this topic.'))
      : !mayCreateAny && !allowedTopic(ctx, Operation.CREATE, t.name)
        ? Promise.resolve(failed(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.'))
        : createOne(topics, t, validateOnly, version, allowedTopic(ctx, Operation.DESCRIBE_CONFIGS, t.name), quota))))
    return { throttleTimeMs: mutationThrottle(ctx, quota), topics: results }
  },
})
