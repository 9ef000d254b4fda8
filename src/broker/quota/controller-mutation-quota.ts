// controller_mutation_rate (KIP-599): how many partitions a client may create or delete per second
// (CreateTopics, CreatePartitions, DeleteTopics), with Kafka's ControllerMutationQuotaManager
// rules. The quota that applies and which clients share it follow KIP-55 precedence like the other
// quotas (a ClientQuotaManager keeps the values); usage is a token bucket per shared id, refilled
// at the rate and holding at most controller.quota.window.num × controller.quota.window.size.seconds
// × rate tokens (the burst). A strict quota (CreateTopics v6+, DeleteTopics v5+, CreatePartitions
// v3+) refuses a topic with THROTTLING_QUOTA_EXCEEDED while the bucket is negative — the mutation
// that empties it is let through whole —; a permissive one (older versions, whose clients know no
// such error) lets every mutation through. Either way the response tells the time until the bucket
// is back to zero, and the connection is muted for it.
import { ErrorCode, KafkaProtocolError } from '../../protocol/errors.ts'
import { ClientQuotaManager } from './client-quota-manager.ts'
import type { QuotaWindow } from './client-quota-manager.ts'

interface Bucket {
  tokens: number
  lastMs: number
}

const INACTIVE_BUCKET_MS = 3600_000
const SWEEP_EVERY_MS = 60_000

export class ControllerMutationQuotas {
  /** The controller_mutation_rate values and their precedence. */
  readonly limits: ClientQuotaManager
  private readonly buckets = new Map<string, Bucket>()
  private lastSweep = 0

  constructor(private readonly window: QuotaWindow) {
    this.limits = new ClientQuotaManager('controller_mutation_rate', window)
  }

  get enabled(): boolean {
    return this.limits.enabled
  }

  /** The quota one request of `user`/`clientId` spends from (strict: refuses once exhausted). */
  quotaFor(user: string, clientId: string, strict: boolean, now: () => number): MutationQuota {
    if (!this.enabled) return UNBOUNDED
    return new BucketQuota(this, user, clientId, strict, now)
  }

  /**
   * The bucket of the client's shared id refilled to `now`, and its rate; undefined when no quota
   * applies (nothing is recorded then, as Kafka's sensor without a quota).
   */
  bucket(user: string, clientId: string, now: number): { bucket: Bucket, rate: number } | undefined {
    const rate = this.limits.quotaFor(user, clientId)
    if (rate === Infinity) return undefined
    const [u, c] = this.limits.quotaId(user, clientId)
    const id = `${u}\u0000${c}`
    const burst = this.window.numSamples * (this.window.sampleMs / 1000) * rate
    let b = this.buckets.get(id)
    if (!b) {
      b = { tokens: burst, lastMs: now }
      this.buckets.set(id, b)
    }
    b.tokens = Math.min(burst, b.tokens + rate * Math.max(0, now - b.lastMs) / 1000)
    b.lastMs = now
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now)
    return { bucket: b, rate }
  }

  private sweep(now: number): void {
    this.lastSweep = now
    for (const [id, b] of this.buckets) if (now - b.lastMs >= INACTIVE_BUCKET_MS) this.buckets.delete(id)
  }
}

/** What one CreateTopics / CreatePartitions / DeleteTopics request spends its mutations from. */
export interface MutationQuota {
  /** Spends `partitions`; a strict quota already exhausted throws THROTTLING_QUOTA_EXCEEDED instead. */
  record(partitions: number): void
  /** How long (ms) the client must wait from now, after what was recorded (0: not throttled). */
  throttleTime(): number
}

const UNBOUNDED: MutationQuota = { record: () => {}, throttleTime: () => 0 }

class BucketQuota implements MutationQuota {
  private lastThrottleMs = 0
  private lastRecordedMs = 0

  constructor(private readonly quotas: ControllerMutationQuotas, private readonly user: string, private readonly clientId: string,
    private readonly strict: boolean, private readonly now: () => number) {}

  record(partitions: number): void {
    const now = this.now()
    const b = this.quotas.bucket(this.user, this.clientId, now)
    if (!b) return
    if (this.strict && b.bucket.tokens < 0) {
      this.throttled(b.bucket.tokens, b.rate, now)
      throw new KafkaProtocolError(ErrorCode.THROTTLING_QUOTA_EXCEEDED, 'The throttling quota has been exceeded.')
    }
    b.bucket.tokens -= partitions
    if (!this.strict && b.bucket.tokens < 0) this.throttled(b.bucket.tokens, b.rate, now)
  }

  /** Kafka's rule: the time for the bucket to refill from `tokens` (negative) to zero. */
  private throttled(tokens: number, rate: number, now: number): void {
    this.lastThrottleMs = Math.round(-tokens / rate * 1000)
    this.lastRecordedMs = now
  }

  throttleTime(): number {
    if (this.lastThrottleMs === 0) return 0
    return Math.max(0, this.lastThrottleMs - (this.now() - this.lastRecordedMs))
  }
}
