// DeleteGroups (key 42), every version 0-3 (v3 adds a per-group error message: we leave it null,
// the code says it all): only Empty groups go (NON_EMPTY_GROUP otherwise);
// their offsets and metadata get tombstones in __consumer_offsets (a share group's share-partition
// state in __share_group_state too).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/generated/messages/delete-groups.ts'
import { deleteShareOffsets, shareStateTopics } from '../share/share-group-offsets.ts'
import { defineHandler } from './handler.ts'
import { allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const c = ctx.broker.coordinators.group.coordinator
    // DELETE on each group, as Kafka: the refused ones answer GROUP_AUTHORIZATION_FAILED.
    const allowed = req.groupsNames.filter((g) => allowedGroup(ctx, Operation.DELETE, g))
    // Share groups and the share-partitions their ShareGroupStatePartitionMetadata names, read before they go.
    const shareGroups = new Map(allowed.flatMap((id) => { const g = c.shareGroup(id); return g ? [[id, g.statePartitions] as const] : [] }))
    const results = allowed.length === 0 ? [] : await c.deleteGroups(allowed)
    // A deleted share group's share-partition state goes too (KIP-932).
    for (const r of results) {
      if (r.errorCode !== 0 || !shareGroups.has(r.groupId)) continue
      for (const topicId of (await shareStateTopics(ctx.broker, r.groupId, shareGroups.get(r.groupId))).keys()) await deleteShareOffsets(ctx.broker, r.groupId, topicId)
    }
    const byId = new Map(results.map((r) => [r.groupId, r.errorCode]))
    return {
      throttleTimeMs: 0,
      results: req.groupsNames.map((groupId) => ({ groupId, errorCode: byId.get(groupId) ?? ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null })),
    }
  },
})
