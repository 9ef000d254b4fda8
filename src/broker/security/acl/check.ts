// What handlers call to authorize: the connection's principal and client host against the
// authorizer, for one operation on one resource. Without `authorizer.class.name` everything is
// allowed and these cost one field read.
import type { RequestContext } from '../../api/handler.ts'
import { sessionOf } from '../session.ts'
import { ANONYMOUS } from '../principal.ts'
import { CLUSTER_NAME, ResourceType } from './acl.ts'

export function allowed(ctx: RequestContext, operation: number, resourceType: number, name: string): boolean {
  const authorizer = ctx.broker.security.authorizer
  if (!authorizer) return true
  const principal = sessionOf(ctx.connection)?.principal ?? ANONYMOUS
  return authorizer.authorize(principal, ctx.connection.socket.remoteAddress ?? '', operation, resourceType, name)
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
  return authorizer.authorizeAny(principal, ctx.connection.socket.remoteAddress ?? '', operation, resourceType)
}
