// DeleteGroups (key 42), every version 0-3 (v3 adds a per-group error message: we leave it null,
// the code says it all): only Empty groups go (NON_EMPTY_GROUP otherwise);
// their offsets and metadata get tombstones in __consumer_offsets.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/generated/messages/delete-groups.ts'
import { defineHandler } from './handler.ts'

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const results = await ctx.broker.coordinators.group.coordinator.deleteGroups(req.groupsNames)
    return { throttleTimeMs: 0, results: results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode, errorMessage: null })) }
  },
})
