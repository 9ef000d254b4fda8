// Describing a group of the KIP-848 consumer protocol: Kafka's DescribeGroups answers such a group
// GROUP_ID_NOT_FOUND ("not a classic group", v6) or as an empty Dead group (older versions), so,
// as Kafka's admin client does, a group is first asked for with ConsumerGroupDescribe where the
// broker serves it; GROUP_ID_NOT_FOUND there means a classic group (or none) and the caller
// falls back to DescribeGroups.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ConsumerGroupDescribeResponse } from '../../protocol/generated/messages/consumer-group-describe.ts'
import type { Connection } from '../net/connection.ts'
import { KafkaError } from '../errors.ts'
import type { GroupDescription } from './admin.ts'

const GROUP_ID_NOT_FOUND = 69

/** The consumer-protocol group's description, or undefined when the broker knows no such group (or does not serve the API). */
export async function describeConsumerGroup(conn: Connection, groupId: string): Promise<GroupDescription | undefined> {
  if (!conn.versions?.supports(ApiKey.ConsumerGroupDescribe)) return undefined
  const res = await conn.request<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false })
  const g = res.groups[0]!
  if (g.errorCode === GROUP_ID_NOT_FOUND) return undefined
  if (g.errorCode !== 0) throw new KafkaError(g.errorCode, { message: g.errorMessage, api: 'ConsumerGroupDescribe' })
  return {
    groupId,
    state: g.groupState,
    protocolType: 'consumer',
    protocol: g.assignorName,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      topics: [...m.subscribedTopicNames],
      assignment: m.assignment.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topicName, partition }))),
      rack: m.rackId,
    })),
  }
}
