// Persistent window stores: values per (key, window start) in time segments on local disk (LMDB,
// segments.ts), kept for `retentionMs` behind the largest window start put, as Kafka's RocksDB
// window store. Entry keys are [key bytes][8-byte sortable start][4-byte sequence] (the sequence
// tells duplicates apart when `retainDuplicates`); changelog records use the in-memory store's
// layout, so either kind restores from the same changelog. After reopening, the store's stream
// time is the largest window start in its newest segment.
import type { Serde } from '../serdes.ts'
import type { ChangeLogger, ValueCodec } from './kv-store.ts'
import { keyBytesOf, keyString } from './bytes-store.ts'
import { Segments, readSortableTime, segmentIntervalFor, writeSortableTime } from './segments.ts'
import { changelogKey, parseChangelogKey } from './window-store.ts'
import type { WindowStore, Windowed, WindowedValue } from './window-store.ts'

const SUFFIX = 12

function entryKey(k: Buffer, start: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(k.length + SUFFIX)
  k.copy(b, 0)
  writeSortableTime(b, start, k.length)
  b.writeUInt32BE(seq >>> 0, k.length + 8)
  return b
}

export class PersistentWindowStore<K, V> implements WindowStore<K, V> {
  private readonly segments: Segments
  private observed = -Infinity
  private seq = 0

  constructor(
    readonly name: string,
    readonly retentionMs: number,
    readonly windowSizeMs: number,
    readonly retainDuplicates: boolean,
    private readonly keySerde: Serde<K>,
    private readonly codec: ValueCodec<V>,
    private readonly logger: ChangeLogger | null,
    /** Null: the segments are kept in memory (no state directory). */
    dir: string | null,
  ) {
    this.segments = new Segments(dir, segmentIntervalFor(retentionMs))
    for (const [k] of this.segments.newest()?.range(null, null) ?? []) {
      if (k.length < SUFFIX) continue
      const start = readSortableTime(k, k.length - SUFFIX)
      if (start > this.observed) this.observed = start
      const seq = k.readUInt32BE(k.length - 4)
      if (seq > this.seq) this.seq = seq
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

  put(key: K, value: V | null, windowStart: number): void {
    const k = this.keyBytes(key)
    const v = value === null ? null : this.codec.encode(value, this.name)
    if (!this.observe(windowStart)) return
    const seq = this.retainDuplicates ? ++this.seq : 0
    this.putBytes(k, v, windowStart, seq)
    this.logger?.log(changelogKey(k, windowStart, seq), v, windowStart)
  }

  /** Moves stream time to `start` if later (dropping expired segments); false when `start` has expired. */
  private observe(start: number): boolean {
    if (start > this.observed) {
      this.observed = start
      this.segments.expire(this.limit)
    }
    return start > this.limit
  }

  private putBytes(k: Buffer, v: Buffer | null, start: number, seq: number): void {
    if (v === null) {
      if (!this.retainDuplicates) this.segments.get(start)?.put(entryKey(k, start, 0), null)
      return
    }
    this.segments.getOrCreate(start).put(entryKey(k, start, seq), v)
  }

  fetch(key: K, windowStart: number): V | null {
    if (windowStart <= this.limit) return null
    const seg = this.segments.get(windowStart)
    if (seg === undefined) return null
    const k = this.keyBytes(key)
    const b = this.retainDuplicates
      ? seg.range(entryKey(k, windowStart, 0), entryKey(k, windowStart, 0xffffffff)).find(([e]) => e.length === k.length + SUFFIX)?.[1]
      : seg.get(entryKey(k, windowStart, 0))
    return b === undefined ? null : this.codec.decode(b, this.name)
  }

  fetchRange(key: K, from: number, to: number): WindowedValue<V>[] {
    const k = this.keyBytes(key)
    const lo = Math.max(from, this.limit + 1)
    if (lo > to) return []
    const out: WindowedValue<V>[] = []
    const first = entryKey(k, lo, 0)
    const last = entryKey(k, to, 0xffffffff)
    for (const seg of this.segments.between(lo, to)) {
      for (const [e, v] of seg.range(first, last)) {
        if (e.length !== k.length + SUFFIX || e.compare(k, 0, k.length, 0, k.length) !== 0) continue
        out.push({ timestamp: readSortableTime(e, k.length), value: this.codec.decode(v, this.name) })
      }
    }
    return out
  }

  fetchAll(from: number, to: number): { key: Windowed<K>; value: V }[] {
    const lo = Math.max(from, this.limit + 1)
    const rows: { start: number; ks: string; seq: number; k: Buffer; v: Buffer }[] = []
    for (const seg of this.segments.between(lo, to)) {
      for (const [e, v] of seg.range(null, null)) {
        if (e.length < SUFFIX) continue
        const n = e.length - SUFFIX
        const start = readSortableTime(e, n)
        if (start < lo || start > to) continue
        const k = e.subarray(0, n)
        rows.push({ start, ks: keyString(k), seq: e.readUInt32BE(n + 8), k, v })
      }
    }
    rows.sort((a, b) => a.start - b.start || (a.ks < b.ks ? -1 : a.ks > b.ks ? 1 : a.seq - b.seq))
    return rows.map((r) => ({
      key: { key: this.keySerde.deserialize(r.k, this.name) as K, window: { start: r.start, end: r.start + this.windowSizeMs } },
      value: this.codec.decode(r.v, this.name),
    }))
  }

  all(): { key: Windowed<K>; value: V }[] {
    return this.fetchAll(-Infinity, Infinity)
  }

  restore(key: Buffer, value: Buffer | null): void {
    const { k, start, seq } = parseChangelogKey(key)
    if (seq >>> 0 > this.seq) this.seq = seq >>> 0
    if (this.observe(start)) this.putBytes(Buffer.from(k), value, start, seq >>> 0)
  }

  wipe(): void {
    this.segments.clear()
    this.observed = -Infinity
    this.seq = 0
  }

  flush(): void {
    this.segments.flush()
  }

  close(): void {
    this.segments.close()
  }
}
