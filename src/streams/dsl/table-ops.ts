// KTable processors: updates flow as Change { newValue, oldValue } so that downstream operators
// can retract what they derived from the old value (table aggregations subtract it, joins replace
// their result). A source/materializing node reads the old value from its store; derived tables
// (filter, mapValues) compute both sides from their parent's change and are not stored: their
// value getter applies the same function to the parent's getter.
import type { Change, Processor, ProcessorContext, ProcessorSupplier, Record } from '../processor/api.ts'
import type { Serde } from '../serdes.ts'
import { putAggregate, storeProcessor } from './store-processor.ts'
import type { KeyValueStore, ValueAndTimestamp } from '../state/kv-store.ts'

export type Getter<K, V> = (key: K) => ValueAndTimestamp<V> | null

export interface ValueGetterSupplier<K, V> {
  /** Stores the getter reads: connected to every processor that uses it. */
  stores: string[]
  make(ctx: ProcessorContext<unknown, unknown>): Getter<K, V>
}

export const storeGetter = <K, V>(store: string): ValueGetterSupplier<K, V> => ({
  stores: [store],
  make(ctx) {
    const s = ctx.getStateStore<KeyValueStore<K, ValueAndTimestamp<V>>>(store)
    return (k) => (k === null || k === undefined ? null : s.get(k))
  },
})

type Ctx = ProcessorContext<unknown, Change<unknown>>

/** A table's store node: puts each record (null deletes) and forwards Change(new, old). Null keys are dropped. */
export function tableSourceSupplier<K, V>(store: string): ProcessorSupplier<K, V, K, Change<V>> {
  return storeProcessor<KeyValueStore<K, ValueAndTimestamp<V>>, K, V, K, Change<V>>(store, () => (r, s, ctx) => {
    if (r.key === null || r.key === undefined) return
    const old = s.get(r.key)
    const value = r.value === undefined ? null : r.value
    s.put(r.key, value === null ? null : { value, timestamp: r.timestamp }, r.timestamp)
    ctx.forward({ key: r.key, value: { newValue: value, oldValue: old?.value ?? null }, timestamp: r.timestamp, headers: r.headers })
  })
}

/** Materializes a derived table: stores its new values and forwards the change unchanged. */
export function tableMaterializeSupplier<K, V>(store: string): ProcessorSupplier<K, Change<V>, K, Change<V>> {
  return storeProcessor<KeyValueStore<K, ValueAndTimestamp<V>>, K, Change<V>, K, Change<V>>(store, () => (r, s, ctx) => {
    if (r.key === null || r.key === undefined) return
    const nv = r.value.newValue
    s.put(r.key, nv === null ? null : { value: nv, timestamp: r.timestamp }, r.timestamp)
    ctx.forward(r)
  })
}

/** Maps both sides of a change; nothing is forwarded when both become null. */
export function tableMapSupplier<K, V, V2>(fn: (v: V, k: K) => V2 | null): ProcessorSupplier<K, Change<V>, K, Change<V2>> {
  return () => {
    let ctx!: ProcessorContext<K, Change<V2>>
    return {
      init(c) { ctx = c },
      process(r) {
        const nv = r.value.newValue === null ? null : fn(r.value.newValue, r.key)
        const ov = r.value.oldValue === null ? null : fn(r.value.oldValue, r.key)
        if (nv === null && ov === null) return
        ctx.forward({ key: r.key, value: { newValue: nv, oldValue: ov }, timestamp: r.timestamp, headers: r.headers })
      },
    }
  }
}

export function mappedGetter<K, V, V2>(parent: ValueGetterSupplier<K, V>, fn: (v: V, k: K) => V2 | null): ValueGetterSupplier<K, V2> {
  return {
    stores: parent.stores,
    make(ctx) {
      const g = parent.make(ctx)
      return (k) => {
        const v = g(k)
        if (v === null) return null
        const m = fn(v.value, k)
        return m === null ? null : { value: m, timestamp: v.timestamp }
      }
    },
  }
}

/** toStream(): the new value of each change (null for deletes). */
export function toStreamSupplier<K, V>(): ProcessorSupplier<K, Change<V>, K, V | null> {
  return () => {
    let ctx!: ProcessorContext<K, V | null>
    return {
      init(c) { ctx = c },
      process(r) { ctx.forward({ key: r.key, value: r.value.newValue, timestamp: r.timestamp, headers: r.headers }) },
    }
  }
}

