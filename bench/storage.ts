// `npm run bench -- storage [--mb N] [--fsync-ms N] [--reps N] [--compaction-only]`: Log append
// and read throughput beside the same run's plain-Node ceilings (a FileHandle.write loop of the
// same bytes; a plain sequential read), and one compaction pass. Prints figures; asserts nothing.
// Method and results: BENCHMARKS.md, "Storage".
import { execFileSync } from 'node:child_process'
import { open, readdir, rm } from 'node:fs/promises'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildRecordBatch } from '../src/protocol/records/batch-builder.ts'
import { cleanLog } from '../src/storage/cleaner.ts'
import { DEFAULT_LOG_CONFIG } from '../src/storage/config.ts'
import { Log } from '../src/storage/log.ts'
import { TailCacheBudget } from '../src/storage/tail-cache.ts'

export interface Figure {
  bytes: number
  batches: number
  ms: number
}

const mbps = (f: Figure) => f.bytes / 1e6 / (f.ms / 1000)
const perSec = (f: Figure) => f.batches / (f.ms / 1000)

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : dflt
}

/** Distinct copies of one batch of ~`size` bytes (the Log stamps offsets into its input). */
export function batchPool(size: number, count: number): Buffer[] {
  const template = buildRecordBatch({ records: [{ value: Buffer.alloc(size - 72, 0x61), timestamp: Date.now() }] })
  return Array.from({ length: count }, () => Buffer.from(template))
}

export async function plainAppend(dir: string, pool: Buffer[], limitBytes: number, limitMs: number, fsync: boolean): Promise<Figure> {
  const fh = await open(join(dir, 'plain.bin'), 'w')
  let bytes = 0
  let batches = 0
  const t0 = performance.now()
  try {
    while (bytes < limitBytes && performance.now() - t0 < limitMs) {
      const b = pool[batches % pool.length]!
      await fh.write(b, 0, b.length, bytes)
      if (fsync) await fh.datasync()
      bytes += b.length
      batches++
    }
  } finally {
    await fh.close()
  }
  const ms = performance.now() - t0
  await rm(join(dir, 'plain.bin'))
  return { bytes, batches, ms }
}

export async function logAppend(
  dir: string, pool: Buffer[], limitBytes: number, limitMs: number, fsync: boolean, inFlight: number): Promise<{ fig: Figure; log: Log }> {
  const config = { ...DEFAULT_LOG_CONFIG, segmentBytes: 256 * 1024 * 1024, ...(fsync ? { flushMessages: 1 } : { flushMs: 3_600_000 }) }
  const log = await Log.open({ dir, config })
  let bytes = 0
  let batches = 0
  const t0 = performance.now()
  const worker = async () => {
    while (bytes < limitBytes && performance.now() - t0 < limitMs) {
      const b = pool[batches % pool.length]!
      bytes += b.length
      batches++
      await log.append(b)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return { fig: { bytes, batches, ms: performance.now() - t0 }, log }
}

async function plainRead(dir: string): Promise<Figure> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort()
  const buf = Buffer.allocUnsafe(1024 * 1024)
  let bytes = 0
  let batches = 0
  const t0 = performance.now()
  for (const f of files) {
    const fh = await open(join(dir, f), 'r')
    let pos = 0
    for (;;) {
      // A fresh buffer per read, as a reader handing data to a socket must.
      const { bytesRead } = await fh.read(Buffer.allocUnsafe(buf.length), 0, buf.length, pos)
      if (bytesRead === 0) break
      pos += bytesRead
      bytes += bytesRead
      batches++
    }
    await fh.close()
  }
  return { bytes, batches, ms: performance.now() - t0 }
}

/** Reads the whole log like a consumer at 1 MiB per fetch (every batch holds one record of one size). */
async function logRead(log: Log, batchBytes: number): Promise<Figure> {
  let offset = log.logStartOffset
  let bytes = 0
  let batches = 0
  const t0 = performance.now()
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, 1024 * 1024)
    bytes += r.bytes
    const n = r.bytes / batchBytes
    batches += n
    offset += n
  }
  return { bytes, batches, ms: performance.now() - t0 }
}

function row(label: string, f: Figure, ceiling: Figure): string {
  const pct = ((mbps(f) / mbps(ceiling)) * 100).toFixed(0)
  return `${label.padEnd(50)} ${mbps(f).toFixed(0).padStart(6)} MB/s ${perSec(f).toFixed(0).padStart(8)} batches/s   ceiling ${mbps(ceiling).toFixed(0).padStart(6)} MB/s   ${pct.padStart(4)}%`
}

/**
 * Runs the candidate and its ceiling alternately `reps` times (after one unmeasured warm-up pair)
 * and keeps the median throughput of each, so that machine noise hits both alike.
 */
async function paired(reps: number, fn: () => Promise<Figure>, ceiling: () => Promise<Figure>): Promise<[Figure, Figure]> {
  const a: Figure[] = []
  const b: Figure[] = []
  for (let i = 0; i <= reps; i++) {
    execFileSync('sync') // start without someone else's dirty pages being written back
    const c = await ceiling()
    execFileSync('sync')
    const f = await fn()
    if (i > 0) {
      a.push(f)
      b.push(c)
    }
  }
  const med = (xs: Figure[]) => xs.sort((x, y) => mbps(x) - mbps(y))[Math.floor(xs.length / 2)]!
  return [med(a), med(b)]
}

