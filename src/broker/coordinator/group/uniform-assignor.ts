// The `uniform` server-side assignor: partitions stay where they are (the current target), the
// unassigned ones go to the least-loaded subscriber, then one partition at a time moves from a
// member to a subscriber carrying two or more fewer until none can (counts within one in a
// homogeneous group; only the moves balance needs, so few revocations; its own output is a fixed
// point). With racks (assignor-racks.ts) an unassigned partition first goes to a member of a
// replica's rack still under its fair share, a balancing move takes a partition the receiver is
// aligned with (or the giver is not), and last, two members swap partitions one for one when that
// aligns more of them (counts unchanged). Balance always wins over racks.
import type { AssignorInput, AssignorMember } from './assignors.ts'
import { RackMatcher } from './assignor-racks.ts'
import { addPartition, emptyAssignments } from './consumer-group.ts'
import type { Assignment } from './consumer-group.ts'

export function uniformAssign(input: AssignorInput): Map<string, Assignment> {
  const out = emptyAssignments(input.members)
  const load = new Map<string, number>(input.members.map((m) => [m.memberId, 0]))
  const byId = new Map(input.members.map((m) => [m.memberId, m]))
  const racks = RackMatcher.of(input)
  const give = (m: AssignorMember, topicId: string, p: number) => {
    addPartition(out.get(m.memberId)!, topicId, p)
    load.set(m.memberId, load.get(m.memberId)! + 1)
  }
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
        give(m, topicId, p)
        taken.add(`${topicId}:${p}`)
      }
    }
  }
  // 2. The rest to the least-loaded subscriber (ties by member id), topics in a stable order;
  // with racks, first to the least-loaded aligned subscriber below its fair share.
  const topics = [...input.partitions.keys()].sort()
  const subscribers = new Map(topics.map((t) => [t, input.members.filter((m) => m.topics.has(t))]))
  if (racks) {
    const cap = fairShares(input, subscribers)
    for (const topicId of topics) {
      for (let p = 0; p < input.partitions.get(topicId)!; p++) {
        if (taken.has(`${topicId}:${p}`)) continue
        const aligned = subscribers.get(topicId)!.filter((m) => racks.aligned(m, topicId, p) && load.get(m.memberId)! < cap.get(m.memberId)!)
        if (aligned.length === 0) continue
        give(leastLoaded(aligned, load), topicId, p)
        taken.add(`${topicId}:${p}`)
      }
    }
  }
  for (const topicId of topics) {
    const subs = subscribers.get(topicId)!
    if (subs.length === 0) continue
    for (let p = 0; p < input.partitions.get(topicId)!; p++) {
      if (taken.has(`${topicId}:${p}`)) continue
      give(leastLoaded(subs, load), topicId, p)
    }
  }
  // 3. Balance: move a partition from a member to a subscriber carrying two or more fewer.
  for (let moved = true, rounds = 0; moved && rounds < 10_000; rounds++) {
    moved = false
    for (const from of input.members) {
      for (const [topicId, parts] of out.get(from.memberId)!) {
        const to = leastLoaded(subscribers.get(topicId)!, load)
        if (load.get(from.memberId)! - load.get(to.memberId)! < 2 || parts.size === 0) continue
        const p = racks ? partitionToMove(racks, parts, topicId, from, to) : Math.max(...parts)
        parts.delete(p)
        load.set(from.memberId, load.get(from.memberId)! - 1)
        give(to, topicId, p)
        moved = true
        break
      }
    }
  }
  if (racks) swapForRacks(racks, input.members, out)
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

/** Each member's fair share: an even split of everything in a homogeneous group, else the sum of its topics' even splits. */
function fairShares(input: AssignorInput, subscribers: ReadonlyMap<string, readonly AssignorMember[]>): Map<string, number> {
  const homogeneous = input.members.every((m) => m.topics.size === input.members[0].topics.size && [...m.topics].every((t) => input.members[0].topics.has(t)))
  const out = new Map<string, number>()
  if (homogeneous) {
    let total = 0
    for (const t of input.members[0]?.topics ?? []) total += input.partitions.get(t) ?? 0
    for (const m of input.members) out.set(m.memberId, Math.ceil(total / input.members.length))
    return out
  }
  for (const m of input.members) {
    let share = 0
    for (const t of m.topics) {
      const n = input.partitions.get(t)
      if (n !== undefined) share += Math.ceil(n / subscribers.get(t)!.length)
    }
    out.set(m.memberId, share)
  }
  return out
}

/** Which of `from`'s partitions of a topic moves to `to`: one that aligns with `to` and not `from`, else one `from` is not aligned with, else the highest. */
function partitionToMove(racks: RackMatcher, parts: ReadonlySet<number>, topicId: string, from: AssignorMember, to: AssignorMember): number {
  const sorted = [...parts].sort((a, b) => b - a)
  return sorted.find((p) => racks.aligned(to, topicId, p) && !racks.aligned(from, topicId, p)) ??
    sorted.find((p) => !racks.aligned(from, topicId, p)) ?? sorted[0]
}

/**
 * One-for-one swaps that align more partitions: X gives Y a partition X is not aligned with and Y
 * is, and takes back one Y is not aligned with (aligned with X if there is one). Each swap raises
 * the number of aligned partitions, so this ends; counts stay as balanced as they were.
 */
function swapForRacks(racks: RackMatcher, members: readonly AssignorMember[], out: Map<string, Assignment>): void {
  const unaligned = (m: AssignorMember) => {
    const list: [string, number][] = []
    for (const [t, ps] of out.get(m.memberId)!) for (const p of ps) if (!racks.aligned(m, t, p)) list.push([t, p])
    return list.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])
  }
  const move = (from: AssignorMember, to: AssignorMember, t: string, p: number) => {
    out.get(from.memberId)!.get(t)!.delete(p)
    addPartition(out.get(to.memberId)!, t, p)
  }
  for (let swapped = true, rounds = 0; swapped && rounds < 100_000; rounds++) {
    swapped = false
    search: for (const x of members) {
      for (const [t, p] of unaligned(x)) {
        for (const y of members) {
          if (y === x || !y.topics.has(t) || !racks.aligned(y, t, p)) continue
          const back = unaligned(y).filter(([t2]) => x.topics.has(t2))
          const q = back.find(([t2, q2]) => racks.aligned(x, t2, q2)) ?? back[0]
          if (!q) continue
          move(x, y, t, p)
          move(y, x, q[0], q[1])
          swapped = true
          break search
        }
      }
    }
  }
}
