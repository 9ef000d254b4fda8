// What consumer-group members subscribe to, resolved against the broker's topics: names that
// exist plus every topic a member's regex fully matches (internal topics only by name, as Kafka
// excludes them from regex subscriptions). The metadata hash covers each subscribed topic's name,
// id, partition count and the racks of each partition's replicas; a change (topic created,
// deleted, partitions added, replicas moved to other racks) bumps the group epoch at the next
// heartbeat, as Kafka's metadata hash does (KIP-1101 added the racks). Under an authorizer a
// regex member's topics come from its resolution (regex-resolution.ts) through a `RegexView`.
import { createHash } from 'node:crypto'
import type { AssignorInput } from './assignors.ts'
import type { Assignment, ConsumerGroupMember } from './consumer-group.ts'
import { compileTopicRegex } from './topic-regex.ts'

export interface TopicLookup {
  byName(name: string): { readonly topicId: string, readonly partitions: number } | undefined
  /** Names of every non-internal topic (regex subscriptions). */
  names(): Iterable<string>
  /** Racks of the brokers holding the partition's replicas (empty when none has a rack); absent: no racks known. */
  partitionRacks?(name: string, partition: number): readonly string[]
  /** Changes whenever the topics may have changed (the image's revision); absent: always look. */
  revision?(): number
}

/** The topics a regex member's subscription stands for (its resolution under an authorizer). */
export type RegexView = (m: ConsumerGroupMember) => ReadonlySet<string>

export const NO_TOPICS: TopicLookup = { byName: () => undefined, names: () => [] }

export class SubscribedTopics {
  private knownIds = new Set<string>()
  private seenRevision: number | undefined = undefined
  private newTopics = 0

  constructor(private readonly lookup: TopicLookup) {}

  /** A counter that moves when a topic id appears that was not there at the previous call (Kafka's image with new topics). */
  newTopicsVersion(): number {
    const rev = this.lookup.revision?.()
    if (rev !== undefined && rev === this.seenRevision) return this.newTopics
    this.seenRevision = rev
    const ids = new Set<string>()
    let fresh = false
    for (const name of this.lookup.names()) {
      const id = this.lookup.byName(name)?.topicId
      if (id === undefined) continue
      ids.add(id)
      if (!this.knownIds.has(id)) fresh = true
    }
    this.knownIds = ids
    if (fresh) this.newTopics++
    return this.newTopics
  }

  names(): Iterable<string> {
    return this.lookup.names()
  }

  regex(source: string): RegExp | string {
    return compileTopicRegex(source)
  }

  topicId(name: string): string | undefined {
    return this.lookup.byName(name)?.topicId
  }

  /** Topic id → name over the existing topics (classic members speak names). */
  namesById(): Map<string, string> {
    const out = new Map<string, string>()
    for (const name of this.lookup.names()) {
      const t = this.lookup.byName(name)
      if (t) out.set(t.topicId, name)
    }
    return out
  }

  /** Names of the existing topics a member subscribes to (a regex: every match, or what `view` says). */
  topicsOf(m: ConsumerGroupMember, view?: RegexView): Set<string> {
    const out = new Set<string>()
    for (const t of m.subscribedTopicNames) if (this.lookup.byName(t)) out.add(t)
    if (m.subscribedTopicRegex !== null) {
      if (view) {
        for (const t of view(m)) if (this.lookup.byName(t)) out.add(t)
      } else {
        const re = this.regex(m.subscribedTopicRegex)
        if (typeof re !== 'string') for (const t of this.lookup.names()) if (re.test(t)) out.add(t)
      }
    }
    return out
  }

  metadataHash(members: Iterable<ConsumerGroupMember>, view?: RegexView): bigint {
    const names = new Set<string>()
    for (const m of members) for (const t of this.topicsOf(m, view)) names.add(t)
    if (names.size === 0) return 0n
    const h = createHash('sha256')
    for (const name of [...names].sort()) {
      const t = this.lookup.byName(name)!
      h.update(`${name}\u0000${t.topicId}\u0000${t.partitions}\u0000`)
      if (this.lookup.partitionRacks) {
        // Only partitions with racks are written, so a cluster without racks hashes as before.
        for (let p = 0; p < t.partitions; p++) {
          const racks = [...this.lookup.partitionRacks(name, p)].sort()
          if (racks.length > 0) h.update(`${p}\u0001${racks.map((r) => `${r.length}:${r}`).join('')}\u0000`)
        }
      }
    }
    return h.digest().readBigInt64BE(0)
  }

  assignorInput(members: Iterable<ConsumerGroupMember>, previous: ReadonlyMap<string, Assignment>, view?: RegexView): AssignorInput {
    const partitions = new Map<string, number>()
    const names = new Map<string, string>()
    const list = [...members].map((m) => {
      const ids = new Set<string>()
      for (const name of this.topicsOf(m, view)) {
        const t = this.lookup.byName(name)!
        ids.add(t.topicId)
        partitions.set(t.topicId, t.partitions)
        names.set(t.topicId, name)
      }
      return { memberId: m.memberId, topics: ids, rack: m.rackId }
    })
    const racksOf = this.lookup.partitionRacks?.bind(this.lookup)
    const partitionRacks = racksOf ? (topicId: string, p: number) => racksOf(names.get(topicId) ?? '', p) : undefined
    return { members: list, partitions, previous, partitionRacks }
  }
}
