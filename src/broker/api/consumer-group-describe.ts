// ConsumerGroupDescribe (key 69), versions 0-1 (KIP-848): a consumer group's epochs, assignor and
// members with their current and target assignments (topic ids with names). A group that is not
// a consumer group answers GROUP_ID_NOT_FOUND. v1 adds MemberType (1: consumer protocol).
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse } from '../../protocol/generated/messages/consumer-group-describe.ts'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../cluster/authorized-operations.ts'
import { allowedGroup, authorizedOperations } from '../security/acl/check.ts'
import { Operation, ResourceType } from '../security/acl/acl.ts'
import type { Assignment } from '../coordinator/group/consumer-group.ts'
import { assignmentToList } from '../coordinator/group/consumer-group.ts'
import { defineHandler } from './handler.ts'

/** READ, DELETE, DESCRIBE (Kafka's AclOperation codes 3, 6, 8). */

export const consumerGroupDescribeHandler = defineHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const c = ctx.broker.coordinators.group.coordinator
    const metadata = ctx.broker.metadata
    const described = (a: Assignment | undefined) => ({
      topicPartitions: assignmentToList(a ?? new Map()).map((tp) => ({ ...tp, topicName: metadata.topicById(tp.topicId)?.name ?? '' })),
    })
    const groups = req.groupIds.map((groupId) => {
      const ops = req.includeAuthorizedOperations ? authorizedOperations(ctx, ResourceType.GROUP, groupId) : AUTHORIZED_OPERATIONS_OMITTED
      const base = { groupId, groupState: 'Dead', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: ops }
      // DESCRIBE on the group, as Kafka.
      if (!allowedGroup(ctx, Operation.DESCRIBE, groupId)) return { ...base, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null }
      const err = c.checkGroup(groupId)
      if (err !== ErrorCode.NONE) return { ...base, errorCode: err, errorMessage: null }
      const g = c.consumerGroup(groupId)
      if (!g) {
        const why = c.group(groupId) ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`
        return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: why }
      }
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
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
          assignment: described(m.assigned),
          targetAssignment: described(g.targetAssignment.get(m.memberId)),
          memberType: 1,
        })),
      }
    })
    return { throttleTimeMs: 0, groups }
  },
})
