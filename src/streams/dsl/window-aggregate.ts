// Time-window and session-window aggregations with Kafka's event-time rules. Each processor keeps
// its own observed stream time (the largest timestamp it has seen); a window is closed once
// stream time - grace has reached its end, and records that would only update closed windows are
// dropped (counted as late). Output keys are Windowed; values Change(newAgg, oldAgg).
import type { Change, ProcessorSupplier } from '../processor/api.ts'
import type { ValueAndTimestamp } from '../state/kv-store.ts'
import type { SessionStore } from '../state/session-store.ts'
import type { WindowStore, Windowed } from '../state/window-store.ts'
import type { ValueGetterSupplier } from './table-ops.ts'
import type { SessionWindows, TimeWindows } from './windows.ts'
import { storeProcessor } from './store-processor.ts'

export interface LateRecordCounter {
  /** Records dropped because every window they belong to had closed. */
  late: number
}

export function timeWindowAggregateSupplier<K, V, A>(store: string, windows: TimeWindows, init: () => A, aggregator: (k: K, v: V, agg: A) => A): ProcessorSupplier<K, V, Windowed<K>, Change<A>> {
  return storeProcessor<WindowStore<K, ValueAndTimestamp<A>>, K, V, Windowed<K>, Change<A>>(store, () => {
    let observed = -Infinity
    return (r, s, ctx) => {
      if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) return
      if (r.timestamp > observed) observed = r.timestamp
      const closeTime = observed - windows.graceMs
      for (const w of windows.windowsFor(r.timestamp)) {
        if (w.end <= closeTime) continue // closed: late for this window
        const old = s.fetch(r.key, w.start)
        const agg = aggregator(r.key, r.value, old === null ? init() : old.value)
        const ts = old === null ? r.timestamp : Math.max(r.timestamp, old.timestamp)
        s.put(r.key, { value: agg, timestamp: ts }, w.start)
        ctx.forward({ key: { key: r.key, window: w }, value: { newValue: agg, oldValue: old?.value ?? null }, timestamp: ts, headers: r.headers })
      }
    }
  })
}

/** Reads a windowed table's value for a Windowed key. */
export function windowedGetter<K, A>(store: string): ValueGetterSupplier<Windowed<K>, A> {
  return {
    stores: [store],
    make(ctx) {
      const s = ctx.getStateStore<WindowStore<K, ValueAndTimestamp<A>>>(store)
      return (wk) => s.fetch(wk.key, wk.window.start)
    },
  }
}

/**
 * Session windows: a record opens a session [t, t] or joins every session of its key within the
 * inactivity gap, which merge into one. Merged sessions are deleted downstream (Change(null, old)),
 * the new one forwarded; timestamps are the session's end.
 */
export function sessionAggregateSupplier<K, V, A>(store: string, windows: SessionWindows, init: () => A, aggregator: (k: K, v: V, agg: A) => A, merger: (k: K, a: A, b: A) => A): ProcessorSupplier<K, V, Windowed<K>, Change<A>> {
  return storeProcessor<SessionStore<K, A>, K, V, Windowed<K>, Change<A>>(store, () => {
    let observed = -Infinity
    return (r, s, ctx) => {
      if (r.key === null || r.key === undefined || r.value === null || r.value === undefined) return
      const ts = r.timestamp
      if (ts > observed) observed = ts
      // A session can still grow until stream time passes its end + gap + grace.
      const closeTime = observed - windows.graceMs - windows.inactivityGapMs
      const overlapping = s.findSessions(r.key, ts - windows.inactivityGapMs, ts + windows.inactivityGapMs)
      let agg = init()
      let start = ts
      let end = ts
      for (const o of overlapping) {
        agg = merger(r.key, agg, o.value)
        start = Math.min(start, o.key.window.start)
        end = Math.max(end, o.key.window.end)
      }
      if (end < closeTime) return // the merged session is closed: late
      const headers = r.headers
      if (overlapping.length > 0 && (start !== ts || end !== ts)) {
        for (const o of overlapping) {
          s.remove(o.key)
          ctx.forward({ key: o.key, value: { newValue: null, oldValue: o.value }, timestamp: o.key.window.end, headers })
        }
      }
      agg = aggregator(r.key, r.value, agg)
      const key: Windowed<K> = { key: r.key, window: { start, end } }
      s.put(key, agg)
      ctx.forward({ key, value: { newValue: agg, oldValue: null }, timestamp: end, headers })
    }
  })
}
