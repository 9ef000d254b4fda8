// `samsa consume TOPIC...`: prints records as they arrive — the value by default, a kcat-style
// template with -f, or one JSON object per line with --json. Without -g it reads every partition
// from -o; with -g it joins the group (-o then applies where nothing is committed) and commits on
// exit. Exits after -n COUNT records, or on Ctrl-C / SIGTERM.
import { Admin, Consumer } from '../../client/index.ts'
import type { ConsumerOptions, Message, TopicPartition } from '../../client/index.ts'
import type { Context } from './common.ts'
import { CliError } from './errors.ts'
import { parseDatetime } from './group.ts'

export type StartAt = { kind: 'beginning' } | { kind: 'end' } | { kind: 'offset'; offset: number } | { kind: 'timestamp'; ms: number }

/** -o: beginning, end, an offset, or @TIMESTAMP (epoch ms or ISO 8601). */
export function parseStartAt(text: string): StartAt {
  if (text === 'beginning' || text === 'earliest') return { kind: 'beginning' }
  if (text === 'end' || text === 'latest') return { kind: 'end' }
  if (/^\d+$/.test(text)) return { kind: 'offset', offset: Number(text) }
  if (text.startsWith('@')) return { kind: 'timestamp', ms: parseDatetime(text.slice(1)) }
  throw new CliError(`-o '${text}' is not beginning, end, an offset or @TIMESTAMP`)
}

export interface ConsumeOptions {
  group?: string
  offset: StartAt
  count?: number
  format?: string
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'))

/**
 * A -f template (kcat's tokens): %s value, %k key, %t topic, %p partition, %o offset,
 * %T timestamp (ms), %h headers (k=v,...), %% a percent sign; \n \t \\ escapes.
 */
export function formatter(template: string): (m: Message) => string {
  const parts = template.split(/(%[sktpoTh%]|\\[nt\\])/)
  return (m) => parts.map((p) => {
    switch (p) {
      case '%s': return text(m.value) ?? ''
      case '%k': return text(m.key) ?? ''
      case '%t': return m.topic
      case '%p': return String(m.partition)
      case '%o': return String(m.offset)
      case '%T': return String(m.timestamp)
      case '%h': return m.headers.map((h) => `${h.key}=${text(h.value) ?? ''}`).join(',')
      case '%%': return '%'
      case '\\n': return '\n'
      case '\\t': return '\t'
      case '\\\\': return '\\'
      default: return p
    }
  }).join('')
}

function jsonLine(m: Message): string {
  const headers: Record<string, string | null> = {}
  for (const h of m.headers) headers[h.key] = text(h.value)
  return JSON.stringify({ topic: m.topic, partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: text(m.key), value: text(m.value), headers })
}

function consumerOptions(ctx: Context, o: ConsumeOptions, signal: AbortSignal): ConsumerOptions {
  const base: ConsumerOptions = { ...ctx.client, signal, autoOffsetReset: o.offset.kind === 'end' ? 'latest' : 'earliest' }
  const isolation = ctx.props.get('isolation.level')
  if (isolation !== undefined) {
    if (isolation !== 'read_committed' && isolation !== 'read_uncommitted') throw new CliError(`isolation.level=${isolation} is not read_committed or read_uncommitted`)
    base.isolationLevel = isolation
  }
  const group = o.group ?? ctx.props.get('group.id')
  return group === undefined ? base : { ...base, groupId: group, autoCommit: true }
}

async function seek(consumer: Consumer, at: StartAt, tps: readonly TopicPartition[]): Promise<void> {
  if (at.kind === 'beginning') await consumer.seekToBeginning(tps)
  else if (at.kind === 'end') await consumer.seekToEnd(tps)
  else if (at.kind === 'timestamp') await consumer.seekToTimestamp(at.ms, tps)
  else for (const tp of tps) consumer.seek({ ...tp, offset: at.offset })
}

export async function consume(ctx: Context, topics: string[], o: ConsumeOptions): Promise<number> {
  const print = ctx.json ? jsonLine : formatter(o.format ?? '%s')
  // Unknown topics are named at once instead of waiting for them to appear.
  const admin = new Admin(ctx.client)
  let partitions: TopicPartition[]
  try {
    partitions = (await admin.describeTopics(topics)).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })))
  } finally {
    await admin.close()
  }
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const options = consumerOptions(ctx, o, stop.signal)
  let firstAssignment = true
  const consumer: Consumer = new Consumer({
    ...options,
    // In a group an explicit offset or time applies to the first assignment only; later
    // rebalances resume from what the group committed.
    rebalanceListener: {
      assigned: async (tps) => {
        if (!firstAssignment || o.offset.kind === 'beginning' || o.offset.kind === 'end') return
        firstAssignment = false
        await seek(consumer, o.offset, tps)
      },
    },
  })
  let seen = 0
  try {
    if (options.groupId !== undefined) consumer.subscribe(topics)
    else {
      consumer.assign(partitions)
      await seek(consumer, o.offset, partitions)
    }
    if (o.count === 0) return 0
    for await (const m of consumer) {
      if (!process.stdout.write(`${print(m)}\n`)) await new Promise((r) => process.stdout.once('drain', r))
      if (++seen === o.count) break // break releases the last record, so close() commits it
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await consumer.close()
  }
  if (o.count !== undefined && seen < o.count && !stop.signal.aborted) throw new CliError(`stopped after ${seen} of ${o.count} records`)
  return 0
}
