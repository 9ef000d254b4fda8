// ListGroups (key 16), every version 0-5: v4 filters by state, v5 by type ("classic" or
// "consumer" for KIP-848 groups). While __consumer_offsets loads, the answer says COORDINATOR_LOAD_IN_PROGRESS.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/generated/messages/list-groups.ts'
import { defineHandler } from './handler.ts'
import { allowedCluster, allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponse>({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req, version) {
    const c = ctx.broker.coordinators.group.coordinator
    // DESCRIBE on the cluster lists every group; otherwise only those the principal may describe (Kafka's rule).
    const all = allowedCluster(ctx, Operation.DESCRIBE)
    const listed = c.listGroups(version >= 4 ? req.statesFilter : [], version >= 5 ? req.typesFilter : [])
      .filter((g) => all || allowedGroup(ctx, Operation.DESCRIBE, g.groupId))
    return {
      throttleTimeMs: 0,
      errorCode: c.isLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE,
      groups: listed.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.type })),
    }
  },
})
