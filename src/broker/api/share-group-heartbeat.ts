// ShareGroupHeartbeat (key 76), version 1 (KIP-932): joins, heartbeats and leaves a share group;
// the coordinator answers the member's epoch and, on a join, a subscription change or an
// assignment change, its assignment (coordinator/group/share-membership.ts). Member ids are made
// by the client.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse } from '../../protocol/generated/messages/share-group-heartbeat.ts'
import { heartbeatError, heartbeatResponse } from '../coordinator/group/member-heartbeat.ts'
import { memberHeartbeatRefused } from '../security/acl/check.ts'
import { defineHandler } from './handler.ts'

export const shareGroupHeartbeatHandler = defineHandler<ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse>({
  apiKey: ApiKey.ShareGroupHeartbeat,
  minVersion: 1,
  maxVersion: 1,
  async handle(ctx, req) {
    // As Kafka: READ on the group, DESCRIBE on each subscribed topic, before the coordinator sees it.
    const refused = memberHeartbeatRefused(ctx, req.groupId, req.subscribedTopicNames)
    if (refused !== 0) return heartbeatResponse(heartbeatError(refused, null))
    const r = await ctx.broker.coordinators.group.coordinator.shareGroupHeartbeat({
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      rackId: req.rackId,
      subscribedTopicNames: req.subscribedTopicNames,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.connection.socket.remoteAddress ?? ''}`,
    })
    return heartbeatResponse(r)
  },
})
