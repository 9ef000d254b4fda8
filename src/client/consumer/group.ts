// Membership of a consumer group on the classic protocol: JoinGroup (with the MEMBER_ID_REQUIRED
// round trip), the leader's assignment, SyncGroup, then heartbeats on their own timer, so a slow
// message handler never delays them. A heartbeat answer that asks for a rebalance (or says the
// member is unknown) only sets `rejoinNeeded`; the consumer rejoins at its next poll.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { JoinGroupResponse } from '../../protocol/generated/messages/join-group.ts'
import type { SyncGroupResponse } from '../../protocol/generated/messages/sync-group.ts'
import type { HeartbeatResponse } from '../../protocol/generated/messages/heartbeat.ts'
import type { LeaveGroupResponse } from '../../protocol/generated/messages/leave-group.ts'
import { groupChannel, publishGroup } from '../diagnostics.ts'
import type { GroupMessage } from '../diagnostics.ts'
import type { Cluster } from '../cluster.ts'
import { KafkaError } from '../errors.ts'
import { retry } from '../retry.ts'
import type { TopicPartition } from '../offsets.ts'
import { decodeAssignmentWithUserData, decodeSubscription, encodeAssignment, encodeSubscription, subscriptionTopics } from './assignors.ts'
import type { Assignor } from './assignors.ts'

export interface GroupOptions {
  groupId: string
  groupInstanceId: string | null
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  heartbeatIntervalMs: number
  assignors: Assignor[]
}

const MEMBER_ID_REQUIRED = 79
const REBALANCE_IN_PROGRESS = 27
const UNKNOWN_MEMBER_ID = 25
const ILLEGAL_GENERATION = 22
const FENCED_INSTANCE_ID = 82
const COORDINATOR_ERRORS = new Set([14, 15, 16])

export class GroupMembership {
  memberId = ''
  generationId = -1
  rejoinNeeded = true
  /** Set when a heartbeat or the coordinator reports a fatal error (e.g. FENCED_INSTANCE_ID). */
  fatal: Error | null = null
  private heartbeatTimer: NodeJS.Timeout | null = null
  private heartbeating = false
  private lastHeartbeatOk = Date.now()

  constructor(
    private readonly cluster: Cluster,
    private readonly o: GroupOptions,
    /** Called when a rebalance is needed, to wake an idle consumer. */
    private readonly onRejoinNeeded: () => void,
  ) {}

  get identity(): { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null } {
    return { groupId: this.o.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.o.groupInstanceId }
  }

  /** Joins (or rejoins) and returns this member's assignment. */
  async join(topics: string[], owned: readonly TopicPartition[]): Promise<TopicPartition[]> {
    this.stopHeartbeats()
    const startedAt = Date.now()
    return retry(async () => {
      const conn = await this.cluster.coordinator(this.o.groupId, 0)
      const protocols = this.o.assignors.map((a) => ({
        name: a.name, metadata: a.subscriptionBytes?.(topics) ?? encodeSubscription(topics, owned, a.userData?.() ?? null, owned.length > 0 ? this.generationId : -1),
      }))
      const joinOnce = (memberId: string) => conn.request<JoinGroupResponse>(ApiKey.JoinGroup, {
        groupId: this.o.groupId, sessionTimeoutMs: this.o.sessionTimeoutMs, rebalanceTimeoutMs: this.o.rebalanceTimeoutMs,
        memberId, groupInstanceId: this.o.groupInstanceId, protocolType: 'consumer', protocols, reason: null,
      }, { extraTimeoutMs: this.o.rebalanceTimeoutMs })
      let join = await joinOnce(this.memberId)
      if (join.errorCode === MEMBER_ID_REQUIRED) {
        this.memberId = join.memberId
        join = await joinOnce(this.memberId)
      }
      if (join.errorCode !== 0) throw this.groupError(join.errorCode, 'JoinGroup')
      this.memberId = join.memberId
      this.generationId = join.generationId
      let assignments: { memberId: string; assignment: Buffer }[] = []
      if (join.leader === join.memberId && !join.skipAssignment) {
        assignments = await this.assign(join)
      }
      const sync = await conn.request<SyncGroupResponse>(ApiKey.SyncGroup, {
        groupId: this.o.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.o.groupInstanceId,
        protocolType: 'consumer', protocolName: join.protocolName, assignments,
      }, { extraTimeoutMs: this.o.rebalanceTimeoutMs })
      if (sync.errorCode !== 0) throw this.groupError(sync.errorCode, 'SyncGroup')
      this.rejoinNeeded = false
      this.startHeartbeats()
      const { partitions, userData } = decodeAssignmentWithUserData(sync.assignment)
      this.o.assignors.find((a) => a.name === (sync.protocolName ?? join.protocolName))?.onAssignment?.(partitions, userData)
      if (groupChannel.hasSubscribers) {
        this.publish('join', startedAt, { leaderId: join.leader, isLeader: join.leader === join.memberId, protocol: join.protocolName ?? '', assigned: partitions })
      }
      return partitions
    }, { ...this.cluster.retryOptions, retries: Math.max(this.cluster.retryOptions.retries, 10) })
  }

