// KIP-848 regex subscriptions under an authorizer (Kafka's TopicRegexResolver, KAFKA-18813): a
// member's SubscribedTopicRegex stands for the matching topics it may DESCRIBE. Kafka refreshes a
// group's resolved regexes when a member brings a regex not resolved yet, when topics were created
// since the last refresh, or when group.consumer.regex.refresh.interval.ms has passed (so an ACL
// change shows at that refresh), and bumps the group epoch when a resolution changed. Samsa refreshes
// on the same triggers, but synchronously inside the heartbeat (the ACLs are in memory; Kafka's 10 s
// minimum between refreshes batches its asynchronous scans), and resolves each member's regex under
// that member's own principal and host (the DESCRIBE check of its latest heartbeat, kept in memory)
// where Kafka resolves all of a group's regexes under the member whose heartbeat triggered the
// refresh, a known gap that lets a member be assigned topics only another member may describe
// (apache/kafka#19488). Resolutions are not persisted: after a load, until its next heartbeat, a
// member's regex stands for the matching topics it is assigned or targeted (which it was allowed to
// describe). Without an authorizer none of this runs: a regex matches every topic at each use.
import type { ConsumerGroup, ConsumerGroupMember } from './consumer-group.ts'
import type { RegexView } from './subscribed-topic-ids.ts'
import { compileTopicRegex } from './topic-regex.ts'

/** Whether the member may DESCRIBE the topic (under its principal and host). */
export type TopicFilter = (topic: string) => boolean

export interface ResolvedRegex {
  readonly regex: string
  readonly topics: ReadonlySet<string>
}

/** A group's resolved regexes, per member (memory only). */
export class GroupRegexes {
  resolved: ReadonlyMap<string, ResolvedRegex> = new Map()
  /** memberId → the DESCRIBE check of its latest heartbeat. */
  readonly contexts = new Map<string, TopicFilter>()
  refreshedAt = Number.NEGATIVE_INFINITY
  /** The new-topics version the last refresh saw. */
  version = -1

  /** The member's resolution, if it is of its current regex. */
  of(m: ConsumerGroupMember): ReadonlySet<string> | undefined {
    const r = this.resolved.get(m.memberId)
    return r !== undefined && r.regex === m.subscribedTopicRegex ? r.topics : undefined
  }

  forget(memberId: string): void {
    this.contexts.delete(memberId)
    if (this.resolved.has(memberId)) {
      const rest = new Map(this.resolved)
      rest.delete(memberId)
      this.resolved = rest
    }
  }

  /** After the heartbeat's records are written: its context, and the refresh it made. */
  remember(memberId: string, filter: TopicFilter, refresh: RegexRefresh | null, members: ReadonlyMap<string, ConsumerGroupMember>): void {
    if (!members.has(memberId)) return
    this.contexts.set(memberId, filter)
    if (refresh === null) return
    const kept = new Map<string, ResolvedRegex>()
    for (const [id, r] of refresh.resolved) if (members.get(id)?.subscribedTopicRegex === r.regex) kept.set(id, r)
    this.resolved = kept
    this.refreshedAt = refresh.at
    this.version = refresh.version
  }
}

export interface RegexRefresh {
  /** memberId → resolution, for every member resolved (members without a known context keep theirs). */
  readonly resolved: ReadonlyMap<string, ResolvedRegex>
  /** Some member's resolution changed (or is new): the group epoch moves. */
  readonly changed: boolean
  readonly at: number
  readonly version: number
}

export interface RefreshInput {
  readonly state: GroupRegexes
  /** The group's members as the heartbeat leaves them. */
  readonly members: ReadonlyMap<string, ConsumerGroupMember>
  readonly memberId: string
  readonly filter: TopicFilter
  /** Names of every non-internal topic. */
  readonly names: () => Iterable<string>
  /** The new-topics counter (asked only for a group with regexes). */
  readonly topicsVersion: () => number
  readonly now: number
  readonly intervalMs: number
}

/** Kafka's refresh conditions; null when no refresh is due. */
export function refreshRegexes(i: RefreshInput): RegexRefresh | null {
  let any = false
  for (const m of i.members.values()) if (m.subscribedTopicRegex !== null) any = true
  if (!any) return null
  const me = i.members.get(i.memberId)
  const unresolved = me !== undefined && me.subscribedTopicRegex !== null && i.state.of(me) === undefined
  const version = i.topicsVersion()
  if (!unresolved && version <= i.state.version && i.now <= i.state.refreshedAt + i.intervalMs) return null

  const matches = new Map<string, string[]>()
  const matching = (regex: string): string[] => {
    let out = matches.get(regex)
    if (out === undefined) {
      const re = compileTopicRegex(regex)
      out = []
      if (typeof re !== 'string') for (const t of i.names()) if (re.test(t)) out.push(t)
      matches.set(regex, out)
    }
    return out
  }
  const resolved = new Map<string, ResolvedRegex>()
  let changed = false
  for (const m of i.members.values()) {
    const regex = m.subscribedTopicRegex
    if (regex === null) continue
    const filter = m.memberId === i.memberId ? i.filter : i.state.contexts.get(m.memberId)
    const before = i.state.of(m)
    if (filter === undefined) {
      // Not heard from since the load: its stand-in stays until its own heartbeat.
      if (before !== undefined) resolved.set(m.memberId, { regex, topics: before })
      continue
    }
    const topics = new Set<string>()
    for (const t of matching(regex)) if (filter(t)) topics.add(t)
    resolved.set(m.memberId, { regex, topics })
    if (before === undefined || !sameSet(before, topics)) changed = true
  }
  return { resolved, changed, at: i.now, version }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false
  for (const x of a) if (!b.has(x)) return false
  return true
}

/**
 * What each regex member's subscription stands for under an authorizer: the heartbeat's fresh
 * resolution, else the member's last one, else (not heard from since a load) the matching topics
 * it is assigned or targeted.
 */
export function regexView(group: ConsumerGroup, namesById: () => ReadonlyMap<string, string>, pending?: ReadonlyMap<string, ResolvedRegex>): RegexView {
  let names: ReadonlyMap<string, string> | undefined
  return (m) => {
    const fresh = pending?.get(m.memberId)
    if (fresh !== undefined && fresh.regex === m.subscribedTopicRegex) return fresh.topics
    const known = group.regexes.of(m)
    if (known !== undefined) return known
    const re = compileTopicRegex(m.subscribedTopicRegex ?? '')
    const out = new Set<string>()
    if (typeof re === 'string') return out
    names ??= namesById()
    for (const a of [m.assigned, m.pendingRevocation, group.targetAssignment.get(m.memberId)]) {
      for (const id of a?.keys() ?? []) {
        const name = names.get(id)
        if (name !== undefined && re.test(name)) out.add(name)
      }
    }
    return out
  }
}

/** A heartbeat without a DESCRIBE check (no authorizer in the request's path): every topic. */
export const DESCRIBE_ANY: TopicFilter = () => true
