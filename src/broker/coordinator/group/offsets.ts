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
  /** topic -> how many committed offsets name it (a cheap "which topics have offsets"). */
  private readonly topicRefs = new Map<string, number>()

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

  /** Topics some group has a committed offset for. */
  topics(): IterableIterator<string> {
    return this.topicRefs.keys()
  }

  private ref(topic: string, delta: number): void {
    const n = (this.topicRefs.get(topic) ?? 0) + delta
    if (n <= 0) this.topicRefs.delete(topic)
    else this.topicRefs.set(topic, n)
  }

  count(group: string): number {
    return this.byGroup.get(group)?.size ?? 0
  }

  apply(group: string, topic: string, partition: number, value: OffsetCommitValue | null): void {
    let m = this.byGroup.get(group)
    const key = keyOf(topic, partition)
    if (value === null) {
      if (!m || !m.delete(key)) return
      this.ref(topic, -1)
      if (m.size === 0) this.byGroup.delete(group)
      return
    }
    if (!m) this.byGroup.set(group, m = new Map())
    if (!m.has(key)) this.ref(topic, 1)
    m.set(key, {
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
    const m = this.byGroup.get(group)
    if (!m) return
    for (const o of m.values()) this.ref(o.topic, -1)
    this.byGroup.delete(group)
  }
}
