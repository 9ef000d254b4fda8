// Typed key-value stores over a byte store: keys and values through serdes, every change written to
// the store's changelog (when logging is on) through the task's ChangeLogger, and replayed from
// the changelog by `restore`. The DSL's stores are timestamped: a value carries the timestamp of
// the record that made it (8 bytes in front of the value bytes). With a record cache (Kafka's
// caching, `statestore.cache.max.bytes`), puts stay in a map of typed values until the cache is
// flushed (at commit, or when it holds too many keys): then each key's latest value is serialized
// once, written to the byte store and the changelog, and handed to the flush listener with the
// value the store had before (the DSL's aggregations forward their updates from there, so a key
// updated many times between commits is forwarded once, as with Kafka's cache). Flushed entries
// stay in the cache, clean, as Kafka's do: the next update of a key reads its value there, not
// from the byte store (with 100 ms exactly-once commits that read was most of a key's cost).
import type { RecordHeader } from '../../client/index.ts'
import type { StateStore } from '../processor/api.ts'
import type { Serde } from '../serdes.ts'
import type { BytesKeyValueStore } from './bytes-store.ts'
import { keyBytesOf } from './bytes-store.ts'

export interface ChangeLogger {
  /** Collects the change until the task's next commit (only each key's latest change is sent). */
  log(key: Buffer, value: Buffer | null, timestamp: number): void
  /**
   * Sends the change now, in order. For a store with a record cache, which already keeps one
   * update per key between flushes: no per-key map of changes kept until the commit. A store uses
   * either this or `log`, never both (the two would reorder a key's changes).
   */
  logNow?(key: Buffer, value: Buffer | null, timestamp: number): void
}

/** A store that can be rebuilt from its changelog. */
export interface RestorableStore extends StateStore {
  /** Applies one changelog record (no logging). */
  restore(key: Buffer, value: Buffer | null): void
  /** Drops all content (before restoring from the changelog's beginning). */
  wipe(): void
}

export interface KeyValue<K, V> {
  key: K
  value: V
}

export interface ValueAndTimestamp<V> {
  value: V
  timestamp: number
}

export interface ValueCodec<V> {
  encode(v: V, topic: string): Buffer
  decode(b: Buffer, topic: string): V
}

export function plainCodec<V>(serde: Serde<V>): ValueCodec<V> {
  return {
    encode: (v, t) => serde.serialize(v, t) ?? Buffer.alloc(0),
    decode: (b, t) => serde.deserialize(b, t) as V,
  }
}

/** [8-byte timestamp][value bytes]. */
export function timestampedCodec<V>(serde: Serde<V>): ValueCodec<ValueAndTimestamp<V>> {
  return {
    encode(v, t) {
      const body = serde.serialize(v.value, t) ?? Buffer.alloc(0)
      const b = Buffer.allocUnsafe(8 + body.length)
      b.writeDoubleBE(v.timestamp, 0)
      body.copy(b, 8)
      return b
    },
    decode: (b, t) => ({ timestamp: b.readDoubleBE(0), value: serde.deserialize(b.subarray(8), t) as V }),
  }
}

interface CacheEntry<K, V> {
  key: K
  value: V | null
  timestamp: number
  /** The headers of the record that made the latest value (the flush listener forwards them). */
  headers: RecordHeader[]
  /** The value the byte store had when the entry became dirty. */
  old: V | null
  /** Already written to the byte store and changelog (a range read spilled it); still to forward. */
  written: boolean
  /** Updated since the last flush (in `dirtyEntries`); a clean entry is the byte store's value. */
  dirty: boolean
}

const NO_HEADERS: RecordHeader[] = []

/** Told each cached key's new and previous value when the cache is flushed. */
export type CacheFlushListener<K, V> = (key: K, newValue: V | null, oldValue: V | null, timestamp: number, headers: RecordHeader[]) => void

export class KeyValueStore<K, V> implements RestorableStore {
  private readonly cache: Map<unknown, CacheEntry<K, V>> | null
  /** The dirty entries, in the order they became dirty (the order the flush forwards them). */
  private dirtyEntries: CacheEntry<K, V>[] = []
  private flushListener: CacheFlushListener<K, V> | null = null

  constructor(
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly codec: ValueCodec<V>,
    private readonly inner: BytesKeyValueStore,
    private readonly logger: ChangeLogger | null,
    /** Topic name handed to serdes (the changelog's). */
    private readonly topic: string = name,
    /** Record cache size in keys; 0: no cache (every put goes through at once). */
    private readonly cacheMaxEntries = 0,
  ) {
    this.cache = cacheMaxEntries > 0 ? new Map() : null
  }

  /** True when puts are cached until flushCache(). */
  get cached(): boolean {
    return this.cache !== null
  }

  setFlushListener(listener: CacheFlushListener<K, V>): void {
    this.flushListener = listener
  }

  private cacheKey(k: K): unknown {
    return typeof k === 'string' || typeof k === 'number' ? k : this.keyBytes(k).toString('latin1')
  }

  /** True when the cache holds updates not flushed yet. */
  get dirty(): boolean {
    return this.dirtyEntries.length > 0
  }

  /** Writes every cached update to the byte store and changelog (each key once) and tells the flush listener; the entries stay, clean. */
  flushCache(): void {
    const entries = this.dirtyEntries
    if (entries.length === 0) return
    this.dirtyEntries = []
    // Written to the byte store before any is forwarded: a downstream read sees the whole flush.
    this.writeThrough(entries)
    for (const e of entries) {
      const { old, headers } = e
      e.dirty = false
      e.written = true
      e.old = null
      e.headers = NO_HEADERS
      this.flushListener?.(e.key, e.value, old, e.timestamp, headers)
    }
  }

