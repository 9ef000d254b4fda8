// Metadata (key 3), every version 0-13. Which topics: v0 has no null, so an empty list means all
// topics (kafka-python's bootstrap probe); from v1 null means all and an empty list none. Names
// that do not exist are auto-created (allowAutoTopicCreation from v4, always before) when
// auto.create.topics.enable allows it, and returned ready rather than LEADER_NOT_AVAILABLE.
// Topic ids from v10; lookups by id from v12 (a null name in v10-11 is INVALID_REQUEST, as in
// Kafka). v13 adds a top-level error code (KIP-1102); a broker that answers at all answers NONE
// there (REBOOTSTRAP_REQUIRED is for proxies and misrouted clusters). Brokers, leaders, epochs,
// replicas and ISR come from the metadata image; a partition whose leader is not registered
// answers LEADER_NOT_AVAILABLE (clients retry), and unregistered replicas are listed offline.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { ZERO_UUID } from '../../protocol/primitives/index.ts'
import {
  defaultMetadataResponse, defaultMetadataResponseMetadataResponseTopic,
} from '../../protocol/generated/messages/metadata.ts'
import type {
  MetadataRequest, MetadataResponse, MetadataResponseMetadataResponsePartition, MetadataResponseMetadataResponseTopic,
} from '../../protocol/generated/messages/metadata.ts'
import type { MetadataImage, TopicMetadata } from '../cluster/metadata-image.ts'
import { topicNameProblem } from '../cluster/topic-names.ts'
import { errorOf } from '../cluster/topic-errors.ts'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../cluster/authorized-operations.ts'
import { clusterEndpoints } from './broker-endpoint.ts'
import { controllerId } from './broker-endpoint.ts'
import { defineHandler } from './handler.ts'
import { allowed, allowedTopic, authorizedOperations } from '../security/acl/check.ts'
import { CLUSTER_NAME, Operation, ResourceType } from '../security/acl/acl.ts'

function errorTopic(name: string | null, topicId: string, errorCode: number): MetadataResponseMetadataResponseTopic {
  const t = defaultMetadataResponseMetadataResponseTopic()
  t.errorCode = errorCode
  t.name = name
  t.topicId = topicId
  t.partitions = []
  return t
}

/** `withOps`: the topic's authorized-operations bitfield, when asked for. */
function describeTopic(topic: TopicMetadata, image: MetadataImage, withOps: ((topic: string) => number) | null): MetadataResponseMetadataResponseTopic {
  const partitions: MetadataResponseMetadataResponsePartition[] = new Array(topic.partitions)
  const states = image.topic(topic.name)?.states ?? []
  // Single node: brokers are not registered; this node is every partition's only replica.
  const single = image.brokers.size === 0
  for (let i = 0; i < topic.partitions; i++) {
    const s = states[i]
    const leaderUp = s !== undefined && s.leader >= 0 && (single || image.brokers.has(s.leader))
    partitions[i] = {
      errorCode: leaderUp ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: i,
      leaderId: leaderUp ? s.leader : -1,
      leaderEpoch: s?.leaderEpoch ?? -1,
      replicaNodes: [...(s?.replicas ?? [])],
      isrNodes: [...(s?.isr ?? [])],
      offlineReplicas: single ? [] : (s?.replicas ?? []).filter((id) => !image.brokers.has(id)),
    }
  }
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.internal,
    partitions,
    topicAuthorizedOperations: withOps ? withOps(topic.name) : AUTHORIZED_OPERATIONS_OMITTED,
  }
}

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 13,
  async handle(ctx, request, version) {
    const broker = ctx.broker
    const topics = broker.topics
    const withOps = version >= 8 && request.includeTopicAuthorizedOperations ? (t: string) => authorizedOperations(ctx, ResourceType.TOPIC, t) : null
    const res = defaultMetadataResponse()
    res.throttleTimeMs = 0
    res.brokers = clusterEndpoints(ctx)
    res.clusterId = broker.clusterId
    res.controllerId = controllerId(broker.metadata.image, broker.nodeId)
    res.errorCode = ErrorCode.NONE
    res.clusterAuthorizedOperations = version >= 8 && version <= 10 && request.includeClusterAuthorizedOperations
      ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME) : AUTHORIZED_OPERATIONS_OMITTED

    const all = request.topics === null || (version === 0 && request.topics.length === 0)
    if (all) {
      // Topics the principal may not describe are left out, as Kafka does.
      res.topics = [...broker.metadata.topics()].filter((t) => allowedTopic(ctx, Operation.DESCRIBE, t.name))
        .map((t) => describeTopic(t, broker.metadata.image, withOps))
      return res
    }
    const allowAuto = version < 4 || request.allowAutoTopicCreation
    const seenNames = new Set<string>()
    const seenIds = new Set<string>()
    const out: Promise<MetadataResponseMetadataResponseTopic>[] = []
    for (const req of request.topics ?? []) {
      const byId = version >= 10 && req.topicId !== ZERO_UUID
      if (req.name === null || (byId && version >= 12)) {
        if (version < 12 || !byId) {
          // v10-11 cannot look up by id; a null name with a zero id names nothing.
          out.push(Promise.resolve(errorTopic(version >= 12 ? null : '', req.topicId, ErrorCode.INVALID_REQUEST)))
          continue
        }
        if (seenIds.has(req.topicId)) continue
        seenIds.add(req.topicId)
        const t = topics.topicById(req.topicId)
        if (t && !allowedTopic(ctx, Operation.DESCRIBE, t.name)) {
          out.push(Promise.resolve(errorTopic(null, req.topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED)))
          continue
        }
        out.push(Promise.resolve(t ? describeTopic(t, broker.metadata.image, withOps) : errorTopic(null, req.topicId, ErrorCode.UNKNOWN_TOPIC_ID)))
        continue
      }
      const name = req.name
      if (seenNames.has(name)) continue
      seenNames.add(name)
      const existing = topics.topic(name)
      if (!allowedTopic(ctx, Operation.DESCRIBE, name)) {
        out.push(Promise.resolve(errorTopic(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED)))
        continue
      }
      if (existing) {
        out.push(Promise.resolve(describeTopic(existing, broker.metadata.image, withOps)))
        continue
      }
      if (topicNameProblem(name)) {
        out.push(Promise.resolve(errorTopic(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION)))
        continue
      }
      // Auto-creation needs CREATE on the cluster or the topic.
      if (allowAuto && !allowed(ctx, Operation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME) && !allowedTopic(ctx, Operation.CREATE, name)) {
        out.push(Promise.resolve(errorTopic(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED)))
        continue
      }
      if (!allowAuto) {
        out.push(Promise.resolve(errorTopic(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)))
        continue
      }
      out.push(topics.autoCreate(name).then(
        (t) => t ? describeTopic(t, broker.metadata.image, withOps) : errorTopic(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
        (err: unknown) => {
          const { code, message } = errorOf(err)
          // max.broker.partitions refusals are logged once by the topic service, not per name.
          if (code === ErrorCode.POLICY_VIOLATION) ctx.log.debug({ topic: name, err: message }, 'auto-creating topic refused')
          else ctx.log.warn({ topic: name, err: message }, 'auto-creating topic failed')
          return errorTopic(name, ZERO_UUID, code === ErrorCode.TOPIC_ALREADY_EXISTS ? ErrorCode.LEADER_NOT_AVAILABLE : code)
        },
      ))
    }
    res.topics = await Promise.all(out)
    return res
  },
})
