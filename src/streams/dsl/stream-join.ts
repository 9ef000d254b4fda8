// Stream-stream joins over join windows, with Kafka's semantics: each side's records are kept in a
// window store (retention before + after + grace); a record joins every record of the other side
// with the same key within the window, the result stamped with the later timestamp. For left and
// outer joins an unmatched record is held in a shared "outer" store and emitted joined with null
// only once its window has closed (stream time past its time + window + grace), so a partner that
// arrives late within grace still gives the inner result instead. Null keys and values are
// skipped, except that outer sides emit a null-key record joined with null at once.
import type { Processor, ProcessorContext, ProcessorSupplier, Record } from '../processor/api.ts'
import { Serdes } from '../serdes.ts'
import type { Serde } from '../serdes.ts'
import type { KeyValueStore } from '../state/kv-store.ts'
import { Stores } from '../state/stores.ts'
import type { WindowStore } from '../state/window-store.ts'
import type { KStream } from './kstream.ts'
import { simple } from './kstream.ts'
import type { Joined, ValueJoiner } from './options.ts'
import type { JoinWindows } from './windows.ts'

interface TimeTracker {
  streamTime: number
  minTime: number
}

/** Outer-store rows: key [8-byte timestamp][side 0 left / 1 right][key bytes]; value: the record's value bytes (JSON list of base64). */
const outerKey = (ts: number, side: number, key: Buffer): Buffer => {
  const b = Buffer.allocUnsafe(9 + key.length)
  b.writeDoubleBE(ts, 0)
  b[8] = side
  key.copy(b, 9)
  return b
}

export function streamStreamJoin<K, V, VO, VR>(left: KStream<K, V>, right: KStream<K, VO>, joiner: ValueJoiner<V, VO, VR>, windows: JoinWindows, joined: Joined<K, V, VO>, leftOuter: boolean, rightOuter: boolean): KStream<K, VR> {
  const g = left.g
  const name = g.name(rightOuter ? 'KSTREAM-OUTERJOIN' : leftOuter ? 'KSTREAM-LEFTJOIN' : 'KSTREAM-JOIN', joined.name)
  const l = left.repartitioned(`${name}-left`, joined.keySerde, joined.valueSerde)
  const r = right.repartitioned(`${name}-right`, joined.keySerde, joined.otherValueSerde)
  g.topology.addCopartitionGroup([...l.sourceTopics, ...r.sourceTopics])
  const ks = g.keySerde(joined.keySerde ?? l.keySerde ?? r.keySerde)
  const retention = windows.beforeMs + windows.afterMs + windows.graceMs
  const size = windows.beforeMs + windows.afterMs
  const leftStore = `${name}-this-join-store`
  const rightStore = `${name}-other-join-store`
  g.addStore(Stores.windowStoreBuilder(Stores.inMemoryWindowStore(leftStore, retention, size, true), ks, g.valueSerde(joined.valueSerde ?? l.valueSerde)))
  g.addStore(Stores.windowStoreBuilder(Stores.inMemoryWindowStore(rightStore, retention, size, true), ks, g.valueSerde(joined.otherValueSerde ?? r.valueSerde)))
  const outerStore = leftOuter || rightOuter ? `${name}-outer-shared-join-store` : null
  if (outerStore !== null) g.addStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(outerStore), Serdes.Buffer(), Serdes.JSON<string[]>()))
  const windowed = (store: string) => simple<K, unknown>((ctx, rec) => {
    if (rec.key !== null && rec.key !== undefined) ctx.getStateStore<WindowStore<K, unknown>>(store).put(rec.key as K, rec.value, rec.timestamp)
    ctx.forward(rec as Record<K, unknown>)
  })
  const lw = g.addProcessor(`${name}-this-windowed`, windowed(leftStore), [l.node], [leftStore])
  const rw = g.addProcessor(`${name}-other-windowed`, windowed(rightStore), [r.node], [rightStore])
  const trackers = new Map<string, TimeTracker>()
  const shared = { trackers, windows, joiner, outerStore, ks, lvs: g.valueSerde(joined.valueSerde ?? l.valueSerde), rvs: g.valueSerde(joined.otherValueSerde ?? r.valueSerde) }
  const stores = (own: string) => (outerStore === null ? [own] : [own, outerStore])
  const lj = g.addProcessor(`${name}-this-join`, joinSide<K, V, VO, VR>(shared as Shared<K, V, VO, VR>, true, leftOuter, rightStore), [lw], stores(rightStore))
  const rj = g.addProcessor(`${name}-other-join`, joinSide<K, V, VO, VR>(shared as Shared<K, V, VO, VR>, false, rightOuter, leftStore), [rw], stores(leftStore))
  const merge = g.addProcessor(`${name}-merge`, simple<K, VR>((ctx, rec) => ctx.forward(rec as Record<K, VR>)), [lj, rj])
  return l.derive<K, VR>(merge, l.keySerde, null, false)
}