  /** Writes cached updates through (they stay dirty for the flush listener), so byte-store reads see them. */
  private spill(): void {
    this.writeThrough(this.dirtyEntries)
  }

  /**
   * Writes the entries not written yet to the byte store (LMDB: in one transaction, no pending
   * copy kept until the commit) and sends them to the changelog at once: the cache already holds
   * one update per key, so nothing per key waits for the commit (under exactly-once's 100 ms
   * commits those per-key objects lived just long enough to be promoted, then died).
   */
  private writeThrough(entries: readonly CacheEntry<K, V>[]): void {
    const keys: Buffer[] = []
    const values: (Buffer | null)[] = []
    const logger = this.logger
    for (const e of entries) {
      if (e.written) continue
      e.written = true
      const k = this.keyBytes(e.key)
      const v = e.value === null ? null : this.codec.encode(e.value, this.topic)
      keys.push(k)
      values.push(v)
      if (logger !== null) {
        if (logger.logNow !== undefined) logger.logNow(k, v, e.timestamp)
        else logger.log(k, v, e.timestamp)
      }
    }
    if (keys.length === 0) return
    if (this.inner.putAll !== undefined) this.inner.putAll(keys, values)
    else for (let i = 0; i < keys.length; i++) this.inner.put(keys[i]!, values[i]!)
  }

  /** Over the bound: the oldest entries leave (a dirty one is flushed first, with the others, as Kafka evicts). */
  private evict(): void {
    const cache = this.cache!
    for (const [k, e] of cache) {
      if (cache.size <= this.cacheMaxEntries) return
      if (e.dirty) this.flushCache()
      cache.delete(k)
    }
  }

  private write(key: K, value: V | null, timestamp: number): void {
    const k = this.keyBytes(key)
    const v = value === null ? null : this.codec.encode(value, this.topic)
    this.inner.put(k, v)
    this.logger?.log(k, v, timestamp)
  }

  private getUncached(key: K): V | null {
    const b = this.inner.get(this.keyBytes(key))
    return b === undefined ? null : this.codec.decode(b, this.topic)
  }

  get persistent(): boolean {
    return this.inner.persistent
  }

  private keyBytes(k: K): Buffer {
    return keyBytesOf(this.keySerde, k, this.topic, this.name)
  }

  get(key: K): V | null {
    if (this.cache !== null) {
      const e = this.cache.get(this.cacheKey(key))
      if (e !== undefined) return e.value
    }
    return this.getUncached(key)
  }

  /** A null value deletes. `timestamp` goes to the changelog record; `headers` (cached stores) to the flush listener. */
  put(key: K, value: V | null, timestamp = 0, headers: RecordHeader[] = []): void {
    if (this.cache === null) return this.write(key, value, timestamp)
    const ck = this.cacheKey(key)
    const e = this.cache.get(ck)
    if (e !== undefined) {
      if (!e.dirty) {
        e.old = e.value
        e.dirty = true
        this.dirtyEntries.push(e)
      }
      e.value = value
      e.timestamp = timestamp
      e.headers = headers
      e.written = false
      return
    }
    const entry: CacheEntry<K, V> = { key, value, timestamp, headers, old: this.getUncached(key), written: false, dirty: true }
    this.cache.set(ck, entry)
    this.dirtyEntries.push(entry)
    if (this.cache.size > this.cacheMaxEntries) this.evict()
  }

  putIfAbsent(key: K, value: V): V | null {
    const old = this.get(key)
    if (old === null) this.put(key, value)
    return old
  }

  delete(key: K): V | null {
    const old = this.get(key)
    if (old !== null) this.put(key, null)
    return old
  }

  /** from <= key <= to by the keys' serialized bytes (a null bound is open). */
  range(from: K | null, to: K | null): KeyValue<K, V>[] {
    this.spill()
    const rows = this.inner.range(from === null ? null : this.keyBytes(from), to === null ? null : this.keyBytes(to))
    return rows.map(([k, v]) => ({ key: this.keySerde.deserialize(k, this.topic) as K, value: this.codec.decode(v, this.topic) }))
  }

  /** Entries whose serialized key starts with the serialized prefix. */
  prefixScan(prefix: K): KeyValue<K, V>[] {
    this.spill()
    const p = this.keyBytes(prefix)
    const end = Buffer.concat([p, Buffer.alloc(64, 0xff)])
    return this.inner.range(p, end).filter(([k]) => k.subarray(0, p.length).equals(p))
      .map(([k, v]) => ({ key: this.keySerde.deserialize(k, this.topic) as K, value: this.codec.decode(v, this.topic) }))
  }

  all(): KeyValue<K, V>[] {
    return this.range(null, null)
  }

  approximateNumEntries(): number {
    this.spill()
    return this.inner.count()
  }

  restore(key: Buffer, value: Buffer | null): void {
    // Restoration runs before processing (the cache is empty); a cached copy would be stale.
    if (this.cache !== null && this.cache.size > 0) this.cache.delete(this.cacheKey(this.keySerde.deserialize(key, this.topic) as K))
    this.inner.put(key, value)
  }

  wipe(): void {
    this.cache?.clear()
    this.dirtyEntries = []
    this.inner.clear()
  }

  flush(): void {
    this.spill()
    this.inner.flush()
  }

  close(): void {
    this.spill()
    this.inner.close()
  }
}

export type TimestampedKeyValueStore<K, V> = KeyValueStore<K, ValueAndTimestamp<V>>
