// Joins against tables. Stream-table: each stream record looks up the table's current value
// (inner: none, no output; left: joined with null; a null-key record in a left join is joined
// with null, KIP-962). Stream-GlobalKTable: the same through a key selector into a global store.
// Table-table: each side's change looks up the other side and forwards Change(new result, old
// result), with Kafka's inner/left/outer rules; the result timestamp is the larger of the two.
import type { Change, ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import type { KeyValueStore, ValueAndTimestamp } from '../state/kv-store.ts'
import type { KTable } from './ktable.ts'
import { KTable as KTableClass } from './ktable.ts'
import type { Getter, ValueGetterSupplier } from './table-ops.ts'
import { simple } from './kstream.ts'
import type { Materialized, ValueJoiner } from './options.ts'
import { storeProcessor } from './store-processor.ts'

export function streamTableJoinSupplier<K, V, VT, VR>(getter: ValueGetterSupplier<K, VT>['make'], joiner: ValueJoiner<V, VT | null, VR>, left: boolean): ProcessorSupplier<K, V, K, VR> {
  return () => {
    let ctx!: ProcessorContext<K, VR>
    let get!: Getter<K, VT>
    return {
      init(c) {
        ctx = c
        get = getter(c as ProcessorContext<unknown, unknown>)
      },
      process(r) {
        if (r.value === null || r.value === undefined) return
        if (r.key === null || r.key === undefined) {
          if (left) ctx.forward({ key: r.key, value: joiner(r.value, null), timestamp: r.timestamp, headers: r.headers })
          return
        }
        const t = get(r.key)
        if (t === null && !left) return
        ctx.forward({ key: r.key, value: joiner(r.value, t?.value ?? null), timestamp: r.timestamp, headers: r.headers })
      },
    }
  }
}

export function streamGlobalJoinSupplier<K, V, KG, VG, VR>(store: string, keySelector: (k: K, v: V) => KG, joiner: ValueJoiner<V, VG | null, VR>, left: boolean): ProcessorSupplier<K, V, K, VR> {
  return storeProcessor<KeyValueStore<KG, ValueAndTimestamp<VG>>, K, V, K, VR>(store, () => (r, s, ctx) => {
    if (r.value === null || r.value === undefined) return
    const gk = keySelector(r.key, r.value)
    const t = gk === null || gk === undefined ? null : s.get(gk)
    if (t === null && !left) return
    ctx.forward({ key: r.key, value: joiner(r.value, t?.value ?? null), timestamp: r.timestamp, headers: r.headers })
  })
}

export type JoinKind = 'inner' | 'left' | 'outer'

/** One side of a table-table join: this side's change against the other side's current value. */
function tableSide<K, VThis, VOther, VR>(otherGetter: ValueGetterSupplier<K, VOther>, join: (t: VThis | null, o: VOther | null) => VR | null): ProcessorSupplier<K, Change<VThis>, K, Change<VR>> {
  return () => {
    let ctx!: ProcessorContext<K, Change<VR>>
    let get!: Getter<K, VOther>
    return {
      init(c) {
        ctx = c
        get = otherGetter.make(c as ProcessorContext<unknown, unknown>)
      },
      process(r) {
        if (r.key === null || r.key === undefined) return
        const o = get(r.key)
        const newValue = join(r.value.newValue, o?.value ?? null)
        const oldValue = join(r.value.oldValue, o?.value ?? null)
        if (newValue === null && oldValue === null) return
        ctx.forward({ key: r.key, value: { newValue, oldValue }, timestamp: Math.max(r.timestamp, o?.timestamp ?? -Infinity), headers: r.headers })
      },
    }
  }
}

export function tableTableJoin<K, V, VO, VR>(left: KTable<K, V>, right: KTable<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR>, kind: JoinKind, materialized?: Materialized<K, VR>): KTable<K, VR> {
  const g = left.g
  const name = g.name(kind === 'inner' ? 'KTABLE-JOIN' : kind === 'left' ? 'KTABLE-LEFTJOIN' : 'KTABLE-OUTERJOIN')
  g.topology.addCopartitionGroup([...left.sourceTopics, ...right.sourceTopics])
  // Result of (left value, right value) under the join kind; null when there is no row.
  const result = (l: V | null, r: VO | null): VR | null => {
    if (kind === 'inner') return l !== null && r !== null ? joiner(l, r) : null
    if (kind === 'left') return l !== null ? joiner(l, r) : null
    return l !== null || r !== null ? joiner(l, r) : null
  }
  const lg = left.valueGetter()
  const rg = right.valueGetter()
  const ln = g.addProcessor(`${name}-left`, tableSide<K, V, VO, VR>(rg, (l, r) => result(l, r)), [left.node], rg.stores)
  const rn = g.addProcessor(`${name}-right`, tableSide<K, VO, V, VR>(lg, (r, l) => (kind === 'left' && l === null) ? null : result(l, r)), [right.node], lg.stores)
  const merge = g.addProcessor(`${name}-merge`, simple<K, Change<VR>>((ctx, rec) => ctx.forward(rec as never)), [ln, rn])
  const getter: ValueGetterSupplier<K, VR> = {
    stores: [...lg.stores, ...rg.stores],
    make(ctx) {
      const gl = lg.make(ctx)
      const gr = rg.make(ctx)
      return (k) => {
        const l = gl(k)
        const r = gr(k)
        const v = result(l?.value ?? null, r?.value ?? null)
        return v === null ? null : { value: v, timestamp: Math.max(l?.timestamp ?? -1, r?.timestamp ?? -1) }
      }
    },
  }
  const t = new KTableClass<K, VR>(g, merge, left.keySerde, materialized?.valueSerde ?? null, [...left.sourceTopics, ...right.sourceTopics], null, getter)
  return materialized === undefined ? t : t.materialize(materialized)
}
