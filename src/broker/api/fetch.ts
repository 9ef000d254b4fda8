// Fetch (key 1), v0-18 (v18 only adds the follower's high watermark, KIP-1166). Sessionless: every response says sessionId 0 ("no session"), which every
// client accepts by sending full fetches. A fetch that finds fewer than minBytes waits in the
// replica manager's purgatory until appends to its partitions bring enough new bytes or maxWaitMs
// passes, then reads again. Follower fetches (replica id set) read up to the log end, so appends
// wake them; they also answer at once when the leader's HW passes the follower's (v18, KIP-1166).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { FetchRequest, FetchResponse } from '../../protocol/generated/messages/fetch.ts'
import type { Partition } from '../replica/partition.ts'
import type { DelayedOperation, Purgatory } from '../replica/purgatory.ts'
import { defineHandler } from './handler.ts'
import type { BrokerMetrics } from '../metrics/broker-metrics.ts'
import { FetchPlan } from './fetch-read.ts'
import type { FetchPass } from './fetch-read.ts'
import { allowedCluster, allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { recordsLength } from '../../protocol/primitives/index.ts'
import { fetchMaxBytes, throttledFetch } from '../quota/quota-checks.ts'

/**
 * Waits for data; completes by reading all partitions again. Only bytes that became readable under
 * the fetch's bound count: for read_committed that is the last stable offset, so transactional
 * bytes above it (which the fetch could not return) do not wake it, as in Kafka.
 */
class DelayedFetch implements DelayedOperation {
  readonly deadline: number
  private accumulated: number
  /** Each watched partition's bound when last counted. */
  private readonly bounds = new Map<Partition, number>()
  constructor(private readonly plan: FetchPlan, first: FetchPass, private readonly minBytes: number, deadline: number,
    private readonly resolve: (r: FetchResponse) => void, private readonly reject: (e: unknown) => void) {
    this.deadline = deadline
    this.accumulated = first.bytes
    for (const p of plan.watched) this.bounds.set(p, plan.readBounds.get(p) ?? plan.bound(p))
  }

  onData(partition: Partition, _newBytes: number): boolean {
    if (this.plan.hwPassedFollower(partition)) return true
    const seen = this.bounds.get(partition) ?? 0
    const bound = this.plan.bound(partition)
    if (bound <= seen) return false
    this.bounds.set(partition, bound)
    this.accumulated += Math.max(1, partition.bytesBetween(seen, bound))
    return this.accumulated >= this.minBytes
  }

  complete(): void {
    let now: FetchPass | undefined
    try {
      now = this.plan.readNow()
    } catch (e) {
      this.reject(e)
      return
    }
    if (now !== undefined) this.resolve(now.response)
    else this.plan.read().then((pass) => this.resolve(pass.response), this.reject)
  }
}

function waitForData(purgatory: Purgatory, plan: FetchPlan, first: FetchPass, minBytes: number, maxWaitMs: number): Promise<FetchResponse> {
  return new Promise((resolve, reject) => {
    const op = new DelayedFetch(plan, first, minBytes, purgatory.clock.now() + maxWaitMs, resolve, reject)
    purgatory.add(op, plan.watched)
    // What moved while the first pass read (an append, a HW a follower waits for) counts now.
    for (const p of plan.watched) {
      if (plan.bound(p) > (plan.readBounds.get(p) ?? 0) || plan.hwPassedFollower(p)) purgatory.notify(p, 0)
    }
  })
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  apiKey: ApiKey.Fetch,
  minVersion: 0,
  maxVersion: 18,
  async handle(ctx, request, version) {
    const { replicas, metadata } = ctx.broker
    // Consumers need READ on each topic; followers CLUSTER_ACTION on the cluster (Kafka's checks).
    const follower = (version >= 15 ? request.replicaState.replicaId : request.replicaId) >= 0
    const authorize = !ctx.broker.security.authorizer ? undefined
      : follower ? (allowedCluster(ctx, Operation.CLUSTER_ACTION) ? undefined : () => false)
        : (topic: string) => allowedTopic(ctx, Operation.READ, topic)
    // Followers are not held by client quotas (Kafka's replication quotas are not served).
    if (follower) ctx.quotaExempt = true
    else if (version >= 3) request.maxBytes = fetchMaxBytes(ctx, request.maxBytes)
    const plan = new FetchPlan(request, version, replicas, metadata, ctx, authorize)
    // Most passes need no file I/O (a consumer at the end of the log): answered without awaiting.
    const first = plan.readNow() ?? await plan.read()
    const minBytes = request.minBytes
    const response = request.maxWaitMs <= 0 || first.bytes >= minBytes || first.hasError || plan.answerNow || plan.watched.length === 0
      ? first.response
      : await waitForData(replicas.fetchPurgatory, plan, first, minBytes, request.maxWaitMs)
    if (follower) {
      countBytesOut(ctx.broker.metrics, response)
      return response
    }
    const answer = throttledFetch(ctx, response, version)
    countBytesOut(ctx.broker.metrics, answer)
    return answer
  },
})

/** Per-topic bytes out (the metrics' only work on the fetch path: one map update per topic). */
function countBytesOut(metrics: BrokerMetrics, response: FetchResponse): void {
  for (const t of response.responses) {
    let bytes = 0
    for (const p of t.partitions) if (p.records !== null) bytes += recordsLength(p.records)
    if (bytes > 0 && t.topic !== '') metrics.fetched(t.topic, bytes)
  }
}
