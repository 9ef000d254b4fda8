// Membership of a consumer group on the KIP-848 consumer protocol (`groupProtocol: 'consumer'`):
// ConsumerGroupHeartbeat v1 with a client-made member id, the assignment computed by the broker.
// `join` (a new member, or one fenced or forgotten) owns nothing and returns the assignment. A
// heartbeat that brings a different assignment keeps it as the member's target and sets
// `rejoinNeeded`; at its next poll the consumer reconciles incrementally, as Kafka's consumer
// does: it revokes only the partitions the target leaves out (committing them first), adds the
// new ones, and `reconciled` tells the broker at once with a heartbeat carrying what it owns now —
// that is what lets the broker hand the revoked partitions to their next owner. The broker's
// answer never includes a partition another member still owns, so applying it as it comes is safe.
import { randomUUID } from 'node:crypto'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { groupChannel, publishGroup } from '../diagnostics.ts'
import type { GroupMessage } from '../diagnostics.ts'
import type { ConsumerGroupHeartbeatResponse } from '../../protocol/generated/messages/consumer-group-heartbeat.ts'
import type { Cluster } from '../cluster.ts'
import { KafkaError } from '../errors.ts'
import { retry } from '../retry.ts'
import type { TopicPartition } from '../offsets.ts'

export interface ConsumerProtocolOptions {
  groupId: string
  groupInstanceId: string | null
  rebalanceTimeoutMs: number
  /** ServerAssignor ('uniform', 'range'); null: the broker's default. */
  serverAssignor: string | null
  /** client.rack (rack-aware assignment); null: none. */
  rackId?: string | null
}

const UNKNOWN_MEMBER_ID = 25
const FENCED_INSTANCE_ID = 82
const FENCED_MEMBER_EPOCH = 110
const UNRELEASED_INSTANCE_ID = 111
const COORDINATOR_ERRORS = new Set([14, 15, 16])

type IdPartitions = { topicId: string, partitions: number[] }[]

export class ConsumerProtocolMembership {
  readonly memberId = randomUUID()
  memberEpoch = 0
  rejoinNeeded = true
  fatal: Error | null = null
  private owned: IdPartitions = []
  /** An assignment a heartbeat brought that the consumer has not reconciled yet. */
  private target: IdPartitions | null = null
  private subscribed: string[] = []
  private sentSubscription: string[] | null = null
  private heartbeatTimer: NodeJS.Timeout | null = null
  private heartbeating = false
  private intervalMs = 3000

  constructor(
    private readonly cluster: Cluster,
    private readonly o: ConsumerProtocolOptions,
    private readonly onRejoinNeeded: () => void,
  ) {}

  /** Commits carry the member epoch where the classic protocol has the generation. */
  get identity(): { groupId: string, generationId: number, memberId: string, groupInstanceId: string | null } {
    return { groupId: this.o.groupId, generationId: this.memberEpoch, memberId: this.memberId, groupInstanceId: this.o.groupInstanceId }
  }

  /** Reports that the consumer owns nothing (it revoked everything) and returns its new assignment. */
  async join(topics: string[], _owned: readonly TopicPartition[]): Promise<TopicPartition[]> {
    this.stopHeartbeats()
    this.subscribed = [...topics]
    this.owned = []
    this.target = null
    const startedAt = Date.now()
    return retry(async () => {
      const res = await this.send(true)
      if (res.errorCode !== 0) throw this.error(res.errorCode)
      this.owned = (res.assignment?.topicPartitions ?? []).map((tp) => ({ topicId: tp.topicId, partitions: [...tp.partitions] }))
      this.rejoinNeeded = false
      this.startHeartbeats()
      const assigned = await this.toNames(this.owned)
      // The broker assigns (KIP-848): no member leads.
      if (groupChannel.hasSubscribers) this.publish('join', startedAt, { leaderId: '', isLeader: false, protocol: this.o.serverAssignor ?? '', assigned })
      return assigned
    }, { ...this.cluster.retryOptions, retries: Math.max(this.cluster.retryOptions.retries, 10) })
  }

  /**
   * Whether the consumer may reconcile incrementally: still a member (not fenced or gone), same
   * subscription, and a target assignment is waiting.
   */
  canReconcile(topics: readonly string[]): boolean {
    return this.target !== null && this.memberEpoch > 0 && this.fatal === null && topics.join('\u0000') === this.subscribed.join('\u0000')
  }

  /** The waiting target assignment, by topic name (the consumer diffs it against what it owns). */
  async targetAssignment(): Promise<TopicPartition[]> {
    return this.toNames(this.target ?? this.owned)
  }

  /**
   * The consumer now owns the target (it revoked what left and took what came): say so at once
   * (the broker waits for it before giving revoked partitions to others), then heartbeat as usual.
   */
  async reconciled(): Promise<void> {
    const startedAt = Date.now()
    if (this.target !== null) this.owned = this.target
    this.target = null
    this.rejoinNeeded = false
    this.stopHeartbeats()
    await this.heartbeat(true)
    if (groupChannel.hasSubscribers) this.publish('join', startedAt, { leaderId: '', isLeader: false, protocol: this.o.serverAssignor ?? '', assigned: await this.toNames(this.owned) })
    if (!this.rejoinNeeded) this.startHeartbeats()
  }

