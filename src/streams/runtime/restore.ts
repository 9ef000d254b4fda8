// Restoring state stores from their changelog topics: for each logged store of a task, read its
// changelog partition from the checkpointed offset (a persistent store whose checkpoint is there)
// or from the beginning (after wiping the store) up to the end offset — the last stable offset
// under exactly-once, so aborted writes are never restored — and apply every record to the store.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Admin, ClientOptions, TopicPartition } from '../../client/index.ts'
import { Consumer } from '../../client/index.ts'
import type { RestorableStore } from '../state/kv-store.ts'
import { nextOrTick } from './next-or-tick.ts'

export interface RestoreListener {
  onRestoreStart?(tp: TopicPartition, store: string, startOffset: number, endOffset: number): void
  onBatchRestored?(tp: TopicPartition, store: string, batchEndOffset: number, restored: number): void
  onRestoreEnd?(tp: TopicPartition, store: string, totalRestored: number): void
}

export interface RestoreJob {
  store: RestorableStore
  tp: TopicPartition
  /** From the checkpoint (or a standby's position); null: restore from the beginning. */
  from: number | null
  /** Set by restoreStores: the changelog offset the store now reflects (the end it restored to). */
  end?: number
}

const CHECKPOINT = '.checkpoint'

export function readCheckpoint(taskDir: string | null): Map<string, number> {
  if (taskDir === null || !existsSync(join(taskDir, CHECKPOINT))) return new Map()
  try {
    return new Map(Object.entries(JSON.parse(readFileSync(join(taskDir, CHECKPOINT), 'utf8')) as Record<string, number>))
  } catch {
    return new Map()
  }
}

export function writeCheckpoint(taskDir: string | null, offsets: Map<string, number>): void {
  if (taskDir === null) return
  mkdirSync(taskDir, { recursive: true })
  writeFileSync(join(taskDir, CHECKPOINT), JSON.stringify(Object.fromEntries(offsets)))
}

export function deleteCheckpoint(taskDir: string | null): void {
  if (taskDir !== null) rmSync(join(taskDir, CHECKPOINT), { force: true })
}

export const cpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`

/** Restores every job; resolves with the number of records applied. */
export async function restoreStores(admin: Admin, client: ClientOptions, jobs: RestoreJob[], readCommitted: boolean, listener: RestoreListener | undefined): Promise<number> {
  if (jobs.length === 0) return 0
  const isolation = readCommitted ? 'read_committed' : 'read_uncommitted'
  const ends = await admin.listOffsets(jobs.map((j) => j.tp), 'latest', isolation)
  const starts = await admin.listOffsets(jobs.map((j) => j.tp), 'earliest')
  const active: { job: RestoreJob; end: number; count: number }[] = []
  jobs.forEach((job, i) => {
    if (job.from === null) job.store.wipe()
    const start = Math.max(job.from ?? 0, starts[i]!.offset)
    const end = ends[i]!.offset
    job.end = end
    if (start >= end) return
    listener?.onRestoreStart?.(job.tp, job.store.name, start, end)
    active.push({ job, end, count: 0 })
  })
  if (active.length === 0) return 0
  const consumer = new Consumer({ ...client, isolationLevel: isolation })
  const byTp = new Map(active.map((a) => [`${a.job.tp.topic}\u0000${a.job.tp.partition}`, a]))
  let total = 0
  try {
    consumer.assign(active.map((a) => a.job.tp))
    for (const a of active) consumer.seek({ ...a.job.tp, offset: Math.max(a.job.from ?? 0, starts[jobs.indexOf(a.job)]!.offset) })
    const it = consumer.batches()[Symbol.asyncIterator]()
    const done = () => active.every((a) => consumer.position(a.job.tp) >= a.end)
    let pending: Promise<IteratorResult<{ topic: string; partition: number; offset: number; key: Buffer | null; value: Buffer | null }[]>> | null = null
    while (!done()) {
      pending ??= it.next()
      const r = await nextOrTick(pending, 100)
      if (r === 'tick') continue
      pending = null
      if (r.done) break
      for (const m of r.value) {
        const a = byTp.get(`${m.topic}\u0000${m.partition}`)
        if (a === undefined || m.offset >= a.end) continue
        a.job.store.restore(m.key ?? Buffer.alloc(0), m.value)
        a.count++
        total++
      }
      for (const a of active) listener?.onBatchRestored?.(a.job.tp, a.job.store.name, consumer.position(a.job.tp), a.count)
    }
    for (const a of active) {
      a.job.store.flush()
      listener?.onRestoreEnd?.(a.job.tp, a.job.store.name, a.count)
    }
  } finally {
    await consumer.close()
  }
  return total
}
