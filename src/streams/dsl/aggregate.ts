// Stream aggregations (count, reduce, aggregate on a grouped stream): one row per key in a
// timestamped store; each record updates it and forwards Change(newAgg, oldAgg) with the larger of
// the record's and the aggregate's timestamps. Records with a null key or value are skipped.
import type { Change, ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import type { KeyValueStore, ValueAndTimestamp } from '../state/kv-store.ts'

export function streamAggregateSupplier<K, V, A>(store: string, init: () => A, aggregator: (k: K, v: V, agg: A) => A): ProcessorSupplier<K, V, K, Change<A>> {
  return () => {
    let ctx!: ProcessorContext<K, Change<A>>
    let s!: KeyValueStore<K, ValueAndTimestamp<A>>
    return {
      init(c) {
        ctx = c
        s = c.getStateStore(store)
      },
      process(r) {
        if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) return
        const old = s.get(r.key)
        const agg = aggregator(r.key, r.value, old === null ? init() : old.value)
        const ts = old === null ? r.timestamp : Math.max(r.timestamp, old.timestamp)
        s.put(r.key, { value: agg, timestamp: ts }, ts)
        ctx.forward({ key: r.key, value: { newValue: agg, oldValue: old?.value ?? null }, timestamp: ts, headers: r.headers })
      },
    }
  }
}

export function streamReduceSupplier<K, V>(store: string, reducer: (agg: V, v: V) => V): ProcessorSupplier<K, V, K, Change<V>> {
  return () => {
    let ctx!: ProcessorContext<K, Change<V>>
    let s!: KeyValueStore<K, ValueAndTimestamp<V>>
    return {
      init(c) {
        ctx = c
        s = c.getStateStore(store)
      },
      process(r) {
        if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) return
        const old = s.get(r.key)
        const agg = old === null ? r.value : reducer(old.value, r.value)
        const ts = old === null ? r.timestamp : Math.max(r.timestamp, old.timestamp)
        s.put(r.key, { value: agg, timestamp: ts }, ts)
        ctx.forward({ key: r.key, value: { newValue: agg, oldValue: old?.value ?? null }, timestamp: ts, headers: r.headers })
      },
    }
  }
}
