// The streams partition assignor (run by the group leader): partitions of one task (the same
// partition number of every source topic of a sub-topology) always go to one member together;
// tasks are balanced (every member gets floor or ceil of tasks / members), sticky (a task stays
// with its previous owner while that owner has room) and state-aware (a task goes preferably to a
// member that has its state on local disk). Members tell their owned and on-disk tasks in the
// subscription's user data.
import type { Assignment, Assignor, GroupMember } from '../../client/index.ts'

export interface MemberTasks {
  owned: string[]
  stateful: string[]
}

export interface TaskSources {
  id: number
  /** Source topics as on the broker. */
  topics: string[]
}

export function streamsAssignor(subs: readonly TaskSources[], self: () => MemberTasks): Assignor {
  return {
    name: 'stream',
    userData: () => Buffer.from(JSON.stringify(self())),
    assign(members, partitions) {
      return assignTasks(subs, members, partitions)
    },
  }
}

export function assignTasks(subs: readonly TaskSources[], members: readonly GroupMember[], partitions: ReadonlyMap<string, number>): Assignment {
  const tasks: { id: string; tps: [string, number][] }[] = []
  for (const s of subs) {
    const n = Math.max(0, ...s.topics.map((t) => partitions.get(t) ?? 0))
    for (let p = 0; p < n; p++) tasks.push({ id: `${s.id}_${p}`, tps: s.topics.filter((t) => p < (partitions.get(t) ?? 0)).map((t) => [t, p]) })
  }
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
  const info = new Map(sorted.map((m) => [m.memberId, parseInfo(m.userData)]))
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
    const warm = leastLoaded(sorted.filter((m) => info.get(m.memberId)!.stateful.includes(t.id)))
    give(t.id, (warm ?? leastLoaded(sorted) ?? sorted[0]!).memberId)
  }
  const out: Assignment = new Map(sorted.map((m) => [m.memberId, new Map<string, number[]>()]))
  for (const t of tasks) {
    const m = out.get(owner.get(t.id)!)!
    for (const [topic, p] of t.tps) (m.get(topic) ?? m.set(topic, []).get(topic)!).push(p)
  }
  return out
}

function parseInfo(b: Buffer | null): MemberTasks {
  if (b === null || b.length === 0) return { owned: [], stateful: [] }
  try {
    const v = JSON.parse(b.toString('utf8')) as Partial<MemberTasks>
    return { owned: v.owned ?? [], stateful: v.stateful ?? [] }
  } catch {
    return { owned: [], stateful: [] }
  }
}
