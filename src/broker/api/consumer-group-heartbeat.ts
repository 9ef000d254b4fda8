// ConsumerGroupHeartbeat (key 68), versions 0-1 (KIP-848): joins, heartbeats and leaves a
// consumer-protocol group; the coordinator answers the member's epoch and, when it changed or the
// request was a full one, its assignment (coordinator/group/consumer-membership.ts). v1 member ids
// are made by the client; v1 adds SubscribedTopicRegex.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../../protocol/generated/messages/consumer-group-heartbeat.ts'
import { heartbeatError, heartbeatResponse } from '../coordinator/group/member-heartbeat.ts'
import { describeTopicFilter, memberHeartbeatRefused } from '../security/acl/check.ts'
import { defineHandler } from './handler.ts'

export const consumerGroupHeartbeatHandler = defineHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req, version) {
    // As Kafka: READ on the group, DESCRIBE on each subscribed topic, before the coordinator sees it.
    const refused = memberHeartbeatRefused(ctx, req.groupId, req.subscribedTopicNames)
    if (refused !== 0) return heartbeatResponse(heartbeatError(refused, null))
    const r = await ctx.broker.coordinators.group.coordinator.consumerGroupHeartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: version >= 1 ? req.subscribedTopicRegex : null,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.connection.socket.remoteAddress ?? ''}`,
      version,
      // A regex subscription resolves to the topics this principal may describe (Kafka's
      // TopicRegexResolver); every heartbeat carries it, as a later one may trigger the refresh.
      describable: describeTopicFilter(ctx),
    })
    return heartbeatResponse(r)
  },
})
