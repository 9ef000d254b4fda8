// Stream aggregations (count, reduce, aggregate on a grouped stream): one row per key in a
// timestamped store; each record updates it and forwards Change(newAgg, oldAgg) with the larger of
// the record's and the aggregate's timestamps. Records with a null key or value are skipped. With
// the store's record cache on (the default), updates are forwarded when the cache flushes.
import type { Change, ProcessorSupplier, Record } from '../processor/api.ts'
import type { KeyValueStore, ValueAndTimestamp } from '../state/kv-store.ts'
import { forwardOnCacheFlush, putAggregate, storeProcessor } from './store-processor.ts'

const skipped = (r: Record<unknown, unknown>): boolean => r.key === null || r.key === undefined || r.value === null || r.value === undefined

export function streamAggregateSupplier<K, V, A>(store: string, init: () => A, aggregator: (k: K, v: V, agg: A) => A): ProcessorSupplier<K, V, K, Change<A>> {
  return storeProcessor<KeyValueStore<K, ValueAndTimestamp<A>>, K, V, K, Change<A>>(store, () => (r, s, ctx) => {
    if (skipped(r)) return
    const old = s.get(r.key)
    putAggregate(s, ctx, r, old, aggregator(r.key, r.value, old === null ? init() : old.value))
  }, forwardOnCacheFlush)
}

export function streamReduceSupplier<K, V>(store: string, reducer: (agg: V, v: V) => V): ProcessorSupplier<K, V, K, Change<V>> {
  return storeProcessor<KeyValueStore<K, ValueAndTimestamp<V>>, K, V, K, Change<V>>(store, () => (r, s, ctx) => {
    if (skipped(r)) return
    const old = s.get(r.key)
    putAggregate(s, ctx, r, old, old === null ? r.value : reducer(old.value, r.value))
  }, forwardOnCacheFlush)
}
