// DescribeGroups (key 15), every version 0-6. An unknown group is described as Dead with no error
// before v6 and as GROUP_ID_NOT_FOUND from v6, as Kafka does; member metadata and assignments are
// given only for Stable groups.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/generated/messages/describe-groups.ts'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../cluster/authorized-operations.ts'
import { allowedGroup, authorizedOperations } from '../security/acl/check.ts'
import { Operation, ResourceType } from '../security/acl/acl.ts'
import { defineHandler } from './handler.ts'

/** READ, DELETE, DESCRIBE (Kafka's AclOperation codes 3, 6, 8): all that applies to a group. */

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, req, version) {
    const c = ctx.broker.coordinators.group.coordinator
    const withOps = version >= 3 && req.includeAuthorizedOperations
    const groups = req.groups.map((id) => {
      const ops = withOps ? authorizedOperations(ctx, ResourceType.GROUP, id) : AUTHORIZED_OPERATIONS_OMITTED
      // DESCRIBE on the group, as Kafka (the rest of the entry stays empty).
      if (!allowedGroup(ctx, Operation.DESCRIBE, id)) {
        return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null, groupId: id, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: ops }
      }
      const d = c.describeGroup(id)
      // v6 (KIP-1043): a group that does not exist is GROUP_ID_NOT_FOUND, not an empty Dead group.
      const missing = version >= 6 && d.errorCode === ErrorCode.NONE && d.state === 'Dead'
      return {
        errorCode: missing ? ErrorCode.GROUP_ID_NOT_FOUND : d.errorCode,
        errorMessage: missing ? (c.consumerGroup(id) || c.shareGroup(id) ? `Group ${id} is not a classic group.` : `Group ${id} not found.`) : null,
        groupId: d.groupId,
        groupState: d.state,
        protocolType: d.protocolType,
        protocolData: d.protocolData,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        authorizedOperations: ops,
      }
    })
    return { throttleTimeMs: 0, groups }
  },
})
