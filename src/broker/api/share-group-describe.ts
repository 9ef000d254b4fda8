// ShareGroupDescribe (key 77), version 1 (KIP-932): a share group's epochs, assignor and members
// with their current assignments (topic ids with names). A group that is not a share group
// answers GROUP_ID_NOT_FOUND.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ShareGroupDescribeRequest, ShareGroupDescribeResponse } from '../../protocol/generated/messages/share-group-describe.ts'
import { defineHandler } from './handler.ts'
import { describeGroups, describedAssignment } from './group-describe.ts'

export const shareGroupDescribeHandler = defineHandler<ShareGroupDescribeRequest, ShareGroupDescribeResponse>({
  apiKey: ApiKey.ShareGroupDescribe,
  minVersion: 1,
  maxVersion: 1,
  handle(ctx, req) {
    const c = ctx.broker.coordinators.group.coordinator
    const groups = describeGroups(ctx, req.groupIds, req.includeAuthorizedOperations, {
      find: (groupId) => c.shareGroup(groupId),
      notFound: (groupId) => c.group(groupId) !== undefined || c.consumerGroup(groupId) !== undefined ? `Group ${groupId} is not a share group.` : `Group ${groupId} not found.`,
      describe: (g) => ({
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
          assignment: describedAssignment(ctx.broker.metadata, m.assigned),
        })),
      }),
      topicsOf: (m) => m.assignment.topicPartitions.map((tp) => tp.topicName),
    })
    return { throttleTimeMs: 0, groups }
  },
})