interface Shared<K, V, VO, VR> {
  trackers: Map<string, TimeTracker>
  windows: JoinWindows
  joiner: ValueJoiner<V, VO, VR>
  outerStore: string | null
  ks: Serde<K>
  lvs: Serde<V>
  rvs: Serde<VO>
}

function joinSide<K, V, VO, VR>(sh: Shared<K, V, VO, VR>, isLeft: boolean, outer: boolean, otherStoreName: string): ProcessorSupplier<K, unknown, K, VR> {
  const { windows } = sh
  const before = isLeft ? windows.beforeMs : windows.afterMs
  const after = isLeft ? windows.afterMs : windows.beforeMs
  const join = (thisV: unknown, otherV: unknown): VR => (isLeft ? sh.joiner(thisV as V, otherV as VO) : sh.joiner(otherV as V, thisV as VO))
  return (): Processor<K, unknown, K, VR> => {
    let ctx!: ProcessorContext<K, VR>
    let other!: WindowStore<K, unknown>
    let outerStore: KeyValueStore<Buffer, string[]> | null = null
    let t!: TimeTracker
    const serde = (side: number): Serde<unknown> => (side === 0 ? sh.lvs : sh.rvs) as Serde<unknown>
    const emitExpired = (rec: Record<K, unknown>): void => {
      const store = outerStore!
      if (t.minTime + Math.max(windows.afterMs, windows.beforeMs) + windows.graceMs >= t.streamTime) return
      t.minTime = Infinity
      let leftOpen = false
      let rightOpen = false
      for (const { key, value } of store.all()) {
        const ts = key.readDoubleBE(0)
        const side = key[8]!
        if (leftOpen && rightOpen) {
          t.minTime = Math.min(t.minTime, ts)
          break
        }
        // Left rows wait `after` (partners may come later on the right), right rows `before`.
        const lookBack = side === 0 ? windows.afterMs : windows.beforeMs
        if (ts + lookBack + windows.graceMs >= t.streamTime) {
          t.minTime = Math.min(t.minTime, ts)
          if (side === 0) leftOpen = true
          else rightOpen = true
          continue
        }
        const k = sh.ks.deserialize(key.subarray(9)) as K
        for (const b64 of value) {
          const v = serde(side).deserialize(Buffer.from(b64, 'base64'))
          const out = side === 0 ? sh.joiner(v as V, null as VO) : sh.joiner(null as V, v as VO)
          ctx.forward({ key: k, value: out, timestamp: ts, headers: rec.headers })
        }
        store.put(key, null)
      }
    }
    return {
      init(c) {
        ctx = c
        other = c.getStateStore(otherStoreName)
        if (sh.outerStore !== null) outerStore = c.getStateStore<KeyValueStore<Buffer, string[]>>(sh.outerStore)
        t = sh.trackers.get(c.taskId) ?? { streamTime: -Infinity, minTime: Infinity }
        sh.trackers.set(c.taskId, t)
      },
      process(rec) {
        const ts = rec.timestamp
        if (ts > t.streamTime) t.streamTime = ts
        if (outer && (rec.key === null || rec.key === undefined) && rec.value !== null && rec.value !== undefined) {
          ctx.forward({ key: rec.key, value: join(rec.value, null), timestamp: ts, headers: rec.headers })
          return
        }
        if (rec.key === null || rec.key === undefined || rec.value === null || rec.value === undefined) return
        if (outerStore !== null && ts === t.streamTime) emitExpired(rec)
        const from = Math.max(0, ts - before)
        const to = Math.max(0, ts + after)
        const matches = other.fetchRange(rec.key, from, to)
        const keyBytes = sh.ks.serialize(rec.key)!
        for (const m of matches) {
          if (outerStore !== null) outerStore.put(outerKey(m.timestamp, isLeft ? 1 : 0, keyBytes), null)
          ctx.forward({ key: rec.key, value: join(rec.value, m.value), timestamp: Math.max(ts, m.timestamp), headers: rec.headers })
        }
        if (!outer || matches.length > 0) return
        if (outerStore === null || to < t.streamTime) {
          ctx.forward({ key: rec.key, value: join(rec.value, null), timestamp: ts, headers: rec.headers })
          return
        }
        const side = isLeft ? 0 : 1
        const k = outerKey(ts, side, keyBytes)
        const list = outerStore.get(k) ?? []
        list.push(serde(side).serialize(rec.value)!.toString('base64'))
        outerStore.put(k, list, ts)
        if (ts < t.minTime) t.minTime = ts
      },
    }
  }
}
