// What ConsumerGroupDescribe (KIP-848) and ShareGroupDescribe (KIP-932) share: per group id, the
// authorized operations when asked for, DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED), the
// coordinator shard's gate (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS), a group of the wanted
// type or GROUP_ID_NOT_FOUND — each answered as a Dead group with epochs -1 — and assignments as
// topic ids with their names. Under an authorizer a group whose assignments name a topic the client
// may not DESCRIBE answers TOPIC_AUTHORIZATION_FAILED without members, as Kafka's KafkaApis does.
import { ErrorCode } from '../../protocol/errors.ts'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../cluster/authorized-operations.ts'
import type { MetadataView } from '../cluster/metadata-image.ts'
import type { Assignment } from '../coordinator/group/consumer-group.ts'
import { assignmentToList } from '../coordinator/group/consumer-group.ts'
import { Operation, ResourceType } from '../security/acl/acl.ts'
import { allowedGroup, allowedTopic, authorizedOperations } from '../security/acl/check.ts'
import type { RequestContext } from './handler.ts'

export interface DescribedGroup<M> {
  readonly groupState: string
  readonly groupEpoch: number
  readonly assignmentEpoch: number
  readonly assignorName: string
  readonly members: M[]
}

export interface GroupLookup<G, M> {
  /** The group of the described type, if there is one. */
  find(groupId: string): G | undefined
  /** GROUP_ID_NOT_FOUND's message (no such group, or a group of another type). */
  notFound(groupId: string): string
  describe(g: G): DescribedGroup<M>
  /** Names of the topics a described member's assignments show (checked for DESCRIBE under an authorizer). */
  topicsOf(m: M): Iterable<string>
}

export function describeGroups<G, M>(ctx: RequestContext, groupIds: readonly string[], includeOps: boolean, lookup: GroupLookup<G, M>) {
  const c = ctx.broker.coordinators.group.coordinator
  return groupIds.map((groupId) => {
    const ops = includeOps ? authorizedOperations(ctx, ResourceType.GROUP, groupId) : AUTHORIZED_OPERATIONS_OMITTED
    const base = { groupId, groupState: 'Dead', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [] as M[], authorizedOperations: ops }
    // DESCRIBE on the group, as Kafka.
    if (!allowedGroup(ctx, Operation.DESCRIBE, groupId)) return { ...base, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null }
    const err = c.checkGroup(groupId)
    if (err !== ErrorCode.NONE) return { ...base, errorCode: err, errorMessage: null }
    const g = lookup.find(groupId)
    if (g === undefined) return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: lookup.notFound(groupId) }
    const described = lookup.describe(g)
    if (ctx.broker.security.authorizer && !describable(ctx, described.members, lookup)) {
      return { ...base, authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        errorMessage: 'The group has described topic(s) that the client is not authorized to describe.' }
    }
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, ...described }
  })
}

function describable<G, M>(ctx: RequestContext, members: readonly M[], lookup: GroupLookup<G, M>): boolean {
  const seen = new Set<string>()
  for (const m of members) {
    for (const topic of lookup.topicsOf(m)) {
      if (seen.has(topic)) continue
      if (!allowedTopic(ctx, Operation.DESCRIBE, topic)) return false
      seen.add(topic)
    }
  }
  return true
}

/** An assignment as the describe responses carry it: topic id, name and partitions. */
export function describedAssignment(metadata: MetadataView, a: Assignment | undefined) {
  return { topicPartitions: assignmentToList(a ?? new Map()).map((tp) => ({ ...tp, topicName: metadata.topicById(tp.topicId)?.name ?? '' })) }
}
