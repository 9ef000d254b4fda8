// Rack awareness of the server-side assignors: a member's rack (RackId of its heartbeat) and the
// racks of a partition's replicas (the brokers' `broker.rack` in the metadata image). A partition
// is rack-aligned for a member whose rack holds one of its replicas, so that member can fetch it
// from a replica in its own rack (KIP-392) instead of across racks. The assignors use racks only
// as a preference that never costs balance; they switch it on only when it can matter (some
// member has a rack, some partition has replica racks, and some partition lacks a replica in some
// member's rack), so groups without racks are assigned exactly as before.
import type { AssignorInput, AssignorMember } from './assignors.ts'

export class RackMatcher {
  private readonly cache = new Map<string, ReadonlySet<string>>()

  private constructor(private readonly racksOf: (topicId: string, partition: number) => readonly string[]) {}

  /** A matcher when rack awareness can change anything for `input`, else null. */
  static of(input: AssignorInput): RackMatcher | null {
    const racksOf = input.partitionRacks
    if (!racksOf) return null
    const memberRacks = new Set<string>()
    for (const m of input.members) if (m.rack) memberRacks.add(m.rack)
    if (memberRacks.size === 0) return null
    const matcher = new RackMatcher(racksOf)
    for (const [topicId, count] of input.partitions) {
      for (let p = 0; p < count; p++) {
        const racks = matcher.racks(topicId, p)
        if (racks.size === 0) continue
        for (const r of memberRacks) if (!racks.has(r)) return matcher
      }
    }
    return null
  }

  racks(topicId: string, partition: number): ReadonlySet<string> {
    const key = `${topicId}:${partition}`
    let s = this.cache.get(key)
    if (!s) {
      s = new Set(this.racksOf(topicId, partition))
      this.cache.set(key, s)
    }
    return s
  }

  /** Whether a replica of the partition sits in the member's rack. */
  aligned(m: AssignorMember, topicId: string, partition: number): boolean {
    return m.rack != null && this.racks(topicId, partition).has(m.rack)
  }
}
