// `samsa topic ...`: create, list, describe, alter-config, add-partitions, delete — the
// kafka-topics.sh jobs, through the admin client.
import { Admin } from '../../client/index.ts'
import type { ConfigEntry, TopicInfo } from '../../client/index.ts'
import type { Context } from './common.ts'
import { printJson, printTable } from './common.ts'
import { CliError } from './errors.ts'
import { splitKeyValue } from './properties.ts'

async function withAdmin<T>(ctx: Context, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(ctx.client)
  try {
    return await fn(admin)
  } finally {
    await admin.close()
  }
}

const replicationOf = (t: TopicInfo): number => t.partitions[0]?.replicas.length ?? 0

function configMap(pairs: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries((pairs ?? []).map((c) => splitKeyValue(c, '-c')))
}

export function create(ctx: Context, name: string, o: { partitions?: number; replication?: number; config?: string[] }): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    await admin.createTopics([{ topic: name, numPartitions: o.partitions ?? -1, replicationFactor: o.replication ?? -1, configs: configMap(o.config) }])
    const [t] = await admin.describeTopics([name])
    if (ctx.json) printJson({ topic: name, partitions: t!.partitions.length, replicationFactor: replicationOf(t!) })
    else process.stdout.write(`created topic ${name} (${t!.partitions.length} partitions, replication factor ${replicationOf(t!)})\n`)
  })
}

export function list(ctx: Context, o: { internal?: boolean }): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    const names = await admin.listTopics({ internal: o.internal === true })
    const topics = names.length === 0 ? [] : await admin.describeTopics(names)
    const rows = topics.map((t) => ({ name: t.name, partitions: t.partitions.length, replicationFactor: replicationOf(t), internal: t.isInternal }))
    if (ctx.json) printJson(rows)
    else printTable(['NAME', 'PARTITIONS', 'REPLICAS'], rows.map((r) => [r.name, r.partitions, r.replicationFactor]))
  })
}

const SOURCES: Record<number, string> = { 1: 'topic', 2: 'dynamic-broker', 3: 'dynamic-default-broker', 4: 'static-broker', 5: 'default', 6: 'dynamic-broker-logger' }

/** Settings a user or operator chose (not Kafka's defaults), sensitive values hidden. */
function nonDefault(configs: readonly ConfigEntry[]): { name: string; value: string | null; source: string }[] {
  return configs.filter((c) => !c.isDefault && c.source !== 5)
    .map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, source: SOURCES[c.source] ?? String(c.source) }))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
}

export function describe(ctx: Context, name: string): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    const [t] = await admin.describeTopics([name])
    const tps = t!.partitions.map((p) => ({ topic: name, partition: p.partition }))
    const [earliest, latest, configs] = await Promise.all([admin.listOffsets(tps, 'earliest'), admin.listOffsets(tps, 'latest'), admin.describeConfigs('topic', name)])
    const at = (list: typeof earliest, p: number) => list.find((o) => o.partition === p)?.offset ?? null
    const partitions = t!.partitions.map((p) => ({
      partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr, earliestOffset: at(earliest, p.partition), latestOffset: at(latest, p.partition),
    }))
    const changed = nonDefault(configs)
    if (ctx.json) {
      printJson({ name, topicId: t!.topicId, internal: t!.isInternal, replicationFactor: replicationOf(t!), partitions, configs: Object.fromEntries(changed.map((c) => [c.name, c.value])) })
      return
    }
    process.stdout.write(`topic ${name}  id ${t!.topicId}  partitions ${partitions.length}  replication factor ${replicationOf(t!)}${t!.isInternal ? '  internal' : ''}\n\n`)
    printTable(['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'EARLIEST', 'LATEST'],
      partitions.map((p) => [p.partition, p.leader, p.replicas.join(','), p.isr.join(','), p.earliestOffset, p.latestOffset]))
    process.stdout.write('\n')
    if (changed.length === 0) process.stdout.write('configs: all defaults\n')
    else printTable(['CONFIG', 'VALUE', 'SOURCE'], changed.map((c) => [c.name, c.value ?? '(sensitive)', c.source]))
  })
}

export function alterConfig(ctx: Context, name: string, o: { config?: string[]; delete?: string[] }): Promise<void> {
  const set = Object.entries(configMap(o.config)).map(([key, value]) => ({ name: key, op: 'set' as const, value }))
  const del = (o.delete ?? []).map((key) => ({ name: key, op: 'delete' as const }))
  if (set.length + del.length === 0) throw new CliError('nothing to change: give -c key=value or --delete key')
  return withAdmin(ctx, async (admin) => {
    await admin.describeTopics([name]) // an unknown topic is named as such
    await admin.alterConfigs('topic', name, [...set, ...del])
    if (ctx.json) printJson({ topic: name, set: Object.fromEntries(set.map((s) => [s.name, s.value])), deleted: del.map((d) => d.name) })
    else process.stdout.write(`altered ${set.length + del.length} config(s) of topic ${name}\n`)
  })
}

export function addPartitions(ctx: Context, name: string, o: { partitions: number }): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    const [t] = await admin.describeTopics([name])
    const before = t!.partitions.length
    if (o.partitions <= before) throw new CliError(`topic ${name} already has ${before} partitions; -p gives the new total, which must be more`)
    await admin.createPartitions([{ topic: name, count: o.partitions }])
    if (ctx.json) printJson({ topic: name, partitions: o.partitions, before })
    else process.stdout.write(`topic ${name} now has ${o.partitions} partitions (was ${before})\n`)
  })
}

export function remove(ctx: Context, names: string[]): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    await admin.describeTopics(names) // all or nothing: refuse when one name is wrong
    await admin.deleteTopics(names)
    if (ctx.json) printJson({ deleted: names })
    else for (const n of names) process.stdout.write(`deleted topic ${n}\n`)
  })
}

export { withAdmin }
