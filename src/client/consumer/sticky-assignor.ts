// The cooperative-sticky assignor (KIP-429, Kafka's CooperativeStickyAssignor): a balanced
// assignment that keeps each member's owned partitions where it can, and — the cooperative part —
// never hands a partition to a new owner in the same rebalance its old owner still holds it: such a
// partition is left out, the old owner revokes it and rejoins, and the follow-up rebalance assigns it.
import type { TopicPartition } from '../offsets.ts'
import type { Assignment, Assignor, GroupMember } from './assignors.ts'

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/**
 * A balanced assignment that keeps owned partitions where the balance allows. Steps: keep every
 * valid owned partition (subscribed, existing, claimed by one member — the highest generation wins
 * a double claim); give each unassigned partition to the least-loaded subscribed member; then move
 * partitions from a member to a subscribed member with at least two fewer, until none can move.
 */
export function stickyAssign(members: readonly GroupMember[], partitions: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
  const out = new Map<string, TopicPartition[]>(sorted.map((m) => [m.memberId, []]))
  const subs = new Map(sorted.map((m) => [m.memberId, new Set(m.topics)]))
  const owner = new Map<string, { memberId: string; generation: number }>()
  for (const m of sorted) {
    for (const tp of m.ownedPartitions ?? []) {
      const n = partitions.get(tp.topic)
      if (n === undefined || tp.partition >= n || !m.topics.includes(tp.topic)) continue
      const k = tpKey(tp.topic, tp.partition)
      const prev = owner.get(k)
      const generation = m.generation ?? -1
      if (prev === undefined || generation > prev.generation) owner.set(k, { memberId: m.memberId, generation })
    }
  }
  const all: TopicPartition[] = []
  for (const topic of [...partitions.keys()].sort()) for (let p = 0; p < partitions.get(topic)!; p++) all.push({ topic, partition: p })
  const unassigned: TopicPartition[] = []
  for (const tp of all) {
    const o = owner.get(tpKey(tp.topic, tp.partition))
    if (o !== undefined) out.get(o.memberId)!.push(tp)
    else unassigned.push(tp)
  }
  const eligible = (tp: TopicPartition) => sorted.filter((m) => subs.get(m.memberId)!.has(tp.topic))
  const leastLoaded = (ms: GroupMember[]) => ms.reduce((best, m) => (out.get(m.memberId)!.length < out.get(best.memberId)!.length ? m : best))
  for (const tp of unassigned) {
    const ms = eligible(tp)
    if (ms.length > 0) out.get(leastLoaded(ms).memberId)!.push(tp)
  }
  // Balance: each move lowers the sum of squared loads, so this ends.
  for (let moved = true; moved;) {
    moved = false
    const byLoad = [...sorted].sort((a, b) => out.get(b.memberId)!.length - out.get(a.memberId)!.length)
    for (const from of byLoad) {
      const mine = out.get(from.memberId)!
      // Give away the most recently added partitions first: owned ones stay longest.
      for (let i = mine.length - 1; i >= 0; i--) {
        const tp = mine[i]!
        const to = leastLoaded(eligible(tp))
        if (out.get(to.memberId)!.length + 1 < mine.length) {
          mine.splice(i, 1)
          out.get(to.memberId)!.push(tp)
          moved = true
          break
        }
      }
      if (moved) break
    }
  }
  return out
}

/**
 * The cooperative step: a partition assigned away from the member that still owns it is withheld
 * this round (so no two members ever hold it), to be assigned after the owner has revoked it.
 */
export function withholdMoved(members: readonly GroupMember[], assignment: ReadonlyMap<string, TopicPartition[]>): Map<string, TopicPartition[]> {
  const ownedBy = new Map<string, string>()
  for (const m of members) for (const tp of m.ownedPartitions ?? []) ownedBy.set(tpKey(tp.topic, tp.partition), m.memberId)
  const out = new Map<string, TopicPartition[]>()
  for (const [memberId, tps] of assignment) {
    out.set(memberId, tps.filter((tp) => {
      const o = ownedBy.get(tpKey(tp.topic, tp.partition))
      return o === undefined || o === memberId || !members.some((m) => m.memberId === o)
    }))
  }
  return out
}

function toAssignment(a: ReadonlyMap<string, TopicPartition[]>): Assignment {
  const out: Assignment = new Map()
  for (const [memberId, tps] of a) {
    const byTopic = new Map<string, number[]>()
    for (const tp of tps) (byTopic.get(tp.topic) ?? byTopic.set(tp.topic, []).get(tp.topic)!).push(tp.partition)
    for (const l of byTopic.values()) l.sort((x, y) => x - y)
    out.set(memberId, byTopic)
  }
  return out
}

/** 'cooperative-sticky', as Java and librdkafka name it. */
export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  rebalanceProtocol: 'cooperative',
  assign(members, partitions) {
    return toAssignment(withholdMoved(members, stickyAssign(members, partitions)))
  },
}
