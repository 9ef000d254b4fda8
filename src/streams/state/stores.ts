// Store builders (Kafka's `Stores`): a store is declared once in the topology and built per task,
// in memory or on disk, with its changelog on (the default) or off.
import { join } from 'node:path'
import type { Serde } from '../serdes.ts'
import { Serdes } from '../serdes.ts'
import { InMemoryBytesStore } from './bytes-store.ts'
import type { BytesKeyValueStore } from './bytes-store.ts'
import { KeyValueStore, plainCodec, timestampedCodec } from './kv-store.ts'
import type { ChangeLogger, RestorableStore, ValueAndTimestamp, ValueCodec } from './kv-store.ts'
import { LmdbBytesStore } from './lmdb-store.ts'
import { InMemoryWindowStore } from './window-store.ts'
import type { WindowStore } from './window-store.ts'
import { InMemorySessionStore } from './session-store.ts'
import type { SessionStore } from './session-store.ts'
import { PersistentWindowStore } from './persistent-window-store.ts'
import { PersistentSessionStore } from './persistent-session-store.ts'

/** What a store gets when its task builds it. */
export interface StoreBuildContext {
  taskId: string
  /** Directory for persistent stores of this task; null: persistent stores are kept in memory. */
  taskDir: string | null
  /** Null when logging is off (or while the store is a global one, fed by its own topic). */
  logger: ChangeLogger | null
  /** `statestore.cache.max.bytes` for a store with caching on; 0 or absent: no cache. */
  cacheMaxBytes?: number
}

/** Kafka's `statestore.cache.max.bytes` default. */
export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 * 1024

/** What one cached key is reckoned to cost (keys are counted, not measured). */
export const CACHE_ENTRY_BYTES = 100

export interface StoreBuilder<S extends RestorableStore = RestorableStore> {
  readonly name: string
  readonly logged: boolean
  readonly persistent: boolean
  build(ctx: StoreBuildContext): S
  withLoggingDisabled(): StoreBuilder<S>
  /** Key-value stores: a record cache in front (Kafka's withCachingEnabled; the DSL's aggregations have it). */
  readonly cached: boolean
  withCachingEnabled(): StoreBuilder<S>
  withCachingDisabled(): StoreBuilder<S>
}

export interface KeyValueBytesStoreSupplier {
  readonly name: string
  readonly persistent: boolean
  get(taskDir: string | null): BytesKeyValueStore
}

export interface WindowStoreSupplier {
  readonly name: string
  readonly retentionMs: number
  readonly windowSizeMs: number
  readonly retainDuplicates: boolean
  /** On disk (time segments in LMDB) or in memory. */
  readonly persistent: boolean
}

export interface SessionStoreSupplier {
  readonly name: string
  readonly retentionMs: number
  readonly persistent: boolean
}

function windowStore<K, V>(s: WindowStoreSupplier, ctx: StoreBuildContext, keySerde: Serde<K>, codec: ValueCodec<V>): WindowStore<K, V> {
  if (!s.persistent) return new InMemoryWindowStore(s.name, s.retentionMs, s.windowSizeMs, s.retainDuplicates, keySerde, codec, ctx.logger)
  return new PersistentWindowStore(s.name, s.retentionMs, s.windowSizeMs, s.retainDuplicates, keySerde, codec, ctx.logger, ctx.taskDir === null ? null : join(ctx.taskDir, s.name))
}

function sessionStore<K, V>(s: SessionStoreSupplier, ctx: StoreBuildContext, keySerde: Serde<K>, codec: ValueCodec<V>): SessionStore<K, V> {
  if (!s.persistent) return new InMemorySessionStore(s.name, s.retentionMs, keySerde, codec, ctx.logger)
  return new PersistentSessionStore(s.name, s.retentionMs, keySerde, codec, ctx.logger, ctx.taskDir === null ? null : join(ctx.taskDir, s.name))
}

