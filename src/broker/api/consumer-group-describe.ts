// ConsumerGroupDescribe (key 69), versions 0-1 (KIP-848): a consumer group's epochs, assignor and
// members with their current and target assignments (topic ids with names). A group that is not
// a consumer group answers GROUP_ID_NOT_FOUND; one whose assignments name a topic the client may not
// describe, TOPIC_AUTHORIZATION_FAILED (group-describe.ts). v1 adds MemberType (0: classic member of a migrated group, 1: consumer protocol).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse } from '../../protocol/generated/messages/consumer-group-describe.ts'
import { defineHandler } from './handler.ts'
import { describeGroups, describedAssignment } from './group-describe.ts'

export const consumerGroupDescribeHandler = defineHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const c = ctx.broker.coordinators.group.coordinator
    const metadata = ctx.broker.metadata
    const groups = describeGroups(ctx, req.groupIds, req.includeAuthorizedOperations, {
      find: (groupId) => c.consumerGroup(groupId),
      notFound: (groupId) => c.group(groupId) ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`,
      describe: (g) => ({
        groupState: g.state,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        assignorName: c.assignorOf(g),
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: m.subscribedTopicNames,
          subscribedTopicRegex: m.subscribedTopicRegex,
          assignment: describedAssignment(metadata, m.assigned),
          targetAssignment: describedAssignment(metadata, g.targetAssignment.get(m.memberId)),
          memberType: m.classic !== null ? 0 : 1,
        })),
      }),
      topicsOf: (m) => [...m.assignment.topicPartitions, ...m.targetAssignment.topicPartitions].map((tp) => tp.topicName),
    })
    return { throttleTimeMs: 0, groups }
  },
})
