// The `range` server-side assignor: per topic, its subscribers in member-id order get contiguous
// quotas (the first `count % subscribers` one more), so topics with equal partition counts are
// co-partitioned. With racks (assignor-racks.ts) each subscriber first takes, within its quota,
// the lowest partitions with a replica in its rack; the rest fill the quotas in partition order.
// The outcome depends only on the members, partition counts and racks, so topics whose partitions
// sit on the same racks stay co-partitioned.
import type { AssignorInput } from './assignors.ts'
import { addPartition, emptyAssignments } from './consumer-group.ts'
import type { Assignment } from './consumer-group.ts'
import { RackMatcher } from './assignor-racks.ts'

export function rangeAssign(input: AssignorInput): Map<string, Assignment> {
  const out = emptyAssignments(input.members)
  const racks = RackMatcher.of(input)
  const sorted = [...input.members].sort((a, b) => a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)
  for (const [topicId, count] of input.partitions) {
    const subs = sorted.filter((m) => m.topics.has(topicId))
    if (subs.length === 0) continue
    const base = Math.floor(count / subs.length)
    const extra = count % subs.length
    const quota = subs.map((_, i) => base + (i < extra ? 1 : 0))
    const taken = new Array<boolean>(count).fill(false)
    if (racks) {
      subs.forEach((m, i) => {
        for (let p = 0; p < count && quota[i] > 0; p++) {
          if (taken[p] || !racks.aligned(m, topicId, p)) continue
          taken[p] = true
          quota[i]--
          addPartition(out.get(m.memberId)!, topicId, p)
        }
      })
    }
    let p = 0
    subs.forEach((m, i) => {
      for (; quota[i] > 0; p++) {
        if (taken[p]) continue
        taken[p] = true
        quota[i]--
        addPartition(out.get(m.memberId)!, topicId, p)
      }
    })
  }
  return out
}
