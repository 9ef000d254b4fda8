// `samsa produce TOPIC`: one record per line from stdin or a file (-k SEP splits off a key), sent
// with the idempotent producer; prints how many records the cluster acknowledged. Reading pauses
// when the producer's buffer is full (send() waits), so any input size streams through.
import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { SingleBar, Presets } from 'cli-progress'
import { Admin, Producer } from '../../client/index.ts'
import type { ProducerOptions, RecordMetadata } from '../../client/index.ts'
import type { Context } from './common.ts'
import { integer, printJson } from './common.ts'
import { CliError } from './errors.ts'
import { splitKeyValue } from './properties.ts'

export interface ProduceOptions {
  keySeparator?: string
  header?: string[]
  partition?: number
  file?: string
}

const COMPRESSION = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

function producerOptions(ctx: Context): ProducerOptions {
  const o: ProducerOptions = { ...ctx.client }
  const acks = ctx.props.get('acks') ?? ctx.props.get('request.required.acks')
  if (acks !== undefined) {
    if (!['0', '1', '-1', 'all'].includes(acks)) throw new CliError(`acks=${acks} is not 0, 1, -1 or all`)
    o.acks = acks === 'all' ? 'all' : (Number(acks) as 0 | 1 | -1)
  }
  const compression = ctx.props.get('compression.type') ?? ctx.props.get('compression.codec')
  if (compression !== undefined) {
    if (!(COMPRESSION as readonly string[]).includes(compression)) throw new CliError(`compression.type=${compression} is not one of ${COMPRESSION.join(', ')}`)
    o.compression = compression as ProducerOptions['compression']
  }
  const linger = ctx.props.get('linger.ms')
  if (linger !== undefined) o.lingerMs = integer(linger, 'linger.ms')
  const idempotence = ctx.props.get('enable.idempotence')
  if (idempotence !== undefined) o.idempotent = idempotence === 'true'
  return o
}

/** A progress bar on stderr for a file on a terminal; a no-op otherwise (pipes, scripts, tests). */
function progress(file: string | undefined): { update(bytes: number): void; stop(): void } {
  if (file === undefined || !process.stderr.isTTY) return { update() {}, stop() {} }
  const bar = new SingleBar({ stream: process.stderr, format: 'producing {bar} {percentage}% | {value}/{total} bytes | {records} records', hideCursor: true }, Presets.shades_classic)
  bar.start(statSync(file).size, 0, { records: 0 })
  let records = 0
  return { update: (bytes) => bar.update(bytes, { records: ++records }), stop: () => bar.stop() }
}

export async function produce(ctx: Context, topic: string, o: ProduceOptions): Promise<number> {
  const headers = (o.header ?? []).map((h) => {
    const [key, value] = splitKeyValue(h, '-H')
    return { key, value: Buffer.from(value) }
  })
  if (o.keySeparator === '') throw new CliError('-k needs a non-empty separator')
  // The topic must exist (no silent auto-creation from a typo), and the partition with it.
  const admin = new Admin(ctx.client)
  try {
    const [t] = await admin.describeTopics([topic])
    if (o.partition !== undefined && o.partition >= t!.partitions.length) throw new CliError(`topic '${topic}' has no partition ${o.partition} (it has ${t!.partitions.length})`)
  } finally {
    await admin.close()
  }
  let input: NodeJS.ReadableStream & { bytesRead?: number }
  if (o.file !== undefined) {
    try {
      statSync(o.file)
    } catch (err) {
      throw new CliError(`cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code}`)
    }
    input = createReadStream(o.file)
  } else {
    input = process.stdin
  }
  const bar = progress(o.file)
  const producer = new Producer({ ...producerOptions(ctx), allowAutoTopicCreation: false })
  let sent = 0
  let acked = 0
  let firstError: unknown = null
  const pending = new Set<Promise<RecordMetadata | void>>()
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      let key: string | null = null
      let value = line
      if (o.keySeparator !== undefined) {
        const i = line.indexOf(o.keySeparator)
        if (i >= 0) {
          key = line.slice(0, i)
          value = line.slice(i + o.keySeparator.length)
        }
      }
      sent++
      const p = producer.send({ topic, key, value, headers, partition: o.partition })
        .then(() => void acked++, (err: unknown) => void (firstError ??= err))
      pending.add(p)
      void p.finally(() => pending.delete(p))
      bar.update(input.bytesRead ?? 0)
      if (firstError !== null) break
    }
    await producer.flush()
    await Promise.all(pending)
  } finally {
    bar.stop()
    await producer.close()
  }
  if (firstError !== null) {
    const reason = (firstError as Error).message
    throw new CliError(`${acked} of ${sent} records acknowledged; ${reason}`)
  }
  if (ctx.json) printJson({ topic, acknowledged: acked })
  else process.stdout.write(`${acked} records acknowledged by ${topic}\n`)
  return 0
}
