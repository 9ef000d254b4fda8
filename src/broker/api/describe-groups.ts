// DescribeGroups (key 15), every version 0-5. An unknown group is described as Dead with no error,
// as Kafka does; member metadata and assignments are given only for Stable groups.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/generated/messages/describe-groups.ts'
import { groupCoordinatorOf } from '../coordinator/group/group-of.ts'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../cluster/authorized-operations.ts'
import { defineHandler } from './handler.ts'

/** READ, DELETE, DESCRIBE (Kafka's AclOperation codes 3, 6, 8): all that applies to a group. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8)

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req, version) {
    const c = groupCoordinatorOf(ctx.broker)
    const ops = version >= 3 && req.includeAuthorizedOperations ? GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED
    const groups = req.groups.map((id) => {
      const d = c.describeGroup(id)
      return {
        errorCode: d.errorCode,
        errorMessage: null,
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
