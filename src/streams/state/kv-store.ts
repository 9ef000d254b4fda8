// Typed key-value stores over a byte store: keys and values through serdes, every change written to
// the store's changelog (when logging is on) through the task's ChangeLogger, and replayed from
// the changelog by `restore`. The DSL's stores are timestamped: a value carries the timestamp of
// the record that made it (8 bytes in front of the value bytes).
import type { StateStore } from '../processor/api.ts'
import type { Serde } from '../serdes.ts'
import type { BytesKeyValueStore } from './bytes-store.ts'
import { keyBytesOf } from './bytes-store.ts'

export interface ChangeLogger {
  log(key: Buffer, value: Buffer | null, timestamp: number): void
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

export class KeyValueStore<K, V> implements RestorableStore {
  constructor(
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly codec: ValueCodec<V>,
    private readonly inner: BytesKeyValueStore,
    private readonly logger: ChangeLogger | null,
    /** Topic name handed to serdes (the changelog's). */
    private readonly topic: string = name,
  ) {}

  get persistent(): boolean {
    return this.inner.persistent
  }

  private keyBytes(k: K): Buffer {
    return keyBytesOf(this.keySerde, k, this.topic, this.name)
  }

  get(key: K): V | null {
    const b = this.inner.get(this.keyBytes(key))
    return b === undefined ? null : this.codec.decode(b, this.topic)
  }

  /** A null value deletes. `timestamp` goes to the changelog record. */
  put(key: K, value: V | null, timestamp = 0): void {
    const k = this.keyBytes(key)
    const v = value === null ? null : this.codec.encode(value, this.topic)
    this.inner.put(k, v)
    this.logger?.log(k, v, timestamp)
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
    const rows = this.inner.range(from === null ? null : this.keyBytes(from), to === null ? null : this.keyBytes(to))
    return rows.map(([k, v]) => ({ key: this.keySerde.deserialize(k, this.topic) as K, value: this.codec.decode(v, this.topic) }))
  }

  /** Entries whose serialized key starts with the serialized prefix. */
  prefixScan(prefix: K): KeyValue<K, V>[] {
    const p = this.keyBytes(prefix)
    const end = Buffer.concat([p, Buffer.alloc(64, 0xff)])
    return this.inner.range(p, end).filter(([k]) => k.subarray(0, p.length).equals(p))
      .map(([k, v]) => ({ key: this.keySerde.deserialize(k, this.topic) as K, value: this.codec.decode(v, this.topic) }))
  }

  all(): KeyValue<K, V>[] {
    return this.range(null, null)
  }

  approximateNumEntries(): number {
    return this.inner.count()
  }

  restore(key: Buffer, value: Buffer | null): void {
    this.inner.put(key, value)
  }

  wipe(): void {
    this.inner.clear()
  }

  flush(): void {
    this.inner.flush()
  }

  close(): void {
    this.inner.close()
  }
}

export type TimestampedKeyValueStore<K, V> = KeyValueStore<K, ValueAndTimestamp<V>>
