// What the request path calls to enforce client quotas, as Kafka's KafkaApis does: Produce records
// the request's size, Fetch the response's size (a throttled fetch answers without data, and that
// size is taken back), every request its handling time (request_percentage; not acks=0 produces,
// follower fetches or requests before authentication). A violation mutes the connection for the
// throttle time; the response says how long in throttle_time_ms (the larger of the two throttles).
// CreateTopics, CreatePartitions and DeleteTopics spend partitions from controller_mutation_rate.
import { sizeFetchResponse } from '../../protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../protocol/generated/messages/fetch.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { RequestContext } from '../api/handler.ts'
import { sessionOf } from '../security/session.ts'
import { quotaClient } from './client-quotas.ts'
import type { MutationQuota } from './controller-mutation-quota.ts'

/**
 * A connection whose client has a quota takes one request at a time, as Kafka's channels do: with
 * a pipeline, everything already sent would be served before the first throttle took effect.
 */
export function serializeIfQuoted(ctx: RequestContext): void {
  const quotas = ctx.broker.quotas
  if (ctx.connection.oneAtATime || !quotas.enabled) return
  const [user, clientId] = quotaClient(ctx)
  if (quotas.applies(user, clientId)) ctx.connection.serialize()
}

/** Records a Produce request of `bytes`; answers the throttle time (the connection is muted for it). */
export function recordProduce(ctx: RequestContext, bytes: number): number {
  const quotas = ctx.broker.quotas
  if (!quotas.produce.enabled) return 0
  const [user, clientId] = quotaClient(ctx)
  const ms = quotas.produce.record(user, clientId, bytes, quotas.now())
  quotas.throttle(ctx.connection, ms)
  return ms
}

/** A fetch's max bytes capped to what the client's quota allows in one window (Kafka's rule). */
export function fetchMaxBytes(ctx: RequestContext, requested: number): number {
  const fetch = ctx.broker.quotas.fetch
  if (!fetch.enabled) return requested
  const [user, clientId] = quotaClient(ctx)
  return Math.min(requested, Math.max(0, Math.floor(fetch.maxValueInWindow(user, clientId))))
}

/**
 * Records a consumer's Fetch response; over the quota it answers an empty response with the
 * throttle time instead (its size taken back, as the client gets nothing), the connection muted.
 */
export function throttledFetch(ctx: RequestContext, response: FetchResponse, version: number): FetchResponse {
  const quotas = ctx.broker.quotas
  if (!quotas.fetch.enabled) return response
  const [user, clientId] = quotaClient(ctx)
  const now = quotas.now()
  const size = sizeFetchResponse(response, version)
  const ms = quotas.fetch.record(user, clientId, size, now)
  if (ms <= 0) return response
  quotas.fetch.unrecord(user, clientId, size, now)
  quotas.throttle(ctx.connection, ms)
  return { throttleTimeMs: ms, errorCode: ErrorCode.NONE, sessionId: response.sessionId, responses: [], nodeEndpoints: [] }
}

/**
 * request_percentage: `handlingMs` of handler time, as a percentage of one thread's second.
 * Sets the larger throttle into the response's throttleTimeMs (when it has one) and mutes.
 */
export function recordRequestTime(ctx: RequestContext, handlingMs: number, response: unknown): void {
  const quotas = ctx.broker.quotas
  if (sessionOf(ctx.connection)?.authenticated === false) return
  const [user, clientId] = quotaClient(ctx)
  const ms = quotas.request.record(user, clientId, handlingMs / 10, quotas.now())
  if (ms <= 0) return
  quotas.throttle(ctx.connection, ms)
  const body = response as { throttleTimeMs?: unknown }
  if (typeof body.throttleTimeMs === 'number' && body.throttleTimeMs < ms) body.throttleTimeMs = ms
}

/** The controller_mutation_rate quota of a topic-mutating request: strict from `strictSince` on. */
export function mutationQuota(ctx: RequestContext, version: number, strictSince: number): MutationQuota {
  const quotas = ctx.broker.quotas
  const [user, clientId] = quotaClient(ctx)
  return quotas.mutations.quotaFor(user, clientId, version >= strictSince, () => quotas.now())
}

/** The throttle time `quota` left, for the response; the connection is muted for it. */
export function mutationThrottle(ctx: RequestContext, quota: MutationQuota): number {
  const ms = quota.throttleTime()
  ctx.broker.quotas.throttle(ctx.connection, ms)
  return ms
}
