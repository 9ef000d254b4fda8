// DescribeTopicPartitions (key 75, v0; KIP-966): the partitions of the named topics (all topics
// when none are named), sorted by topic name, at most responsePartitionLimit partitions per answer
// (capped by max.request.partition.size.limit), with a cursor to the next topic and partition.
// Kafka's AdminClient describes topics with it when the broker offers it. As in Kafka: the cursor's
// topic must be among the named ones and its partition not negative (INVALID_REQUEST for every
// topic); topics the principal may not describe answer TOPIC_AUTHORIZATION_FAILED when named and
// are left out otherwise; a leader that is not registered answers -1 and unregistered replicas are
// offline. Samsa keeps no eligible leader replicas (KIP-966's ELR): those lists are empty.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { ZERO_UUID } from '../../protocol/primitives/index.ts'
import { defaultDescribeTopicPartitionsResponse } from '../../protocol/generated/messages/describe-topic-partitions.ts'
import type {
  DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse, DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition,
  DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic,
} from '../../protocol/generated/messages/describe-topic-partitions.ts'
import type { MetadataImage, TopicImage } from '../cluster/metadata-image.ts'
import { isInternalTopic, topicNameProblem } from '../cluster/topic-names.ts'
import { allowedTopic, authorizedOperations } from '../security/acl/check.ts'
import { Operation, ResourceType } from '../security/acl/acl.ts'
import { defineHandler } from './handler.ts'

type Topic = DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic
type Partition = DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition

function errorTopic(name: string, errorCode: number, isInternal: boolean): Topic {
  return { errorCode, name, topicId: ZERO_UUID, isInternal, partitions: [], topicAuthorizedOperations: -2147483648 }
}

/** Partitions [from, from + max) of `topic`. */
function partitions(topic: TopicImage, image: MetadataImage, from: number, max: number): Partition[] {
  // Single node: brokers are not registered; this node is every partition's only replica.
  const single = image.brokers.size === 0
  const out: Partition[] = []
  const end = Math.min(topic.partitions, from + max)
  for (let i = from; i < end; i++) {
    const s = topic.states[i]
    if (!s) continue
    out.push({
      errorCode: ErrorCode.NONE,
      partitionIndex: i,
      leaderId: s.leader >= 0 && (single || image.brokers.has(s.leader)) ? s.leader : -1,
      leaderEpoch: s.leaderEpoch,
      replicaNodes: [...s.replicas],
      isrNodes: [...s.isr],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: single ? [] : s.replicas.filter((id) => !image.brokers.has(id)),
    })
  }
  return out
}

export const describeTopicPartitionsHandler = defineHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>({
  apiKey: ApiKey.DescribeTopicPartitions,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    const res = defaultDescribeTopicPartitionsResponse()
    const broker = ctx.broker
    const image = broker.metadata.image
    const cursor = request.cursor
    const cursorTopic = cursor?.topicName ?? ''
    const all = request.topics.length === 0
    const names = new Set<string>()
    for (const t of all ? [...broker.metadata.topics()].map((t) => t.name) : request.topics.map((t) => t.name)) {
      if (t >= cursorTopic) names.add(t)
    }
    if ((cursor && !all && !names.has(cursor.topicName)) || (cursor && cursor.partitionIndex < 0)) {
      res.topics = request.topics.map((t) => errorTopic(t.name, ErrorCode.INVALID_REQUEST, false))
      return res
    }
    const denied: Topic[] = []
    const allowed = [...names].filter((name) => {
      const ok = allowedTopic(ctx, Operation.DESCRIBE, name)
      // Named topics the principal may not describe are answered last, without their id.
      if (!ok && !all) denied.push(errorTopic(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, false))
      return ok
    }).sort()
    let remaining = Math.max(1, Math.min(broker.config.int('max.request.partition.size.limit'), request.responsePartitionLimit))
    for (const name of allowed) {
      if (remaining === 0) {
        // The limit was reached at a topic boundary: the next answer starts with this topic.
        res.nextCursor = { topicName: name, partitionIndex: 0 }
        break
      }
      const topic = image.topic(name)
      if (!topic) {
        if (!all) {
          const t = errorTopic(name, topicNameProblem(name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, isInternalTopic(name))
          t.topicAuthorizedOperations = authorizedOperations(ctx, ResourceType.TOPIC, name)
          res.topics.push(t)
        }
        continue
      }
      const from = name === cursorTopic && cursor ? cursor.partitionIndex : 0
      const parts = partitions(topic, image, from, remaining)
      res.topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: topic.topicId,
        isInternal: isInternalTopic(name),
        partitions: parts,
        topicAuthorizedOperations: authorizedOperations(ctx, ResourceType.TOPIC, name),
      })
      const next = from + remaining
      if (next < topic.partitions) {
        res.nextCursor = { topicName: name, partitionIndex: next }
        break
      }
      remaining -= parts.length
    }
    res.topics.push(...denied)
    return res
  },
})
