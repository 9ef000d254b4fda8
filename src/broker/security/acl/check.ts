// What handlers call to authorize: the connection's principal and client host against the
// authorizer, for one operation on one resource. Without `authorizer.class.name` everything is
// allowed and these cost one field read.
import type { RequestContext } from '../../api/handler.ts'
import { sessionOf } from '../session.ts'
import { ANONYMOUS } from '../principal.ts'
import { CLUSTER_NAME, Operation, ResourceType } from './acl.ts'
import { ErrorCode } from '../../../protocol/errors.ts'
import { CLUSTER_OPS, GROUP_OPS, TOPIC_OPS } from '../../cluster/authorized-operations.ts'

/**
 * The client's address as ACL hosts name it: an IPv4 client of a dual-stack listener (`PLAINTEXT://:9092`)
 * is `::ffff:a.b.c.d` to node but `a.b.c.d` to Kafka, so an ACL for host a.b.c.d must match it.
 */
function clientHost(ctx: RequestContext): string {
  const address = ctx.connection.socket.remoteAddress ?? ''
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

export function allowed(ctx: RequestContext, operation: number, resourceType: number, name: string): boolean {
  const authorizer = ctx.broker.security.authorizer
  if (!authorizer) return true
  const principal = sessionOf(ctx.connection)?.principal ?? ANONYMOUS
  return authorizer.authorize(principal, clientHost(ctx), operation, resourceType, name)
}

export const allowedTopic = (ctx: RequestContext, operation: number, topic: string): boolean => allowed(ctx, operation, ResourceType.TOPIC, topic)
export const allowedGroup = (ctx: RequestContext, operation: number, group: string): boolean => allowed(ctx, operation, ResourceType.GROUP, group)
export const allowedCluster = (ctx: RequestContext, operation: number): boolean => allowed(ctx, operation, ResourceType.CLUSTER, CLUSTER_NAME)
export const allowedTransactionalId = (ctx: RequestContext, operation: number, id: string): boolean => allowed(ctx, operation, ResourceType.TRANSACTIONAL_ID, id)

/**
 * Whether the principal may do `operation` on some resource of a type (Kafka's
 * authorizeByResourceType): an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE
 * on any topic.
 */
export function allowedOnAny(ctx: RequestContext, operation: number, resourceType: number): boolean {
  const authorizer = ctx.broker.security.authorizer
  if (!authorizer) return true
  const principal = sessionOf(ctx.connection)?.principal ?? ANONYMOUS
  return authorizer.authorizeAny(principal, clientHost(ctx), operation, resourceType)
}

const SUPPORTED: Readonly<Record<number, readonly number[]>> = {
  [ResourceType.TOPIC]: TOPIC_OPS,
  [ResourceType.GROUP]: GROUP_OPS,
  [ResourceType.CLUSTER]: CLUSTER_OPS,
}

/** KIP-430: the bitfield of the operations on a resource the principal may do (every one without an authorizer). */
export function authorizedOperations(ctx: RequestContext, resourceType: number, name: string): number {
  let bits = 0
  for (const op of SUPPORTED[resourceType] ?? []) if (allowed(ctx, op, resourceType, name)) bits |= 1 << op
  return bits
}

/**
 * DescribeConfigs/AlterConfigs/IncrementalAlterConfigs (Kafka's ConfigHelper and ConfigAdminManager):
 * DESCRIBE_CONFIGS or ALTER_CONFIGS on the topic, the group, or the cluster for broker, broker
 * logger and client-metrics resources. 0 when allowed, else the resource's error code.
 */
export function configResourceRefused(ctx: RequestContext, operation: number, resourceType: number, name: string): number {
  switch (resourceType) {
    case 2: return allowed(ctx, operation, ResourceType.TOPIC, name) ? 0 : ErrorCode.TOPIC_AUTHORIZATION_FAILED
    case 32: return allowed(ctx, operation, ResourceType.GROUP, name) ? 0 : ErrorCode.GROUP_AUTHORIZATION_FAILED
    default: return allowed(ctx, operation, ResourceType.CLUSTER, CLUSTER_NAME) ? 0 : ErrorCode.CLUSTER_AUTHORIZATION_FAILED
  }
}

/**
 * DESCRIBE on a topic for this request's principal and host, as a function the group coordinator
 * keeps to resolve the member's regex subscription (Kafka's TopicRegexResolver); null without an authorizer.
 */
export function describeTopicFilter(ctx: RequestContext): ((topic: string) => boolean) | null {
  const authorizer = ctx.broker.security.authorizer
  if (!authorizer) return null
  const principal = sessionOf(ctx.connection)?.principal ?? ANONYMOUS
  const host = clientHost(ctx)
  return (topic) => authorizer.authorize(principal, host, Operation.DESCRIBE, ResourceType.TOPIC, topic)
}

/**
 * ConsumerGroupHeartbeat and ShareGroupHeartbeat (Kafka's KafkaApis): READ on the group, then
 * DESCRIBE on every subscribed topic named. 0 when allowed, else the answer's error code.
 */
export function memberHeartbeatRefused(ctx: RequestContext, groupId: string, subscribedTopicNames: readonly string[] | null): number {
  if (!allowedGroup(ctx, Operation.READ, groupId)) return ErrorCode.GROUP_AUTHORIZATION_FAILED
  for (const topic of subscribedTopicNames ?? []) if (!allowedTopic(ctx, Operation.DESCRIBE, topic)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED
  return 0
}
