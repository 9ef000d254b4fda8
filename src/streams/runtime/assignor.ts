// The streams partition assignor (run by the group leader): partitions of one task (the same
// partition number of every source topic of a sub-topology) always go to one member together;
// active tasks are balanced (every member gets floor or ceil of tasks / members), sticky (a task
// stays with its previous owner while that owner has room) and state-aware (an unowned task goes
// preferably to a member with a warm copy: a standby of it, else its state on local disk).
// With `num.standby.replicas` n, each task also gets up to n standbys on other members (never the
// active's), preferring members that already keep a copy, then the ones with fewest standbys.
// Members tell their owned, standby and on-disk tasks and their `application.server` in the
// subscription's user data; every member gets back its active and standby tasks and the tasks of
// every host (Kafka's partitionsByHost), for interactive queries to find a key's instance.
import type { AssignmentWithUserData, Assignor, GroupMember } from '../../client/index.ts'

/** What a member tells the leader (subscription user data). */
export interface MemberTasks {
  owned: string[]
  stateful: string[]
  standby?: string[]
  /** `application.server` (host:port), or null. */
  host?: string | null
}

/** What a member is told (assignment user data). */
export interface AssignmentInfo {
  active: string[]
  standby: string[]
  /** host -> its active and standby task ids (members with an `application.server` only). */
  hosts: Record<string, { active: string[]; standby: string[] }>
}

export interface TaskSources {
  id: number
  /** Source topics as on the broker. */
  topics: string[]
}

export function streamsAssignor(subs: readonly TaskSources[], self: () => MemberTasks, numStandbyReplicas: number, onInfo: (info: AssignmentInfo) => void): Assignor {
  return {
    name: 'stream',
    userData: () => Buffer.from(JSON.stringify(self())),
    assign(members, partitions) {
      return assignTasks(subs, members, partitions, numStandbyReplicas).partitions
    },
    assignWithUserData: (members, partitions) => assignTasks(subs, members, partitions, numStandbyReplicas),
    onAssignment(_partitions, userData) {
      onInfo(parseAssignmentInfo(userData))
    },
  }
}

export function assignTasks(subs: readonly TaskSources[], members: readonly GroupMember[], partitions: ReadonlyMap<string, number>, numStandbyReplicas = 0): AssignmentWithUserData {
  const tasks: { id: string; tps: [string, number][] }[] = []
  for (const s of subs) {
    const n = Math.max(0, ...s.topics.map((t) => partitions.get(t) ?? 0))
    for (let p = 0; p < n; p++) tasks.push({ id: `${s.id}_${p}`, tps: s.topics.filter((t) => p < (partitions.get(t) ?? 0)).map((t) => [t, p]) })
  }
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
  const info = new Map(sorted.map((m) => [m.memberId, parseMemberTasks(m.userData)]))
  const load = new Map(sorted.map((m) => [m.memberId, [] as string[]]))
  const capacity = Math.ceil(tasks.length / Math.max(1, sorted.length))
  const owner = new Map<string, string>()
  const give = (task: string, member: string): void => {
    owner.set(task, member)
    load.get(member)!.push(task)
  }
  const hasRoom = (m: string): boolean => load.get(m)!.length < capacity
  for (const t of tasks) {
    const prev = sorted.find((m) => info.get(m.memberId)!.owned.includes(t.id) && hasRoom(m.memberId))
    if (prev !== undefined) give(t.id, prev.memberId)
  }
  const leastLoaded = (candidates: readonly GroupMember[]): GroupMember | undefined =>
    candidates.filter((m) => hasRoom(m.memberId)).sort((a, b) => load.get(a.memberId)!.length - load.get(b.memberId)!.length)[0]
  for (const t of tasks) {
    if (owner.has(t.id)) continue
    const standby = leastLoaded(sorted.filter((m) => info.get(m.memberId)!.standby!.includes(t.id)))
    const warm = standby ?? leastLoaded(sorted.filter((m) => info.get(m.memberId)!.stateful.includes(t.id)))
    give(t.id, (warm ?? leastLoaded(sorted) ?? sorted[0]!).memberId)
  }
  // Standbys: on members other than the active, at most one copy of a task per member.
  const standbys = new Map(sorted.map((m) => [m.memberId, [] as string[]]))
  for (let r = 0; r < numStandbyReplicas; r++) {
    for (const t of tasks) {
      const candidates = sorted.filter((m) => m.memberId !== owner.get(t.id) && !standbys.get(m.memberId)!.includes(t.id))
      if (candidates.length === 0) continue
      const warmth = (m: GroupMember): number => {
        const i = info.get(m.memberId)!
        return i.standby!.includes(t.id) || i.owned.includes(t.id) ? 0 : i.stateful.includes(t.id) ? 1 : 2
      }
      candidates.sort((a, b) => warmth(a) - warmth(b) || standbys.get(a.memberId)!.length - standbys.get(b.memberId)!.length)
      standbys.get(candidates[0]!.memberId)!.push(t.id)
    }
  }
  const out = new Map(sorted.map((m) => [m.memberId, new Map<string, number[]>()]))
  for (const t of tasks) {
    const m = out.get(owner.get(t.id)!)!
    for (const [topic, p] of t.tps) (m.get(topic) ?? m.set(topic, []).get(topic)!).push(p)
  }
  const hosts: AssignmentInfo['hosts'] = {}
  for (const m of sorted) {
    const host = info.get(m.memberId)!.host
    if (host === null || host === undefined || host === '') continue
    const h = (hosts[host] ??= { active: [], standby: [] })
    h.active.push(...load.get(m.memberId)!)
    h.standby.push(...standbys.get(m.memberId)!)
  }
  const userData = new Map(sorted.map((m) => [m.memberId, Buffer.from(JSON.stringify({ active: load.get(m.memberId)!, standby: standbys.get(m.memberId)!, hosts } satisfies AssignmentInfo))]))
  return { partitions: out, userData }
}

function parseMemberTasks(b: Buffer | null): Required<MemberTasks> {
  const none = { owned: [], stateful: [], standby: [], host: null }
  if (b === null || b.length === 0) return none
  try {
    const v = JSON.parse(b.toString('utf8')) as Partial<MemberTasks>
    return { owned: v.owned ?? [], stateful: v.stateful ?? [], standby: v.standby ?? [], host: v.host ?? null }
  } catch {
    return none
  }
}

export function parseAssignmentInfo(b: Buffer | null): AssignmentInfo {
  const none: AssignmentInfo = { active: [], standby: [], hosts: {} }
  if (b === null || b.length === 0) return none
  try {
    const v = JSON.parse(b.toString('utf8')) as Partial<AssignmentInfo>
    return { active: v.active ?? [], standby: v.standby ?? [], hosts: v.hosts ?? {} }
  } catch {
    return none
  }
}
