// Heartbeat (key 12), every version 0-4: keeps a member's session alive and tells it when the
// group rebalances (REBALANCE_IN_PROGRESS) or fenced it.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/generated/messages/heartbeat.ts'
import { defineHandler } from './handler.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const heartbeatHandler = defineHandler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req, version) {
    if (!allowedGroup(ctx, Operation.READ, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }
    const errorCode = ctx.broker.coordinators.group.coordinator.heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: version >= 3 ? req.groupInstanceId : null,
    })
    return { throttleTimeMs: 0, errorCode }
  },
})