/** One forced compaction pass over `mb` MB of 16-record batches of ~100-byte values on 10,000 keys. */
async function compactionRun(root: string, mb: number, compression: number): Promise<void> {
  const dir = join(root, `compact-${compression}`)
  const config = { ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'compact' as const, segmentBytes: 16 * 1024 * 1024, flushMs: 3_600_000 }
  const log = await Log.open({ dir, config })
  const value = Buffer.alloc(100, 0x62)
  let i = 0
  while (log.size < mb * 1024 * 1024) {
    const records = Array.from({ length: 16 }, () => ({ key: Buffer.from(`key-${i++ % 10_000}`), value, timestamp: Date.now() }))
    await log.append(buildRecordBatch({ records, compression }))
  }
  await log.roll()
  const before = log.size
  const t0 = performance.now()
  const r = await cleanLog(log, { now: Date.now(), firstDirtyOffset: 0, force: true })
  const ms = performance.now() - t0
  const codec = compression === 0 ? 'uncompressed' : 'zstd'
  console.log(
    `compaction, ${codec}, ${(before / 1e6).toFixed(0)} MB -> ${((r?.bytesAfter ?? 0) / 1e6).toFixed(1)} MB`.padEnd(50) +
      ` ${(before / 1e6 / (ms / 1000)).toFixed(0).padStart(6)} MB/s  (${(i / (ms / 1000)).toFixed(0)} records/s)`,
  )
  await log.close()
  await rm(dir, { recursive: true, force: true })
}

export async function run(args: string[]): Promise<void> {
  const limitMb = arg(args, '--mb', 96)
  const fsyncMs = arg(args, '--fsync-ms', 1000)
  const reps = arg(args, '--reps', 3)
  const root = await mkdtemp(join(tmpdir(), 'samsa-bench-storage-'))
  console.log(`storage bench: node ${process.version}, up to ${limitMb} MB per run (fsync runs: ${fsyncMs} ms), median of ${reps} alternating runs, dir ${root}`)
  let n = 0
  const appendRun = async (pool: Buffer[], limit: number, ms: number, fsync: boolean, inFlight: number) => {
    const dir = join(root, `run-${n++}`)
    const { fig, log } = await logAppend(dir, pool, limit, ms, fsync, inFlight)
    await log.close()
    await rm(dir, { recursive: true, force: true })
    return fig
  }
  try {
    for (const size of args.includes('--compaction-only') ? [] : [1024, 16 * 1024, 1024 * 1024]) {
      const label = size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : `${size / 1024} KiB`
      const pool = batchPool(size, Math.max(2, Math.min(256, Math.floor((64 * 1024 * 1024) / size))))
      const limit = limitMb * 1024 * 1024
      for (const fsync of [false, true]) {
        const ms = fsync ? fsyncMs : 60_000
        const plain = () => plainAppend(root, pool, limit, ms, fsync)
        const [seq, ceiling] = await paired(reps, () => appendRun(pool, limit, ms, fsync, 1), plain)
        console.log(row(`append ${label}${fsync ? ' fsync-before-ack' : ''}, 1 in flight`, seq, ceiling))
        // Several appends in flight (as with several producers): validation overlaps the writes,
        // and with fsync-before-ack one fdatasync covers every append queued behind it.
        const inFlight = fsync ? 16 : 4
        const [piped, ceiling2] = await paired(reps, () => appendRun(pool, limit, ms, fsync, inFlight), plain)
        console.log(row(`append ${label}${fsync ? ' fsync-before-ack' : ''}, ${inFlight} in flight`, piped, ceiling2))
      }
      // Sequential read of one log written for the purpose (page cache warm for both readers).
      const { log } = await logAppend(join(root, 'read'), pool, limit, 60_000, false, 1)
      await log.close()
      // Crash recovery: re-validate the whole log (recovery point 0) as after a kill -9.
      const t0 = performance.now()
      const recovered = await Log.open({ dir: log.dir, config: log.config, recoveryPoint: 0 })
      const recoveryMs = performance.now() - t0
      const mb = recovered.size / 1e6
      console.log(`recovery of ${label} batches (validate ${mb.toFixed(0)} MB)`.padEnd(50) + ` ${(mb / (recoveryMs / 1000)).toFixed(0).padStart(6)} MB/s`)
      await recovered.close()
      const reopened = await Log.open({ dir: log.dir, config: log.config, cleanShutdown: true })
      const [read, plain] = await paired(reps, () => logRead(reopened, pool[0]!.length), () => plainRead(log.dir))
      console.log(row(`read ${label} sequential (1 MiB fetches, from file)`, read, plain))
      await reopened.close()
      await rm(join(root, 'read'), { recursive: true, force: true })
      // Consumers at the log end: the same reads served by the tail cache (budget > log size).
      // It keeps copies of small appends only (src/storage/tail-cache.ts).
      if (pool[0]!.length > 4096) continue
      const cached = await Log.open({ dir: join(root, 'cached'), config: log.config, tailCache: new TailCacheBudget(512 * 1024 * 1024) })
      for (let i = 0, bytes = 0; bytes < limit; i++, bytes += pool[0]!.length) await cached.append(Buffer.from(pool[i % pool.length]!))
      const [hit, plain2] = await paired(reps, () => logRead(cached, pool[0]!.length), () => plainRead(cached.dir))
      console.log(row(`read ${label} sequential (1 MiB fetches, tail cache)`, hit, plain2))
      await cached.close()
      await rm(join(root, 'cached'), { recursive: true, force: true })
    }
    for (const compression of [0, 4]) await compactionRun(root, Math.min(limitMb, 64), compression)
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}
