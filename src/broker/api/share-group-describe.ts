// ShareGroupDescribe (key 77), version 1 (KIP-932): a share group's epochs, assignor and members
// with their current assignments (topic ids with names). A group that is not a share group
// answers GROUP_ID_NOT_FOUND.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ShareGroupDescribeRequest, ShareGroupDescribeResponse } from '../../protocol/generated/messages/share-group-describe.ts'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../cluster/authorized-operations.ts'
import { allowedGroup, authorizedOperations } from '../security/acl/check.ts'
import { Operation, ResourceType } from '../security/acl/acl.ts'
import { assignmentToList } from '../coordinator/group/consumer-group.ts'
import { defineHandler } from './handler.ts'

/** READ, DELETE, DESCRIBE (Kafka's AclOperation codes 3, 6, 8). */

export const shareGroupDescribeHandler = defineHandler<ShareGroupDescribeRequest, ShareGroupDescribeResponse>({
  apiKey: ApiKey.ShareGroupDescribe,
  minVersion: 1,
  maxVersion: 1,
  handle(ctx, req) {
    const c = ctx.broker.coordinators.group.coordinator
    const metadata = ctx.broker.metadata
    const groups = req.groupIds.map((groupId) => {
      const ops = req.includeAuthorizedOperations ? authorizedOperations(ctx, ResourceType.GROUP, groupId) : AUTHORIZED_OPERATIONS_OMITTED
      const base = { groupId, groupState: 'Dead', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: ops }
      // DESCRIBE on the group, as Kafka.
      if (!allowedGroup(ctx, Operation.DESCRIBE, groupId)) return { ...base, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null }
      const err = c.checkGroup(groupId)
      if (err !== ErrorCode.NONE) return { ...base, errorCode: err, errorMessage: null }
      const g = c.shareGroup(groupId)
      if (!g) {
        const other = c.group(groupId) !== undefined || c.consumerGroup(groupId) !== undefined
        return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: other ? `Group ${groupId} is not a share group.` : `Group ${groupId} not found.` }
      }
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        groupState: g.state,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        assignorName: 'simple',
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: m.subscribedTopicNames,
          assignment: {
            topicPartitions: assignmentToList(m.assigned).map((tp) => ({ ...tp, topicName: metadata.topicById(tp.topicId)?.name ?? '' })),
          },
        })),
      }
    })
    return { throttleTimeMs: 0, groups }
  },
})
