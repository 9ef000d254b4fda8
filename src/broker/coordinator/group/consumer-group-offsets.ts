// Offset commits and fetches of a KIP-848 consumer group are fenced by member epoch rather than
// generation (Kafka's ConsumerGroup.validateOffsetCommit/validateOffsetFetch): the group's
// member must exist (UNKNOWN_MEMBER_ID) and name its current epoch (STALE_MEMBER_EPOCH, which
// clients retry once their heartbeat brought the new one). Commits without a member (epoch < 0)
// are accepted only while the group is empty; fetches without one (admin tools) always are.
// Classic members inside the group (online migration) name their generation = member epoch and
// are answered ILLEGAL_GENERATION, as Kafka answers them.
import { ErrorCode } from '../../../protocol/errors.ts'
import type { ConsumerGroup } from './consumer-group.ts'

export function validateConsumerGroupCommit(group: ConsumerGroup, memberId: string, memberEpoch: number, apiVersion: number): number {
  if (memberEpoch < 0 && group.members.size === 0) return ErrorCode.NONE
  const member = group.members.get(memberId)
  if (!member) return ErrorCode.UNKNOWN_MEMBER_ID
  // A classic member (online migration) commits with its generation, which is its member epoch.
  if (member.classic !== null) return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION
  // A consumer-protocol member commits with OffsetCommit v9+ (member epochs).
  if (apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION
  if (memberEpoch !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH
  return ErrorCode.NONE
}

export function validateConsumerGroupFetch(group: ConsumerGroup, memberId: string | null, memberEpoch: number): number {
  if (memberEpoch < 0) return ErrorCode.NONE
  const member = memberId === null ? undefined : group.members.get(memberId)
  if (!member) return ErrorCode.UNKNOWN_MEMBER_ID
  if (memberEpoch !== member.memberEpoch) return member.classic !== null ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.STALE_MEMBER_EPOCH
  return ErrorCode.NONE
}