  /** One heartbeat; `full` sends every field (joining, rejoining, after an error), as Kafka's client does. */
  private async send(full: boolean): Promise<ConsumerGroupHeartbeatResponse> {
    const conn = await this.cluster.coordinator(this.o.groupId, 0)
    const changed = this.sentSubscription === null || this.sentSubscription.join('\u0000') !== this.subscribed.join('\u0000')
    const res = await conn.request<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, {
      groupId: this.o.groupId, memberId: this.memberId, memberEpoch: this.memberEpoch, instanceId: this.o.groupInstanceId,
      rackId: full || this.memberEpoch === 0 ? this.o.rackId ?? null : null,
      rebalanceTimeoutMs: full || this.memberEpoch === 0 ? this.o.rebalanceTimeoutMs : -1,
      subscribedTopicNames: full || changed || this.memberEpoch === 0 ? this.subscribed : null, subscribedTopicRegex: null,
      serverAssignor: this.o.serverAssignor, topicPartitions: this.owned,
    })
    if (res.errorCode === 0) {
      this.sentSubscription = [...this.subscribed]
      this.memberEpoch = res.memberEpoch
      if (res.heartbeatIntervalMs > 0) this.intervalMs = res.heartbeatIntervalMs
    }
    return res
  }

  private async toNames(list: IdPartitions): Promise<TopicPartition[]> {
    const names = new Map<string, string>()
    for (const t of this.subscribed) {
      try {
        names.set((await this.cluster.topic(t)).topicId, t)
      } catch (err) {
        if (!(err instanceof KafkaError && err.code === 3)) throw err
      }
    }
    return list.flatMap((tp) => {
      const topic = names.get(tp.topicId)
      return topic === undefined ? [] : tp.partitions.map((partition) => ({ topic, partition }))
    })
  }

  private error(code: number): Error {
    if (COORDINATOR_ERRORS.has(code)) this.cluster.forgetCoordinator(this.o.groupId, 0)
    // Fenced or forgotten: rejoin from epoch 0 with nothing owned (the join loop retries).
    if (code === FENCED_MEMBER_EPOCH || code === UNKNOWN_MEMBER_ID) this.memberEpoch = 0
    const err = new KafkaError(code, { api: 'ConsumerGroupHeartbeat' })
    if (code === FENCED_MEMBER_EPOCH || code === UNKNOWN_MEMBER_ID || code === UNRELEASED_INSTANCE_ID) Object.defineProperty(err, 'retriable', { value: true })
    return err
  }

  private startHeartbeats(): void {
    this.stopHeartbeats()
    const tick = (): void => {
      this.heartbeatTimer = setTimeout(() => void this.heartbeat().finally(() => { if (this.heartbeatTimer !== null) tick() }), this.intervalMs)
      this.heartbeatTimer.unref()
    }
    tick()
  }

  stopHeartbeats(): void {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer)
    this.heartbeatTimer = null
  }

  private async heartbeat(force = false): Promise<void> {
    if (this.heartbeating || (this.rejoinNeeded && !force)) return
    this.heartbeating = true
    const startedAt = Date.now()
    try {
      const res = await this.send(false)
      if (res.errorCode === 0) {
        if (groupChannel.hasSubscribers) this.publish('heartbeat', startedAt)
        const next = res.assignment?.topicPartitions
        if (next !== undefined && !sameAssignment(next, this.owned)) {
          this.target = next.map((tp) => ({ topicId: tp.topicId, partitions: [...tp.partitions] }))
          this.requestRejoin()
        }
        return
      }
      if (COORDINATOR_ERRORS.has(res.errorCode)) {
        this.cluster.forgetCoordinator(this.o.groupId, 0)
        return
      }
      if (res.errorCode === FENCED_INSTANCE_ID) this.fatal = new KafkaError(res.errorCode, { api: 'ConsumerGroupHeartbeat' })
      if (res.errorCode === FENCED_MEMBER_EPOCH || res.errorCode === UNKNOWN_MEMBER_ID) this.memberEpoch = 0
      // Fenced or forgotten: everything is lost; the consumer revokes all and joins again.
      this.target = null
      this.requestRejoin()
    } catch {
      // Connection trouble: the next tick retries; the broker's session timeout decides.
    } finally {
      this.heartbeating = false
    }
  }

  private publish(type: GroupMessage['type'], since: number, extra: Partial<GroupMessage> = {}): void {
    publishGroup(this.cluster.options, { type, groupId: this.o.groupId, memberId: this.memberId, generationId: this.memberEpoch, durationMs: Date.now() - since, ...extra })
  }

  requestRejoin(): void {
    this.rejoinNeeded = true
    this.stopHeartbeats()
    this.onRejoinNeeded()
  }

  /** Leaves (MemberEpoch -1; a static member -2, keeping its assignment for its next instance). */
  async leave(_reason: string): Promise<void> {
    this.stopHeartbeats()
    this.rejoinNeeded = true
    if (this.memberEpoch <= 0) return
    if (groupChannel.hasSubscribers) this.publish('leave', Date.now())
    const epoch = this.o.groupInstanceId === null ? -1 : -2
    this.memberEpoch = 0
    try {
      const conn = await this.cluster.coordinator(this.o.groupId, 0)
      await conn.request<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, {
        groupId: this.o.groupId, memberId: this.memberId, memberEpoch: epoch, instanceId: this.o.groupInstanceId, rackId: null,
        rebalanceTimeoutMs: -1, subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
      })
    } catch {
      // The session timeout removes the member anyway.
    }
  }
}

function sameAssignment(a: readonly { topicId: string, partitions: readonly number[] }[], b: IdPartitions): boolean {
  const key = (l: readonly { topicId: string, partitions: readonly number[] }[]) =>
    l.flatMap((tp) => tp.partitions.map((p) => `${tp.topicId}:${p}`)).sort().join(',')
  return key(a) === key(b)
}
