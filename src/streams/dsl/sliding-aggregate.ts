// Sliding-window aggregation (Kafka's SlidingWindows): windows [start, start + d] exist where
// records define them: the window ending at each record ([t - d, t], clamped at 0) and the window
// starting just after a record ([t + 1, t + 1 + d]) when it holds any record. A record updates
// every existing window that contains it and may create its own left and right windows. Kafka
// updates aggregates incrementally; here each affected window is recomputed from the key's raw
// records (a second store, retention 2d + grace), which gives the same windows and contents.
import type { Change, ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import type { ValueAndTimestamp } from '../state/kv-store.ts'
import type { WindowStore, Windowed } from '../state/window-store.ts'
import type { SlidingWindows } from './windows.ts'

export function slidingAggregateSupplier<K, V, A>(store: string, rawStore: string, windows: SlidingWindows, init: () => A, aggregator: (k: K, v: V, agg: A) => A): ProcessorSupplier<K, V, Windowed<K>, Change<A>> {
  const d = windows.timeDifferenceMs
  return () => {
    let ctx!: ProcessorContext<Windowed<K>, Change<A>>
    let aggs!: WindowStore<K, ValueAndTimestamp<A>>
    let raw!: WindowStore<K, V>
    let observed = -Infinity
    return {
      init(c) {
        ctx = c
        aggs = c.getStateStore(store)
        raw = c.getStateStore(rawStore)
      },
      process(r) {
        if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) return
        const ts = r.timestamp
        if (ts > observed) observed = ts
        const closeTime = observed - windows.graceMs
        if (ts + d < closeTime) return // even the record's own window has closed: late
        raw.put(r.key, r.value, ts)
        const records = raw.fetchRange(r.key, Math.max(0, ts - d - 1), ts + d + 1)
        const starts = new Set<number>()
        const created = new Set<number>()
        starts.add(Math.max(0, ts - d))
        for (const rec of records) {
          if (rec.timestamp >= ts && rec.timestamp <= ts + d) starts.add(Math.max(0, rec.timestamp - d))
          if (rec.timestamp >= ts - d - 1 && rec.timestamp < ts) starts.add(rec.timestamp + 1)
        }
        // The record's own right window, when later records fill it and it did not exist yet.
        if (records.some((x) => x.timestamp > ts && x.timestamp <= ts + 1 + d) && aggs.fetch(r.key, ts + 1) === null) created.add(ts + 1)
        for (const start of [...starts, ...created].sort((a, b) => a - b)) {
          const end = start + d
          if (end < closeTime) continue
          let agg = init()
          let maxTs = -1
          let n = 0
          for (const rec of records) {
            if (rec.timestamp < start || rec.timestamp > end) continue
            agg = aggregator(r.key, rec.value, agg)
            maxTs = Math.max(maxTs, rec.timestamp)
            n++
          }
          if (n === 0) continue
          const old = aggs.fetch(r.key, start)
          if (created.has(start) && !starts.has(start) && old !== null) continue
          aggs.put(r.key, { value: agg, timestamp: maxTs }, start)
          ctx.forward({ key: { key: r.key, window: { start, end } }, value: { newValue: agg, oldValue: old?.value ?? null }, timestamp: maxTs, headers: r.headers })
        }
      },
    }
  }
}
