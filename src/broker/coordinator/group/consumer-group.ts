// A KIP-848 consumer group (Kafka's ConsumerGroup/ConsumerGroupMember): the group epoch (bumped
// when subscriptions or the subscribed topics change), the target assignment and its epoch, and
// per member its subscription and current assignment (member epoch, state, assigned partitions,
// partitions pending revocation). `partitionEpochs` says which member epoch holds each partition
// (assigned or pending revocation): a partition is handed to a member only while nobody holds it,
// which is the protocol's "never owned by two members" guarantee. Only replay changes this state
// (beside `regexes`, which heartbeats keep: regex-resolution.ts).
import { GroupRegexes } from './regex-resolution.ts'

/** topic id → partitions. */
export type Assignment = Map<string, Set<number>>

/** Kafka's MemberState byte values (persisted in ConsumerGroupCurrentMemberAssignmentValue.State). */
export const MemberState = { STABLE: 0, UNREVOKED_PARTITIONS: 1, UNRELEASED_PARTITIONS: 2, UNKNOWN: 127 } as const

/**
 * A member that speaks the classic protocol inside a consumer group (Kafka's online migration):
 * its session timeout and its JoinGroup protocols (ConsumerGroupMemberMetadataValue's
 * ClassicMemberMetadata). Null for a consumer-protocol member.
 */
export interface ClassicMemberMetadata {
  readonly sessionTimeoutMs: number
  readonly protocols: readonly { readonly name: string, readonly metadata: Buffer }[]
}

export const LEAVE_GROUP_MEMBER_EPOCH = -1
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2

export interface ConsumerGroupMember {
  readonly memberId: string
  instanceId: string | null
  rackId: string | null
  clientId: string
  clientHost: string
  subscribedTopicNames: string[]
  subscribedTopicRegex: string | null
  serverAssignor: string | null
  rebalanceTimeoutMs: number
  memberEpoch: number
  previousMemberEpoch: number
  state: number
  assigned: Assignment
  pendingRevocation: Assignment
  classic: ClassicMemberMetadata | null
}

export function newMember(memberId: string): ConsumerGroupMember {
  return {
    memberId, instanceId: null, rackId: null, clientId: '', clientHost: '', subscribedTopicNames: [],
    subscribedTopicRegex: null, serverAssignor: null, rebalanceTimeoutMs: -1, memberEpoch: 0,
    previousMemberEpoch: 0, state: MemberState.STABLE, assigned: new Map(), pendingRevocation: new Map(), classic: null,
  }
}

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable'

export class ConsumerGroup {
  groupEpoch = 0
  /** Hash of the subscribed topics' ids and partition counts at the last epoch bump (the record's MetadataHash). */
  metadataHash = 0n
  assignmentEpoch = 0
  readonly members = new Map<string, ConsumerGroupMember>()
  /** memberId → its partitions in the target assignment. */
  readonly targetAssignment = new Map<string, Assignment>()
  /** `${topicId}:${partition}` → epoch of the member holding it. */
  private readonly partitionEpochs = new Map<string, number>()
  /** Under an authorizer: the members' regexes resolved to the topics each may describe (memory only). */
  readonly regexes = new GroupRegexes()

  constructor(readonly groupId: string) {}

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty'
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning'
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== MemberState.STABLE) return 'Reconciling'
    }
    return 'Stable'
  }

  staticMember(instanceId: string): ConsumerGroupMember | undefined {
    for (const m of this.members.values()) if (m.instanceId === instanceId) return m
    return undefined
  }

  /** Epoch of the member holding the partition, or -1 when it is free. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.partitionEpochs.get(`${topicId}:${partition}`) ?? -1
  }

  /** Replaces a member's current assignment, keeping the partition-epoch index in step. */
  setCurrentAssignment(m: ConsumerGroupMember, epoch: number, previousEpoch: number, state: number, assigned: Assignment, pending: Assignment): void {
    this.releasePartitions(m)
    m.memberEpoch = epoch
    m.previousMemberEpoch = previousEpoch
    m.state = state
    m.assigned = assigned
    m.pendingRevocation = pending
    for (const a of [assigned, pending]) {
      for (const [topicId, parts] of a) for (const p of parts) this.partitionEpochs.set(`${topicId}:${p}`, epoch)
    }
  }

  releasePartitions(m: ConsumerGroupMember): void {
    for (const a of [m.assigned, m.pendingRevocation]) {
      for (const [topicId, parts] of a) for (const p of parts) this.partitionEpochs.delete(`${topicId}:${p}`)
    }
  }

  /** Members speaking the classic protocol (JoinGroup/SyncGroup/Heartbeat) inside this group. */
  classicMembers(): ConsumerGroupMember[] {
    return [...this.members.values()].filter((m) => m.classic !== null)
  }

  /**
   * Kafka's supportsClassicProtocols: a classic member may join when its protocol type is
   * "consumer" and it shares a protocol name with every classic member already in.
   */
  supportsClassicProtocols(protocolType: string, names: readonly string[]): boolean {
    if (protocolType !== 'consumer') return false
    if (this.members.size === 0) return names.length > 0
    const classic = this.classicMembers()
    return names.some((n) => classic.every((m) => m.classic!.protocols.some((p) => p.name === n)))
  }

  /** Whether a partition of the member's target is still held by another member (it waits for it). */
  waitingOnUnreleasedPartition(m: ConsumerGroupMember): boolean {
    if (m.state !== MemberState.UNRELEASED_PARTITIONS) return false
    for (const [topicId, parts] of this.targetAssignment.get(m.memberId) ?? new Map<string, Set<number>>()) {
      for (const p of parts) if (!m.assigned.get(topicId)?.has(p) && this.currentPartitionEpoch(topicId, p) !== -1) return true
    }
    return false
  }

  /** Every topic name some member subscribes to by name. */
  subscribedTopicNames(): Set<string> {
    const out = new Set<string>()
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) out.add(t)
    return out
  }
}

export function addPartition(a: Assignment, topicId: string, p: number): void {
  const s = a.get(topicId)
  if (s) s.add(p)
  else a.set(topicId, new Set([p]))
}

/** An empty assignment per member id. */
export function emptyAssignments(members: readonly { memberId: string }[]): Map<string, Assignment> {
  return new Map(members.map((m) => [m.memberId, new Map()]))
}

export function assignmentSize(a: Assignment): number {
  let n = 0
  for (const s of a.values()) n += s.size
  return n
}

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  if (assignmentSize(a) !== assignmentSize(b)) return false
  for (const [t, parts] of a) {
    const other = b.get(t)
    if (!other) { if (parts.size > 0) return false; continue }
    for (const p of parts) if (!other.has(p)) return false
  }
  return true
}

/** Wire/record form (topicId + sorted partitions), empty topics left out. */
export function assignmentToList(a: Assignment): { topicId: string, partitions: number[] }[] {
  const out: { topicId: string, partitions: number[] }[] = []
  for (const [topicId, parts] of a) if (parts.size > 0) out.push({ topicId, partitions: [...parts].sort((x, y) => x - y) })
  return out.sort((x, y) => x.topicId < y.topicId ? -1 : x.topicId > y.topicId ? 1 : 0)
}

export function assignmentFromList(list: readonly { topicId: string, partitions: readonly number[] }[] | null | undefined): Assignment {
  const a: Assignment = new Map()
  for (const tp of list ?? []) {
    if (tp.partitions.length === 0) continue
    const s = a.get(tp.topicId) ?? new Set<number>()
    for (const p of tp.partitions) s.add(p)
    a.set(tp.topicId, s)
  }
  return a
}