/**
 * groupBy on a table: the old value is retracted under its old grouping key, the new one added
 * under its new key; when both map to the same key one record carries both (KIP-904).
 */
export function tableRepartitionMapSupplier<K, V, K2, V2>(selector: (k: K, v: V) => [K2, V2]): ProcessorSupplier<K, Change<V>, K2, Change<V2>> {
  return () => {
    let ctx!: ProcessorContext<K2, Change<V2>>
    return {
      init(c) { ctx = c },
      process(r) {
        const { newValue, oldValue } = r.value
        const n = newValue === null ? null : selector(r.key, newValue)
        const o = oldValue === null ? null : selector(r.key, oldValue)
        const base = { timestamp: r.timestamp, headers: r.headers }
        if (n !== null && o !== null && sameKey(n[0], o[0])) {
          ctx.forward({ key: n[0], value: { newValue: n[1], oldValue: o[1] }, ...base })
          return
        }
        if (o !== null) ctx.forward({ key: o[0], value: { newValue: null, oldValue: o[1] }, ...base })
        if (n !== null) ctx.forward({ key: n[0], value: { newValue: n[1], oldValue: null }, ...base })
      },
    }
  }
}

const sameKey = (a: unknown, b: unknown): boolean => a === b || (typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b))

/** A table aggregation: subtract the old value, add the new one; forwards Change(newAgg, oldAgg). */
export function tableAggregateSupplier<K, V, A>(store: string, init: () => A, adder: (k: K, v: V, agg: A) => A, subtractor: (k: K, v: V, agg: A) => A): ProcessorSupplier<K, Change<V>, K, Change<A>> {
  return storeProcessor<KeyValueStore<K, ValueAndTimestamp<A>>, K, Change<V>, K, Change<A>>(store, () => (r, s, ctx) => {
    if (r.key === null || r.key === undefined) return
    const old = s.get(r.key)
    let agg = old === null ? init() : old.value
    if (r.value.oldValue !== null) agg = subtractor(r.key, r.value.oldValue, agg)
    if (r.value.newValue !== null) agg = adder(r.key, r.value.newValue, agg)
    putAggregate(s, ctx, r, old, agg)
  })
}

/** Table reduce: like aggregate, but the first value is the aggregate, and an aggregate of null deletes. */
export function tableReduceSupplier<K, V>(store: string, adder: (agg: V, v: V) => V, subtractor: (agg: V, v: V) => V): ProcessorSupplier<K, Change<V>, K, Change<V>> {
  return storeProcessor<KeyValueStore<K, ValueAndTimestamp<V>>, K, Change<V>, K, Change<V>>(store, () => (r, s, ctx) => {
    if (r.key === null || r.key === undefined) return
    const old = s.get(r.key)
    let agg: V | null = old?.value ?? null
    if (r.value.oldValue !== null && agg !== null) agg = subtractor(agg, r.value.oldValue)
    if (r.value.newValue !== null) agg = agg === null ? r.value.newValue : adder(agg, r.value.newValue)
    putAggregate(s, ctx, r, old, agg)
  })
}

/** A Change on a topic (table groupBy's repartition topic): [flags][4-byte new length][new][old]. */
export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  return {
    serialize(c, topic) {
      if (c === null) return null
      const n = c.newValue === null ? null : inner.serialize(c.newValue, topic)
      const o = c.oldValue === null ? null : inner.serialize(c.oldValue, topic)
      const b = Buffer.allocUnsafe(5 + (n?.length ?? 0) + (o?.length ?? 0))
      b[0] = (n === null ? 0 : 1) | (o === null ? 0 : 2)
      b.writeUInt32BE(n?.length ?? 0, 1)
      n?.copy(b, 5)
      o?.copy(b, 5 + (n?.length ?? 0))
      return b
    },
    deserialize(b, topic) {
      if (b === null) return null
      const len = b.readUInt32BE(1)
      return {
        newValue: b[0]! & 1 ? inner.deserialize(b.subarray(5, 5 + len), topic) : null,
        oldValue: b[0]! & 2 ? inner.deserialize(b.subarray(5 + len), topic) : null,
      }
    },
  }
}

export type { Ctx, Processor, Record }
