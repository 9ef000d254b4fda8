// suppress(): holds a table's updates back and emits one per key later. untilWindowCloses emits a
// windowed key's final value once stream time reaches window end + grace (no early results);
// untilTimeLimit emits a key's latest value once stream time is `timeLimitMs` past the first
// buffered update. The buffer's stream time is the largest timestamp of the updates it has seen.
// The buffer lives in memory (not in a changelog): see docs/streams.md.
import type { Change, ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import type { RecordHeader } from '../../client/index.ts'
import type { Windowed } from '../state/window-store.ts'

export type Suppressed = { kind: 'untilWindowCloses' } | { kind: 'untilTimeLimit'; timeLimitMs: number }

export const Suppressed = {
  untilWindowCloses: (): Suppressed => ({ kind: 'untilWindowCloses' }),
  untilTimeLimit: (timeLimitMs: number): Suppressed => ({ kind: 'untilTimeLimit', timeLimitMs }),
} as const

interface Entry<K, V> {
  key: K
  change: Change<V>
  timestamp: number
  headers: RecordHeader[]
  /** Emit once stream time >= this. */
  due: number
}

export function suppressSupplier<K, V>(s: Suppressed, graceMs: number): ProcessorSupplier<K, Change<V>, K, Change<V>> {
  return () => {
    let ctx!: ProcessorContext<K, Change<V>>
    const buffer = new Map<string, Entry<K, V>>()
    let observed = -Infinity
    const keyOf = (k: K): string => JSON.stringify(k)
    const emit = (): void => {
      const due = [...buffer.entries()].filter(([, e]) => e.due <= observed).sort((a, b) => a[1].due - b[1].due)
      for (const [id, e] of due) {
        buffer.delete(id)
        // Final results never emitted a value for a deleted window (merged sessions): nothing to retract.
        if (s.kind === 'untilWindowCloses' && e.change.newValue === null) continue
        ctx.forward({ key: e.key, value: e.change, timestamp: e.timestamp, headers: e.headers })
      }
    }
    return {
      init(c) { ctx = c },
      process(r) {
        if (r.timestamp > observed) observed = r.timestamp
        const id = keyOf(r.key)
        const prev = buffer.get(id)
        const due = s.kind === 'untilWindowCloses' ? (r.key as unknown as Windowed<unknown>).window.end + graceMs : (prev?.due ?? r.timestamp + s.timeLimitMs)
        buffer.set(id, {
          key: r.key, timestamp: r.timestamp, headers: r.headers, due,
          change: { newValue: r.value.newValue, oldValue: prev === undefined ? r.value.oldValue : prev.change.oldValue },
        })
        emit()
      },
    }
  }
}
