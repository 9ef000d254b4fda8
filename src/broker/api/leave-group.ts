// LeaveGroup (key 13), every version 0-5. v0-2 name one member and carry its error at the top;
// v3+ batch members (static ones may be named by group.instance.id alone) with per-member errors.
// Classic members of a consumer group (online migration) are fenced there, after the records land.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/generated/messages/leave-group.ts'
import { defineHandler } from './handler.ts'
import { allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const leaveGroupHandler = defineHandler<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req, version) {
    if (!allowedGroup(ctx, Operation.READ, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] }
    const members = version >= 3
      ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
      : [{ memberId: req.memberId, groupInstanceId: null }]
    return ctx.broker.coordinators.group.coordinator.leave(req.groupId, members).then((r) => {
      if (version < 3) {
        const errorCode = r.errorCode !== ErrorCode.NONE ? r.errorCode : r.members[0]?.errorCode ?? ErrorCode.NONE
        return { throttleTimeMs: 0, errorCode, members: [] }
      }
      return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members.map((m) => ({ ...m })) }
    })
  },
})
