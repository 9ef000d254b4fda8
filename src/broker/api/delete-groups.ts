// DeleteGroups (key 42), every version 0-3 (v3 adds a per-group error message: we leave it null,
// the code says it all): only Empty groups go (NON_EMPTY_GROUP otherwise);
// their offsets and metadata get tombstones in __consumer_offsets.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/generated/messages/delete-groups.ts'
import { defineHandler } from './handler.ts'
import { allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    // DELETE on each group, as Kafka: the refused ones answer GROUP_AUTHORIZATION_FAILED.
    const allowed = req.groupsNames.filter((g) => allowedGroup(ctx, Operation.DELETE, g))
    const results = allowed.length === 0 ? [] : await ctx.broker.coordinators.group.coordinator.deleteGroups(allowed)
    const byId = new Map(results.map((r) => [r.groupId, r.errorCode]))
    return {
      throttleTimeMs: 0,
      results: req.groupsNames.map((groupId) => ({ groupId, errorCode: byId.get(groupId) ?? ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null })),
    }
  },
})
