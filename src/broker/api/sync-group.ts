// SyncGroup (key 14), every version 0-5: the leader hands in the assignment; everyone's answer
// waits until it is stored in __consumer_offsets. v5 checks protocol type and name.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/generated/messages/sync-group.ts'
import { defineHandler } from './handler.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const syncGroupHandler = defineHandler<SyncGroupRequest, SyncGroupResponse>({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  // Not async, like JoinGroup: a parked answer keeps neither the decoded request nor its context.
  handle(ctx, req, version) {
    if (!allowedGroup(ctx, Operation.READ, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }
    }
    return ctx.broker.coordinators.group.coordinator.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: version >= 3 ? req.groupInstanceId : null,
      protocolType: version >= 5 ? req.protocolType : null,
      protocolName: version >= 5 ? req.protocolName : null,
      // Copies: the request frame's buffer is not ours to keep.
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
    }).then((r) => ({ throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment }))
  },
})
