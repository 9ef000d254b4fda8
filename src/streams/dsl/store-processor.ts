// The shape most DSL operators share: one state store and the context, fetched once at init, then
// a step per record. `make` runs once per processor instance (one per task), so state kept in its
// closure (an operator's observed stream time) is per task, as Kafka Streams keeps it.
import type { Change, ProcessorContext, ProcessorSupplier, Record, StateStore } from '../processor/api.ts'
import type { KeyValueStore, ValueAndTimestamp } from '../state/kv-store.ts'

export type StoreStep<S, KIn, VIn, KOut, VOut> = (r: Record<KIn, VIn>, store: S, ctx: ProcessorContext<KOut, VOut>) => void

export function storeProcessor<S extends StateStore, KIn, VIn, KOut, VOut>(store: string, make: () => StoreStep<S, KIn, VIn, KOut, VOut>, onInit?: (store: S, ctx: ProcessorContext<KOut, VOut>) => void): ProcessorSupplier<KIn, VIn, KOut, VOut> {
  return () => {
    const step = make()
    let ctx!: ProcessorContext<KOut, VOut>
    let s!: S
    return {
      init(c) {
        ctx = c
        s = c.getStateStore<S>(store)
        onInit?.(s, c)
      },
      process(r) { step(r, s, ctx) },
    }
  }
}

/**
 * Stores an aggregate row (null deletes it) and forwards Change(agg, previous) stamped with the
 * later of the record's and the previous row's timestamps (Kafka's rule for aggregations).
 */
export function putAggregate<K, A>(s: KeyValueStore<K, ValueAndTimestamp<A>>, ctx: ProcessorContext<K, Change<A>>, r: Record<K, unknown>, old: ValueAndTimestamp<A> | null, agg: A | null): void {
  const ts = old === null ? r.timestamp : Math.max(r.timestamp, old.timestamp)
  s.put(r.key, agg === null ? null : { value: agg, timestamp: ts }, ts, r.headers)
  if (!s.cached) ctx.forward({ key: r.key, value: { newValue: agg, oldValue: old?.value ?? null }, timestamp: ts, headers: r.headers })
}

/** With a record cache, an aggregation forwards its updates when the cache flushes: each key's latest value once, with the value before. */
export function forwardOnCacheFlush<K, A>(s: KeyValueStore<K, ValueAndTimestamp<A>>, ctx: ProcessorContext<K, Change<A>>): void {
  if (!s.cached) return
  s.setFlushListener((key, nv, ov, timestamp, headers) => ctx.forward({ key, value: { newValue: nv?.value ?? null, oldValue: ov?.value ?? null }, timestamp, headers }))
}