class Builder<S extends RestorableStore> implements StoreBuilder<S> {
  constructor(readonly name: string, readonly persistent: boolean, private readonly make: (ctx: StoreBuildContext) => S, readonly logged = true, readonly cached = false) {}
  build(ctx: StoreBuildContext): S {
    return this.make({ ...ctx, logger: this.logged ? ctx.logger : null, cacheMaxBytes: this.cached ? ctx.cacheMaxBytes ?? 0 : 0 })
  }
  withLoggingDisabled(): StoreBuilder<S> {
    return new Builder(this.name, this.persistent, this.make, false, this.cached)
  }
  withCachingEnabled(): StoreBuilder<S> {
    return new Builder(this.name, this.persistent, this.make, this.logged, true)
  }
  withCachingDisabled(): StoreBuilder<S> {
    return new Builder(this.name, this.persistent, this.make, this.logged, false)
  }
}

const cacheEntries = (ctx: StoreBuildContext): number => Math.floor((ctx.cacheMaxBytes ?? 0) / CACHE_ENTRY_BYTES)

export const Stores = {
  inMemoryKeyValueStore: (name: string): KeyValueBytesStoreSupplier => ({ name, persistent: false, get: () => new InMemoryBytesStore() }),
  /** LMDB under the task's state directory (in memory when the runtime has no state directory). */
  persistentKeyValueStore: (name: string): KeyValueBytesStoreSupplier => ({
    name, persistent: true,
    get: (dir) => (dir === null ? new InMemoryBytesStore() : new LmdbBytesStore(join(dir, name))),
  }),
  inMemoryWindowStore: (name: string, retentionMs: number, windowSizeMs: number, retainDuplicates: boolean): WindowStoreSupplier => ({ name, retentionMs, windowSizeMs, retainDuplicates, persistent: false }),
  /** Time segments in LMDB under the task's state directory (in memory when the runtime has no state directory). */
  persistentWindowStore: (name: string, retentionMs: number, windowSizeMs: number, retainDuplicates: boolean): WindowStoreSupplier => ({ name, retentionMs, windowSizeMs, retainDuplicates, persistent: true }),
  inMemorySessionStore: (name: string, retentionMs: number): SessionStoreSupplier => ({ name, retentionMs, persistent: false }),
  persistentSessionStore: (name: string, retentionMs: number): SessionStoreSupplier => ({ name, retentionMs, persistent: true }),

  keyValueStoreBuilder<K, V>(s: KeyValueBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>): StoreBuilder<KeyValueStore<K, V>> {
    return new Builder(s.name, s.persistent, (ctx) => new KeyValueStore(s.name, keySerde, plainCodec(valueSerde), s.get(ctx.taskDir), ctx.logger, s.name, cacheEntries(ctx)))
  },
  timestampedKeyValueStoreBuilder<K, V>(s: KeyValueBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>): StoreBuilder<KeyValueStore<K, ValueAndTimestamp<V>>> {
    return new Builder(s.name, s.persistent, (ctx) => new KeyValueStore(s.name, keySerde, timestampedCodec(valueSerde), s.get(ctx.taskDir), ctx.logger, s.name, cacheEntries(ctx)))
  },
  windowStoreBuilder<K, V>(s: WindowStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>): StoreBuilder<WindowStore<K, V>> {
    return new Builder(s.name, s.persistent, (ctx) => windowStore(s, ctx, keySerde, plainCodec(valueSerde)))
  },
  timestampedWindowStoreBuilder<K, V>(s: WindowStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>): StoreBuilder<WindowStore<K, ValueAndTimestamp<V>>> {
    return new Builder(s.name, s.persistent, (ctx) => windowStore(s, ctx, keySerde, timestampedCodec(valueSerde)))
  },
  sessionStoreBuilder<K, V>(s: SessionStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>): StoreBuilder<SessionStore<K, V>> {
    return new Builder(s.name, s.persistent, (ctx) => sessionStore(s, ctx, keySerde, plainCodec(valueSerde)))
  },
} as const

export const defaultSerde = <T>(): Serde<T> => Serdes.JSON<T>()