  private async assign(join: JoinGroupResponse): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = this.o.assignors.find((a) => a.name === join.protocolName)
    if (assignor === undefined) throw new KafkaError(23, { api: 'JoinGroup', message: `the group chose assignor ${join.protocolName}, which this member lacks` })
    const raw = assignor.assignBytes !== undefined
    const members = raw ? [] : join.members.map((m) => decodeSubscription(m.memberId, m.groupInstanceId, m.metadata))
    const topics = [...new Set(raw ? join.members.flatMap((m) => subscriptionTopics(m.metadata)) : members.flatMap((m) => m.topics))]
    const counts = new Map<string, number>()
    for (const t of topics) {
      try {
        counts.set(t, (await this.cluster.topic(t)).partitions.length)
      } catch (err) {
        if (!(err instanceof KafkaError && err.code === 3)) throw err
      }
    }
    if (assignor.assignBytes !== undefined) {
      const bytes = await assignor.assignBytes(join.members.map((m) => ({ memberId: m.memberId, metadata: m.metadata })), counts)
      return join.members.map((m) => ({ memberId: m.memberId, assignment: bytes.get(m.memberId) ?? encodeAssignment(undefined, null) }))
    }
    const result = assignor.assignWithUserData?.(members, counts) ?? { partitions: assignor.assign(members, counts), userData: null }
    const parts = result.partitions
    const userData = result.userData
    return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(parts.get(m.memberId), userData?.get(m.memberId) ?? null) }))
  }

  /** Maps a group error: rejoin-type errors are made retriable (the join loop retries them). */
  private groupError(code: number, api: string): Error {
    if (COORDINATOR_ERRORS.has(code)) this.cluster.forgetCoordinator(this.o.groupId, 0)
    if (code === UNKNOWN_MEMBER_ID || code === ILLEGAL_GENERATION) this.memberId = code === UNKNOWN_MEMBER_ID ? '' : this.memberId
    const err = new KafkaError(code, { api })
    if (code === REBALANCE_IN_PROGRESS || code === UNKNOWN_MEMBER_ID || code === ILLEGAL_GENERATION) {
      Object.defineProperty(err, 'retriable', { value: true })
    }
    return err
  }

  private startHeartbeats(): void {
    this.lastHeartbeatOk = Date.now()
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.o.heartbeatIntervalMs)
    this.heartbeatTimer.unref()
  }

  stopHeartbeats(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = null
  }

  private async heartbeat(): Promise<void> {
    if (this.heartbeating || this.rejoinNeeded) return
    this.heartbeating = true
    try {
      const conn = await this.cluster.coordinator(this.o.groupId, 0)
      const res = await conn.request<HeartbeatResponse>(ApiKey.Heartbeat, {
        groupId: this.o.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.o.groupInstanceId,
      })
      if (res.errorCode === 0) {
        if (groupChannel.hasSubscribers) this.publish('heartbeat', this.lastHeartbeatOk)
        this.lastHeartbeatOk = Date.now()
        return
      }
      if (COORDINATOR_ERRORS.has(res.errorCode)) {
        this.cluster.forgetCoordinator(this.o.groupId, 0)
        return
      }
      if (res.errorCode === UNKNOWN_MEMBER_ID) this.memberId = ''
      if (res.errorCode === FENCED_INSTANCE_ID) this.fatal = new KafkaError(res.errorCode, { api: 'Heartbeat' })
      if (res.errorCode === REBALANCE_IN_PROGRESS || res.errorCode === UNKNOWN_MEMBER_ID || res.errorCode === ILLEGAL_GENERATION || this.fatal) {
        this.requestRejoin()
      }
    } catch {
      // Connection trouble: the next tick retries; past the session timeout the member is gone.
      if (Date.now() - this.lastHeartbeatOk > this.o.sessionTimeoutMs) this.requestRejoin()
    } finally {
      this.heartbeating = false
    }
  }

  private publish(type: GroupMessage['type'], since: number, extra: Partial<GroupMessage> = {}): void {
    publishGroup(this.cluster.options, { type, groupId: this.o.groupId, memberId: this.memberId, generationId: this.generationId, durationMs: Date.now() - since, ...extra })
  }

  requestRejoin(): void {
    this.rejoinNeeded = true
    this.stopHeartbeats()
    this.onRejoinNeeded()
  }

  /** Leaves the group (close, or max.poll.interval.ms exceeded). A static member stays (KIP-345). */
  async leave(reason: string): Promise<void> {
    this.stopHeartbeats()
    const memberId = this.memberId
    if (groupChannel.hasSubscribers && memberId !== '') this.publish('leave', Date.now())
    this.memberId = ''
    this.generationId = -1
    this.rejoinNeeded = true
    if (memberId === '' || this.o.groupInstanceId !== null) return
    try {
      const conn = await this.cluster.coordinator(this.o.groupId, 0)
      const v = conn.version(ApiKey.LeaveGroup)
      await conn.request<LeaveGroupResponse>(ApiKey.LeaveGroup, v >= 3
        ? { groupId: this.o.groupId, memberId: '', members: [{ memberId, groupInstanceId: null, reason }] }
        : { groupId: this.o.groupId, memberId, members: [] })
    } catch {
      // The session timeout removes the member anyway.
    }
  }
}
