// Server-side assignors of the consumer protocol (`group.consumer.assignors`, chosen per member
// with ServerAssignor): `uniform` keeps partitions where they are, gives the unassigned ones to
// the least-loaded subscriber, then moves one partition at a time from a member to a subscriber
// carrying two or more fewer until none can move (counts within one in a homogeneous group;
// only the moves balance needs, so few revocations; its own output is a fixed point); `range` gives each topic's partitions in contiguous ranges
// to its subscribers in member-id order, so equally partitioned topics are co-partitioned.
import type { Assignment } from './consumer-group.ts'

export interface AssignorMember {
  readonly memberId: string
  /** Subscribed topic ids (already resolved from names and regex). */
  readonly topics: ReadonlySet<string>
}

export interface AssignorInput {
  readonly members: readonly AssignorMember[]
  /** topic id → partition count, for every subscribed topic that exists. */
  readonly partitions: ReadonlyMap<string, number>
  /** The current target assignment (stickiness). */
  readonly previous: ReadonlyMap<string, Assignment>
}

export type Assignor = (input: AssignorInput) => Map<string, Assignment>

export const ASSIGNORS: Readonly<Record<string, Assignor>> = { uniform: uniformAssign, range: rangeAssign }

function emptyResult(members: readonly AssignorMember[]): Map<string, Assignment> {
  return new Map(members.map((m) => [m.memberId, new Map()]))
}

function add(a: Assignment, topicId: string, p: number): void {
  const s = a.get(topicId)
  if (s) s.add(p)
  else a.set(topicId, new Set([p]))
}

export function rangeAssign(input: AssignorInput): Map<string, Assignment> {
  const out = emptyResult(input.members)
  const sorted = [...input.members].sort((a, b) => a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)
  for (const [topicId, count] of input.partitions) {
    const subs = sorted.filter((m) => m.topics.has(topicId))
    if (subs.length === 0) continue
    const base = Math.floor(count / subs.length)
    const extra = count % subs.length
    let p = 0
    subs.forEach((m, i) => {
      const n = base + (i < extra ? 1 : 0)
      for (let k = 0; k < n; k++) add(out.get(m.memberId)!, topicId, p++)
    })
  }
  return out
}

export function uniformAssign(input: AssignorInput): Map<string, Assignment> {
  const out = emptyResult(input.members)
  const load = new Map<string, number>(input.members.map((m) => [m.memberId, 0]))
  const byId = new Map(input.members.map((m) => [m.memberId, m]))
  // 1. Sticky: a member keeps the previous partitions it still subscribes to (step 3 evens out).
  const taken = new Set<string>()
  for (const [memberId, prev] of input.previous) {
    const m = byId.get(memberId)
    if (!m) continue
    for (const [topicId, parts] of prev) {
      const count = input.partitions.get(topicId)
      if (count === undefined || !m.topics.has(topicId)) continue
      for (const p of [...parts].sort((a, b) => a - b)) {
        if (p >= count || taken.has(`${topicId}:${p}`)) continue
        add(out.get(memberId)!, topicId, p)
        load.set(memberId, load.get(memberId)! + 1)
        taken.add(`${topicId}:${p}`)
      }
    }
  }
  // 2. The rest to the least-loaded subscriber (ties by member id), topics in a stable order.
  const topics = [...input.partitions.keys()].sort()
  for (const topicId of topics) {
    const subs = input.members.filter((m) => m.topics.has(topicId))
    if (subs.length === 0) continue
    for (let p = 0; p < input.partitions.get(topicId)!; p++) {
      if (taken.has(`${topicId}:${p}`)) continue
      const m = leastLoaded(subs, load)
      add(out.get(m.memberId)!, topicId, p)
      load.set(m.memberId, load.get(m.memberId)! + 1)
    }
  }
  // 3. Balance: move a partition from a member to a subscriber carrying two or more fewer.
  for (let moved = true, rounds = 0; moved && rounds < 10_000; rounds++) {
    moved = false
    for (const from of input.members) {
      for (const [topicId, parts] of out.get(from.memberId)!) {
        const to = leastLoaded(input.members.filter((m) => m.topics.has(topicId)), load)
        if (load.get(from.memberId)! - load.get(to.memberId)! < 2 || parts.size === 0) continue
        const p = Math.max(...parts)
        parts.delete(p)
        add(out.get(to.memberId)!, topicId, p)
        load.set(from.memberId, load.get(from.memberId)! - 1)
        load.set(to.memberId, load.get(to.memberId)! + 1)
        moved = true
        break
      }
    }
  }
  for (const a of out.values()) for (const [t, s] of a) if (s.size === 0) a.delete(t)
  return out
}

function leastLoaded(members: readonly AssignorMember[], load: ReadonlyMap<string, number>): AssignorMember {
  let best = members[0]
  for (const m of members) {
    const d = load.get(m.memberId)! - load.get(best.memberId)!
    if (d < 0 || (d === 0 && m.memberId < best.memberId)) best = m
  }
  return best
}
