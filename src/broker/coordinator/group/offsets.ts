// Committed offsets of every group, keyed by group then "topic/partition". Changed only by
// replaying OffsetCommit records (live commits replay their records once appended).
import type { OffsetCommitValue } from './records.ts'

export interface CommittedOffset {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly leaderEpoch: number
  readonly metadata: string
  readonly commitTimestamp: number
  /** Explicit expiry (OffsetCommit v2-4 retention time), or null: the retention policy decides. */
  readonly expireTimestamp: number | null
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`

export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, CommittedOffset>>()

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(group)?.get(keyOf(topic, partition))
  }

  /** Every committed offset of `group`, in commit order of first commit. */
  all(group: string): CommittedOffset[] {
    const m = this.byGroup.get(group)
    return m ? [...m.values()] : []
  }

  has(group: string): boolean {
    return (this.byGroup.get(group)?.size ?? 0) > 0
  }

  groups(): IterableIterator<string> {
    return this.byGroup.keys()
  }

  count(group: string): number {
    return this.byGroup.get(group)?.size ?? 0
  }

  apply(group: string, topic: string, partition: number, value: OffsetCommitValue | null): void {
    let m = this.byGroup.get(group)
    if (value === null) {
      if (!m) return
      m.delete(keyOf(topic, partition))
      if (m.size === 0) this.byGroup.delete(group)
      return
    }
    if (!m) this.byGroup.set(group, m = new Map())
    m.set(keyOf(topic, partition), {
      topic,
      partition,
      offset: Number(value.offset),
      leaderEpoch: value.leaderEpoch,
      metadata: value.metadata,
      commitTimestamp: Number(value.commitTimestamp),
      expireTimestamp: value.expireTimestamp >= 0n ? Number(value.expireTimestamp) : null,
    })
  }

  deleteGroup(group: string): void {
    this.byGroup.delete(group)
  }
}
