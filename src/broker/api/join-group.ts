// JoinGroup (key 11), every version 0-9: the classic rebalance protocol's join phase. The answer
// is parked until the group's join phase completes. v4+ new members first get MEMBER_ID_REQUIRED
// with their id; v5+ carry group.instance.id (static membership); v9 tells a replaced static
// leader to skip the assignment.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/generated/messages/join-group.ts'
import { defineHandler } from './handler.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const joinGroupHandler = defineHandler<JoinGroupRequest, JoinGroupResponse>({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  // Not async: the answer may be parked for a whole rebalance, and an async function would keep
  // the decoded request and its context alive that long; the continuation captures `version` only.
  handle(ctx, req, version) {
    if (!allowedGroup(ctx, Operation.READ, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null,
        protocolName: version >= 7 ? null : '', leader: '', skipAssignment: false, memberId: req.memberId, members: [] }
    }
    return ctx.broker.coordinators.group.coordinator.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: version >= 5 ? req.groupInstanceId : null,
      clientId: ctx.header.clientId ?? '',
      clientHost: `/${ctx.connection.socket.remoteAddress ?? ''}`,
      sessionTimeoutMs: req.sessionTimeoutMs,
      // v0 has no rebalance timeout: Kafka uses the session timeout.
      rebalanceTimeoutMs: version >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      requireKnownMemberId: version >= 4,
      supportSkipAssignment: version >= 9,
    }).then((r) => ({
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: r.protocolType,
      // Non-nullable before v7.
      protocolName: version >= 7 ? r.protocolName : r.protocolName ?? '',
      leader: r.leaderId,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    }))
  },
})
