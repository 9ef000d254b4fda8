// Time segments for persistent window and session stores (Kafka's segmented stores): entries are
// grouped by time into segments of `interval` ms, each its own byte store (an LMDB environment
// under `<dir>/<segment id>`, or a map in memory when there is no state directory), so expiring
// old windows drops whole segments instead of deleting entries one by one. Keys inside a segment
// end with big-endian, order-preserving encodings of the times (sortableTime), so a range scan
// over one record key returns its windows in time order.
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { BytesKeyValueStore } from './bytes-store.ts'
import { InMemoryBytesStore } from './bytes-store.ts'
import { LmdbBytesStore } from './lmdb-store.ts'

/** Kafka's default segment interval: half the retention, at least a minute. */
export const segmentIntervalFor = (retentionMs: number): number => Math.max(Math.floor(retentionMs / 2), 60_000)

export class Segments {
  private readonly open = new Map<number, BytesKeyValueStore>()
  private ids: number[] = []

  /** `dir` null: segments in memory. */
  constructor(private readonly dir: string | null, readonly interval: number) {
    if (dir === null) return
    mkdirSync(dir, { recursive: true })
    for (const f of readdirSync(dir)) {
      const id = Number(f)
      if (Number.isInteger(id)) this.open.set(id, new LmdbBytesStore(join(dir, f)))
    }
    this.sortIds()
  }

  get persistent(): boolean {
    return this.dir !== null
  }

  private sortIds(): void {
    this.ids = [...this.open.keys()].sort((a, b) => a - b)
  }

  idOf(time: number): number {
    return Math.floor(time / this.interval)
  }

  get(time: number): BytesKeyValueStore | undefined {
    return this.open.get(this.idOf(time))
  }

  getOrCreate(time: number): BytesKeyValueStore {
    const id = this.idOf(time)
    let s = this.open.get(id)
    if (s === undefined) {
      s = this.dir === null ? new InMemoryBytesStore() : new LmdbBytesStore(join(this.dir, String(id)))
      this.open.set(id, s)
      this.sortIds()
    }
    return s
  }

  /** Segments that may hold times in [from, to], oldest first. */
  between(from: number, to: number): BytesKeyValueStore[] {
    const lo = from === -Infinity ? -Infinity : this.idOf(from)
    const hi = to === Infinity ? Infinity : this.idOf(to)
    return this.ids.filter((id) => id >= lo && id <= hi).map((id) => this.open.get(id)!)
  }

  /** The newest segment (to find the store's stream time after reopening it). */
  newest(): BytesKeyValueStore | undefined {
    return this.ids.length === 0 ? undefined : this.open.get(this.ids[this.ids.length - 1]!)
  }

  /** Drops the segments whose every time is <= limit. */
  expire(limit: number): void {
    if (this.ids.length === 0 || limit === -Infinity) return
    const live = this.idOf(limit + 1)
    let dropped = false
    for (const id of this.ids) {
      if (id >= live) break
      this.drop(id)
      dropped = true
    }
    if (dropped) this.sortIds()
  }

  private drop(id: number): void {
    const s = this.open.get(id)!
    this.open.delete(id)
    s.close()
    if (this.dir !== null) LmdbBytesStore.destroy(join(this.dir, String(id)))
  }

  clear(): void {
    for (const id of [...this.open.keys()]) this.drop(id)
    this.ids = []
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true })
    if (this.dir !== null) mkdirSync(this.dir, { recursive: true })
  }

  flush(): void {
    for (const s of this.open.values()) s.flush()
  }

  close(): void {
    for (const s of this.open.values()) s.close()
  }
}

/** 8 bytes whose byte order is the numeric order of `t` (any double). */
export function writeSortableTime(b: Buffer, t: number, at: number): void {
  b.writeDoubleBE(t, at)
  if ((b[at]! & 0x80) !== 0) for (let i = at; i < at + 8; i++) b[i] = ~b[i]! & 0xff
  else b[at] = b[at]! | 0x80
}

export function readSortableTime(b: Buffer, at: number): number {
  const x = Buffer.from(b.subarray(at, at + 8))
  if ((x[0]! & 0x80) !== 0) x[0] = x[0]! & 0x7f
  else for (let i = 0; i < 8; i++) x[i] = ~x[i]! & 0xff
  return x.readDoubleBE(0)
}
