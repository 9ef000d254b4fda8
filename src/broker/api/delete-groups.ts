// DeleteGroups (key 42), every version 0-2: only Empty groups go (NON_EMPTY_GROUP otherwise);
// their offsets and metadata get tombstones in __consumer_offsets.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/generated/messages/delete-groups.ts'
import { groupCoordinatorOf } from '../coordinator/group/group-of.ts'
import { defineHandler } from './handler.ts'

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const results = await groupCoordinatorOf(ctx.broker).deleteGroups(req.groupsNames)
    return { throttleTimeMs: 0, results: results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode, errorMessage: null })) }
  },
})
