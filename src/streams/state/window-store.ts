// Window stores (the interface), and in memory: values per (key, window start), kept for `retentionMs` behind the
// largest window start put (the store's own stream time), as Kafka's in-memory window store.
// With `retainDuplicates` (stream-stream joins) every put at the same key and time is kept.
// Changelog records are keyed [key bytes][8-byte start][4-byte sequence].
import type { Serde } from '../serdes.ts'
import type { ChangeLogger, RestorableStore, ValueCodec } from './kv-store.ts'
import { keyBytesOf, keyString } from './bytes-store.ts'

export interface Window {
  /** Inclusive. */
  start: number
  /** Exclusive for time windows, inclusive for session and sliding windows. */
  end: number
}

export interface Windowed<K> {
  key: K
  window: Window
}

export interface WindowedValue<V> {
  /** The window's start. */
  timestamp: number
  value: V
}

/** A window store (in memory here; on disk in persistent-window-store.ts). */
export interface WindowStore<K, V> extends RestorableStore {
  readonly retentionMs: number
  readonly windowSizeMs: number
  readonly retainDuplicates: boolean
  /** Stores (or with null and no duplicates, removes) the value of `key` in the window starting at `windowStart`. */
  put(key: K, value: V | null, windowStart: number): void
  /** The value of `key` in the window starting at `windowStart`. */
  fetch(key: K, windowStart: number): V | null
  /** Windows of `key` with from <= start <= to, by start (duplicates in put order). */
  fetchRange(key: K, from: number, to: number): WindowedValue<V>[]
  /** Every key's windows with from <= start <= to, by start then key bytes. */
  fetchAll(from: number, to: number): { key: Windowed<K>; value: V }[]
  all(): { key: Windowed<K>; value: V }[]
}

interface Slot {
  key: Buffer
  values: Buffer[]
}

export class InMemoryWindowStore<K, V> implements WindowStore<K, V> {
  readonly persistent = false
  /** window start -> key string -> slot. */
  private readonly segments = new Map<number, Map<string, Slot>>()
  private starts: number[] = []
  private startsSorted = true
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
  ) {}

  private keyBytes(k: K): Buffer {
    return keyBytesOf(this.keySerde, k, this.name, this.name)
  }

  /** Stores (or with null and no duplicates, removes) the value of `key` in the window starting at `windowStart`. */
  put(key: K, value: V | null, windowStart: number): void {
    const k = this.keyBytes(key)
    const v = value === null ? null : this.codec.encode(value, this.name)
    if (!this.putBytes(k, v, windowStart)) return
    const seq = this.retainDuplicates ? ++this.seq : 0
    this.logger?.log(changelogKey(k, windowStart, seq), v, windowStart)
  }

  /** False when the window has expired (nothing stored). */
  private putBytes(k: Buffer, v: Buffer | null, start: number): boolean {
    if (start > this.observed) {
      this.observed = start
      this.expire()
    }
    if (start <= this.observed - this.retentionMs) return false
    const ks = keyString(k)
    let seg = this.segments.get(start)
    if (v === null) {
      if (!this.retainDuplicates) seg?.delete(ks)
      return true
    }
    if (seg === undefined) {
      this.segments.set(start, (seg = new Map()))
      if (this.starts.length > 0 && start < this.starts[this.starts.length - 1]!) this.startsSorted = false
      this.starts.push(start)
    }
    const slot = seg.get(ks)
    if (slot === undefined) seg.set(ks, { key: k, values: [v] })
    else if (this.retainDuplicates) slot.values.push(v)
    else slot.values[0] = v
    return true
  }

  private sortedStarts(): number[] {
    if (!this.startsSorted) {
      this.starts.sort((a, b) => a - b)
      this.startsSorted = true
    }
    return this.starts
  }

  private expire(): void {
    const limit = this.observed - this.retentionMs
    const starts = this.sortedStarts()
    let i = 0
    while (i < starts.length && starts[i]! <= limit) this.segments.delete(starts[i++]!)
    if (i > 0) this.starts = starts.slice(i)
  }

  /** The value of `key` in the window starting at `windowStart`. */
  fetch(key: K, windowStart: number): V | null {
    if (windowStart <= this.observed - this.retentionMs) return null
    const slot = this.segments.get(windowStart)?.get(keyString(this.keyBytes(key)))
    return slot === undefined ? null : this.codec.decode(slot.values[0]!, this.name)
  }

  /** Windows of `key` with from <= start <= to, by start (duplicates in put order). */
  fetchRange(key: K, from: number, to: number): WindowedValue<V>[] {
    const ks = keyString(this.keyBytes(key))
    const out: WindowedValue<V>[] = []
    const lo = Math.max(from, this.observed - this.retentionMs + 1)
    for (const start of this.sortedStarts()) {
      if (start < lo) continue
      if (start > to) break
      const slot = this.segments.get(start)!.get(ks)
      if (slot !== undefined) for (const v of slot.values) out.push({ timestamp: start, value: this.codec.decode(v, this.name) })
    }
    return out
  }

  /** Every key's windows with from <= start <= to, by start then key bytes. */
  fetchAll(from: number, to: number): { key: Windowed<K>; value: V }[] {
    const out: { key: Windowed<K>; value: V }[] = []
    const lo = Math.max(from, this.observed - this.retentionMs + 1)
    for (const start of this.sortedStarts()) {
      if (start < lo) continue
      if (start > to) break
      const seg = this.segments.get(start)!
      for (const ks of [...seg.keys()].sort()) {
        const slot = seg.get(ks)!
        const key = this.keySerde.deserialize(slot.key, this.name) as K
        for (const v of slot.values) out.push({ key: { key, window: { start, end: start + this.windowSizeMs } }, value: this.codec.decode(v, this.name) })
      }
    }
    return out
  }

  all(): { key: Windowed<K>; value: V }[] {
    return this.fetchAll(-Infinity, Infinity)
  }

  restore(key: Buffer, value: Buffer | null): void {
    const { k, start } = parseChangelogKey(key)
    this.putBytes(k, value, start)
  }

  wipe(): void {
    this.segments.clear()
    this.starts = []
    this.observed = -Infinity
  }

  flush(): void {}

  close(): void {}
}

export function changelogKey(k: Buffer, start: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(k.length + 12)
  k.copy(b, 0)
  b.writeDoubleBE(start, k.length)
  b.writeInt32BE(seq | 0, k.length + 8)
  return b
}

export function parseChangelogKey(b: Buffer): { k: Buffer; start: number; seq: number } {
  const n = b.length - 12
  return { k: b.subarray(0, n), start: b.readDoubleBE(n), seq: b.readInt32BE(n + 8) }
}
