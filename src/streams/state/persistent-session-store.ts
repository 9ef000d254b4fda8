// Persistent session stores: aggregates per (key, session [start, end]) in time segments by
// session end on local disk (LMDB, segments.ts), kept for `retentionMs` behind the largest session
// end put, as Kafka's RocksDB session store. Entry keys are [key bytes][8-byte sortable end]
// [8-byte sortable start], so one key's sessions scan in end order; changelog records use the
// in-memory store's layout ([key][end][start] as doubles), so either kind restores from one changelog.
import type { Serde } from '../serdes.ts'
import type { ChangeLogger, ValueCodec } from './kv-store.ts'
import { keyBytesOf } from './bytes-store.ts'
import { Segments, readSortableTime, segmentIntervalFor, writeSortableTime } from './segments.ts'
import { sessionChangelogKey } from './session-store.ts'
import type { SessionStore } from './session-store.ts'
import type { Windowed } from './window-store.ts'

const SUFFIX = 16

function entryKey(k: Buffer, start: number, end: number): Buffer {
  const b = Buffer.allocUnsafe(k.length + SUFFIX)
  k.copy(b, 0)
  writeSortableTime(b, end, k.length)
  writeSortableTime(b, start, k.length + 8)
  return b
}

export class PersistentSessionStore<K, V> implements SessionStore<K, V> {
  private readonly segments: Segments
  private observed = -Infinity

  constructor(
    readonly name: string,
    readonly retentionMs: number,
    private readonly keySerde: Serde<K>,
    private readonly codec: ValueCodec<V>,
    private readonly logger: ChangeLogger | null,
    /** Null: the segments are kept in memory (no state directory). */
    dir: string | null,
  ) {
    this.segments = new Segments(dir, segmentIntervalFor(retentionMs))
    for (const [k] of this.segments.newest()?.range(null, null) ?? []) {
      if (k.length < SUFFIX) continue
      const end = readSortableTime(k, k.length - SUFFIX)
      if (end > this.observed) this.observed = end
    }
  }

  get persistent(): boolean {
    return this.segments.persistent
  }

  private keyBytes(k: K): Buffer {
    return keyBytesOf(this.keySerde, k, this.name, this.name)
  }

  private get limit(): number {
    return this.observed - this.retentionMs
  }

  put(session: Windowed<K>, value: V | null): void {
    const k = this.keyBytes(session.key)
    const v = value === null ? null : this.codec.encode(value, this.name)
    this.putBytes(k, session.window.start, session.window.end, v)
    this.logger?.log(sessionChangelogKey(k, session.window.start, session.window.end), v, session.window.end)
  }

  remove(session: Windowed<K>): void {
    this.put(session, null)
  }

  private putBytes(k: Buffer, start: number, end: number, v: Buffer | null): void {
    if (end > this.observed) {
      this.observed = end
      this.segments.expire(this.limit)
    }
    if (v === null) {
      this.segments.get(end)?.put(entryKey(k, start, end), null)
      return
    }
    if (end <= this.limit) return
    this.segments.getOrCreate(end).put(entryKey(k, start, end), v)
  }

  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): { key: Windowed<K>; value: V }[] {
    const k = this.keyBytes(key)
    const lo = Math.max(earliestSessionEndTime, this.limit + 1)
    const out: { key: Windowed<K>; value: V }[] = []
    const first = entryKey(k, -Infinity, lo)
    const last = entryKey(k, Infinity, Infinity)
    for (const seg of this.segments.between(lo, Infinity)) {
      for (const [e, v] of seg.range(first, last)) {
        if (e.length !== k.length + SUFFIX || e.compare(k, 0, k.length, 0, k.length) !== 0) continue
        const end = readSortableTime(e, k.length)
        const start = readSortableTime(e, k.length + 8)
        if (end < lo || start > latestSessionStartTime) continue
        out.push({ key: { key, window: { start, end } }, value: this.codec.decode(v, this.name) })
      }
    }
    return out
  }

  fetchSession(key: K, start: number, end: number): V | null {
    if (end <= this.limit) return null
    const b = this.segments.get(end)?.get(entryKey(this.keyBytes(key), start, end))
    return b === undefined ? null : this.codec.decode(b, this.name)
  }

  fetch(key: K): { key: Windowed<K>; value: V }[] {
    return this.findSessions(key, -Infinity, Infinity)
  }

  restore(key: Buffer, value: Buffer | null): void {
    const n = key.length - 16
    this.putBytes(Buffer.from(key.subarray(0, n)), key.readDoubleBE(n + 8), key.readDoubleBE(n), value)
  }

  wipe(): void {
    this.segments.clear()
    this.observed = -Infinity
  }

  flush(): void {
    this.segments.flush()
  }

  close(): void {
    this.segments.close()
  }
}
