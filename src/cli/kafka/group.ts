// `samsa group ...`: list, describe (members, assignments, committed offsets and lag), reset
// offsets (a dry run unless --execute) and delete — the kafka-consumer-groups.sh jobs.
import { KafkaError } from '../../client/index.ts'
import type { Admin, GroupDescription, TopicPartition } from '../../client/index.ts'
import type { Context } from './common.ts'
import { printJson, printTable } from './common.ts'
import { CliError } from './errors.ts'
import { withAdmin } from './topic.ts'

export function list(ctx: Context): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    const groups = await admin.listGroups()
    if (ctx.json) printJson(groups)
    else printTable(['GROUP', 'STATE', 'PROTOCOL-TYPE'], groups.map((g) => [g.groupId, g.state, g.protocolType || '-']))
  })
}

const byPartition = (a: TopicPartition, b: TopicPartition): number => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)
const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`

/** A group that does not exist (Dead, nothing committed) is an error, as in Kafka's tool. */
async function existing(admin: Admin, groupId: string): Promise<{ group: GroupDescription; committed: Map<string, number> }> {
  const [group, offsets] = await Promise.all([admin.describeGroup(groupId), admin.groupOffsets(groupId)]).catch((err: unknown) => {
    throw err instanceof KafkaError && err.errorName === 'GROUP_ID_NOT_FOUND' ? new CliError(`unknown group '${groupId}'`) : err
  })
  const committed = new Map(offsets.filter((o) => o.offset >= 0).map((o) => [key(o), o.offset]))
  if (group.state === 'Dead' && committed.size === 0) throw new CliError(`unknown group '${groupId}'`)
  return { group, committed }
}

export function describe(ctx: Context, groupId: string): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    const { group, committed } = await existing(admin, groupId)
    const owner = new Map<string, string>()
    for (const m of group.members) for (const tp of m.assignment) owner.set(key(tp), m.memberId)
    const tps = new Map<string, TopicPartition>()
    for (const k of [...committed.keys(), ...owner.keys()]) {
      const [topic, partition] = k.split('\u0000')
      tps.set(k, { topic: topic!, partition: Number(partition) })
    }
    const ends = tps.size === 0 ? [] : await admin.listOffsets([...tps.values()], 'latest')
    const endOf = new Map(ends.map((e) => [key(e), e.offset]))
    const partitions = [...tps.values()].sort(byPartition).map((tp) => {
      const c = committed.get(key(tp)) ?? null
      const end = endOf.get(key(tp)) ?? null
      return { ...tp, committedOffset: c, logEndOffset: end, lag: c === null || end === null ? null : Math.max(0, end - c), memberId: owner.get(key(tp)) ?? null }
    })
    const totalLag = partitions.reduce((s, p) => s + (p.lag ?? 0), 0)
    const members = group.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost, assignment: [...m.assignment].sort(byPartition) }))
    if (ctx.json) {
      printJson({ groupId, state: group.state, protocolType: group.protocolType, protocol: group.protocol, members, partitions, totalLag })
      return
    }
    process.stdout.write(`group ${groupId}  state ${group.state}  protocol ${group.protocol || '-'}  members ${members.length}  total lag ${totalLag}\n\n`)
    if (members.length > 0) {
      printTable(['MEMBER', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'], members.map((m) => [m.memberId, m.clientId, m.host, m.assignment.map((tp) => `${tp.topic}-${tp.partition}`).join(',') || '-']))
      process.stdout.write('\n')
    }
    printTable(['TOPIC', 'PARTITION', 'COMMITTED', 'LOG-END', 'LAG', 'MEMBER'],
      partitions.map((p) => [p.topic, p.partition, p.committedOffset, p.logEndOffset, p.lag, p.memberId]))
  })
}

export type ResetTo = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: number } | { kind: 'datetime'; ms: number }

/** --to-datetime: ISO 8601 (2026-12-04T10:00:00Z, a date alone is midnight UTC) or epoch ms. */
export function parseDatetime(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text)
  if (!Number.isFinite(ms)) throw new CliError(`--to-datetime '${text}' is not an ISO 8601 time (e.g. 2026-12-04T10:00:00Z) or epoch milliseconds`)
  return ms
}

export function resetOffsets(ctx: Context, groupId: string, o: { topic: string[]; to: ResetTo; execute: boolean }): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    const [group, offsets] = await Promise.all([admin.describeGroup(groupId), admin.groupOffsets(groupId)])
    if (o.execute && group.state !== 'Empty' && group.state !== 'Dead') {
      throw new CliError(`group '${groupId}' has active members (state ${group.state}); stop its consumers before --execute`)
    }
    const topics = await admin.describeTopics(o.topic)
    const tps = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })))
    const [earliest, latest] = await Promise.all([admin.listOffsets(tps, 'earliest'), admin.listOffsets(tps, 'latest')])
    const byTime = o.to.kind === 'datetime' ? await admin.listOffsets(tps, o.to.ms) : []
    const find = (list: readonly (TopicPartition & { offset: number })[], tp: TopicPartition) => list.find((x) => key(x) === key(tp))!.offset
    const current = new Map(offsets.filter((x) => x.offset >= 0).map((x) => [key(x), x.offset]))
    const plan = tps.sort(byPartition).map((tp) => {
      const lo = find(earliest, tp)
      const hi = find(latest, tp)
      const to = o.to
      // Kafka's tool clamps to the log's range; a time after the last record means the end.
      const target = to.kind === 'earliest' ? lo : to.kind === 'latest' ? hi
        : to.kind === 'offset' ? Math.min(hi, Math.max(lo, to.offset))
          : (find(byTime, tp) < 0 ? hi : find(byTime, tp))
      return { ...tp, currentOffset: current.get(key(tp)) ?? null, newOffset: target }
    })
    if (o.execute) await admin.setGroupOffsets(groupId, plan.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.newOffset })))
    if (ctx.json) printJson({ groupId, executed: o.execute, partitions: plan })
    else {
      printTable(['TOPIC', 'PARTITION', 'CURRENT', 'NEW'], plan.map((p) => [p.topic, p.partition, p.currentOffset, p.newOffset]))
      if (!o.execute) process.stderr.write('dry run: nothing changed (add --execute to apply)\n')
    }
  })
}

export function remove(ctx: Context, groupIds: string[]): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    for (const g of groupIds) await existing(admin, g)
    await admin.deleteGroups(groupIds)
    if (ctx.json) printJson({ deleted: groupIds })
    else for (const g of groupIds) process.stdout.write(`deleted group ${g}\n`)
  })
}
