// Incremental reconciliation of one member towards its target assignment (Kafka's
// CurrentAssignmentBuilder). A member first gives up what the target takes away (it stays in its
// epoch, UNREVOKED_PARTITIONS, until a heartbeat's owned partitions no longer list them); only
// then does it move to the target epoch and receive new partitions, and of those only the ones no
// other member still holds (the rest wait: UNRELEASED_PARTITIONS).
import { MemberState } from './consumer-group.ts'
import type { Assignment, ConsumerGroupMember } from './consumer-group.ts'

export interface ReconciledAssignment {
  readonly memberEpoch: number
  readonly previousMemberEpoch: number
  readonly state: number
  readonly assigned: Assignment
  readonly pendingRevocation: Assignment
}

export type OwnedPartitions = readonly { topicId: string, partitions: readonly number[] }[] | null

/** Whether the member's reported partitions still include any of `revoking` (null: not reported, assume so). */
function ownsAnyOf(owned: OwnedPartitions, revoking: Assignment): boolean {
  if (owned === null) return true
  for (const tp of owned) {
    const r = revoking.get(tp.topicId)
    if (r && tp.partitions.some((p) => r.has(p))) return true
  }
  return false
}

/**
 * The member's next current assignment, or the member's own when nothing changes. `partitionEpoch`
 * is the epoch of whichever member holds a partition, -1 when free. Returns null when the member
 * must be fenced (unknown state while still owning partitions).
 */
export function reconcile(
  m: ConsumerGroupMember, targetEpoch: number, target: Assignment, owned: OwnedPartitions,
  partitionEpoch: (topicId: string, partition: number) => number,
): ReconciledAssignment | null {
  switch (m.state) {
    case MemberState.STABLE:
      return m.memberEpoch === targetEpoch ? current(m) : next(m, m.memberEpoch, targetEpoch, target, owned, partitionEpoch)
    case MemberState.UNREVOKED_PARTITIONS:
      if (ownsAnyOf(owned, m.pendingRevocation)) return current(m)
      return next(m, m.memberEpoch + 1, targetEpoch, target, owned, partitionEpoch)
    case MemberState.UNRELEASED_PARTITIONS:
      return next(m, m.memberEpoch, targetEpoch, target, owned, partitionEpoch)
    default:
      if (owned === null || owned.length > 0) return null
      return next(m, targetEpoch, targetEpoch, target, owned, partitionEpoch)
  }
}

function current(m: ConsumerGroupMember): ReconciledAssignment {
  return { memberEpoch: m.memberEpoch, previousMemberEpoch: m.previousMemberEpoch, state: m.state, assigned: m.assigned, pendingRevocation: m.pendingRevocation }
}

function withEpoch(m: ConsumerGroupMember, epoch: number): { memberEpoch: number, previousMemberEpoch: number } {
  return epoch === m.memberEpoch ? { memberEpoch: epoch, previousMemberEpoch: m.previousMemberEpoch } : { memberEpoch: epoch, previousMemberEpoch: m.memberEpoch }
}

function next(
  m: ConsumerGroupMember, revokeEpoch: number, targetEpoch: number, target: Assignment, owned: OwnedPartitions,
  partitionEpoch: (topicId: string, partition: number) => number,
): ReconciledAssignment {
  const assigned: Assignment = new Map()
  const revoking: Assignment = new Map()
  const adding: Assignment = new Map()
  let unreleased = false
  for (const topicId of new Set([...target.keys(), ...m.assigned.keys()])) {
    const want = target.get(topicId) ?? new Set<number>()
    const have = m.assigned.get(topicId) ?? new Set<number>()
    const keep = new Set([...have].filter((p) => want.has(p)))
    const drop = new Set([...have].filter((p) => !want.has(p)))
    const add = new Set<number>()
    for (const p of want) {
      if (keep.has(p)) continue
      if (partitionEpoch(topicId, p) === -1) add.add(p)
      else unreleased = true
    }
    if (keep.size > 0) assigned.set(topicId, keep)
    if (drop.size > 0) revoking.set(topicId, drop)
    if (add.size > 0) adding.set(topicId, add)
  }
  if (revoking.size > 0 && ownsAnyOf(owned, revoking)) {
    return { ...withEpoch(m, revokeEpoch), state: MemberState.UNREVOKED_PARTITIONS, assigned, pendingRevocation: revoking }
  }
  for (const [topicId, parts] of adding) {
    const s = assigned.get(topicId) ?? new Set<number>()
    for (const p of parts) s.add(p)
    assigned.set(topicId, s)
  }
  return {
    ...withEpoch(m, targetEpoch),
    state: unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
    assigned,
    pendingRevocation: new Map(),
  }
}
