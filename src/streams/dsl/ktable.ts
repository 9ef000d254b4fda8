// KTable: a changelog stream read as the latest value per key. Operators forward Change(new, old);
// `valueGetter()` reads the table's current value for a key (from its store, or through the
// functions of the derived tables above one), which is how joins look tables up.
import type { Serde } from '../serdes.ts'
import type { Graph } from './graph.ts'
import { KStream } from './kstream.ts'
import { KGroupedTable } from './grouped.ts'
import { changeSerde, mappedGetter, storeGetter, tableMapSupplier, tableMaterializeSupplier, tableRepartitionMapSupplier, toStreamSupplier } from './table-ops.ts'
import type { ValueGetterSupplier } from './table-ops.ts'
import { tableTableJoin } from './table-join.ts'
import { foreignKeyJoin } from './fk-join.ts'
import { suppressSupplier } from './suppress.ts'
import type { Suppressed } from './suppress.ts'
import type { Grouped, Materialized, ValueJoiner } from './options.ts'

export class KTable<K, V> {
  constructor(
    /** @internal */ readonly g: Graph,
    /** @internal */ readonly node: string,
    /** @internal */ readonly keySerde: Serde<K> | null,
    /** @internal */ readonly valueSerde: Serde<V> | null,
    /** @internal */ readonly sourceTopics: string[],
    /** The queryable store holding this table, when it is materialized. */
    readonly storeName: string | null,
    private readonly getter: ValueGetterSupplier<K, V>,
    /** @internal Window grace of a windowed table (for suppress). */ readonly windowGraceMs: number | null = null,
  ) {}

  /** @internal */
  static materialized<K, V>(g: Graph, node: string, ks: Serde<K> | null, vs: Serde<V> | null, sources: string[], store: string, graceMs: number | null = null): KTable<K, V> {
    return new KTable<K, V>(g, node, ks, vs, sources, store, storeGetter<K, V>(store), graceMs)
  }

  /** @internal */
  valueGetter(): ValueGetterSupplier<K, V> {
    return this.getter
  }

  private derived<V2>(prefix: string, fn: (v: V, k: K) => V2 | null, valueSerde: Serde<V2> | null, materialized?: Materialized<K, V2>): KTable<K, V2> {
    const n = this.g.addProcessor(this.g.name(prefix), tableMapSupplier<K, V, V2>(fn), [this.node])
    const t = new KTable<K, V2>(this.g, n, this.keySerde, valueSerde, this.sourceTopics, null, mappedGetter(this.getter, fn), this.windowGraceMs)
    return materialized === undefined ? t : t.materialize(materialized)
  }

  /** @internal Stores this table's values (so it is queryable and its getter reads the store). */
  materialize(m: Materialized<K, V>): KTable<K, V> {
    const name = this.g.name('KTABLE-MATERIALIZE')
    const ks = this.g.keySerde(m.keySerde ?? this.keySerde)
    const vs = this.g.valueSerde(m.valueSerde ?? this.valueSerde)
    const store = this.g.kvStore(m.storeName ?? `${name}-STATE-STORE`, m, ks, vs)
    this.g.addProcessor(name, tableMaterializeSupplier<K, V>(store), [this.node], [store])
    return KTable.materialized(this.g, name, ks, vs, this.sourceTopics, store, this.windowGraceMs)
  }

  /** Rows for which the predicate fails become deletes (only if they were there before). */
  filter(predicate: (key: K, value: V) => boolean, materialized?: Materialized<K, V>): KTable<K, V> {
    return this.derived<V>('KTABLE-FILTER', (v, k) => (predicate(k, v) ? v : null), this.valueSerde, materialized)
  }

  filterNot(predicate: (key: K, value: V) => boolean, materialized?: Materialized<K, V>): KTable<K, V> {
    return this.filter((k, v) => !predicate(k, v), materialized)
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, materialized?: Materialized<K, V2>): KTable<K, V2> {
    return this.derived<V2>('KTABLE-MAPVALUES', mapper, materialized?.valueSerde ?? null, materialized)
  }

  /** The table's updates as a stream: deletes appear as null values. */
  toStream(): KStream<K, V> {
    const n = this.g.addProcessor(this.g.name('KTABLE-TOSTREAM'), toStreamSupplier<K, V>(), [this.node])
    return new KStream<K, V>(this.g, n, this.keySerde, this.valueSerde, false, this.sourceTopics)
  }

  /** Regroups rows by a new key (through a repartition topic) for count/reduce/aggregate. */
  groupBy<K2, V2>(selector: (key: K, value: V) => [K2, V2], grouped: Grouped<K2, V2> = {}): KGroupedTable<K2, V2> {
    const name = this.g.name('KTABLE-SELECT', grouped.name)
    this.g.addProcessor(name, tableRepartitionMapSupplier<K, V, K2, V2>(selector), [this.node])
    const ks = this.g.keySerde(grouped.keySerde)
    const vs = this.g.valueSerde(grouped.valueSerde)
    const topic = `${grouped.name ?? name}-repartition`
    this.g.topology.addRepartitionTopic(topic, null)
    this.g.topology.addSink(`${name}-sink`, topic, { keySerde: ks, valueSerde: changeSerde(vs) }, name)
    const src = `${name}-source`
    this.g.topology.addSource(src, topic, { keySerde: ks, valueSerde: changeSerde(vs) })
    return new KGroupedTable<K2, V2>(this.g, src, ks, vs, [topic])
  }

  /** Inner join on the key: a row exists while both tables have one. */
  join<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO, VR>, materialized?: Materialized<K, VR>): KTable<K, VR> {
    return tableTableJoin(this, other, joiner as ValueJoiner<V | null, VO | null, VR>, 'inner', materialized)
  }

  /** Every row of this table, with the other's value or null. */
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO | null, VR>, materialized?: Materialized<K, VR>): KTable<K, VR> {
    return tableTableJoin(this, other, joiner as ValueJoiner<V | null, VO | null, VR>, 'left', materialized)
  }

  /** Every row of either table, null for the missing side. */
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR>, materialized?: Materialized<K, VR>): KTable<K, VR> {
    return tableTableJoin(this, other, joiner, 'outer', materialized)
  }

  /** Foreign-key join: each row with the other table's row whose key `foreignKey(value)` names. */
  joinOnForeignKey<KO, VO, VR>(other: KTable<KO, VO>, foreignKey: (value: V) => KO | null, joiner: ValueJoiner<V, VO, VR>, materialized?: Materialized<K, VR>): KTable<K, VR> {
    return foreignKeyJoin(this, other, foreignKey, joiner as ValueJoiner<V, VO | null, VR>, false, materialized)
  }

  leftJoinOnForeignKey<KO, VO, VR>(other: KTable<KO, VO>, foreignKey: (value: V) => KO | null, joiner: ValueJoiner<V, VO | null, VR>, materialized?: Materialized<K, VR>): KTable<K, VR> {
    return foreignKeyJoin(this, other, foreignKey, joiner, true, materialized)
  }

  /** Holds updates back: until a window closes (final results), or for a time per key. */
  suppress(suppressed: Suppressed): KTable<K, V> {
    if (suppressed.kind === 'untilWindowCloses' && this.windowGraceMs === null) throw new Error('suppress(untilWindowCloses) needs a windowed table')
    const n = this.g.addProcessor(this.g.name('KTABLE-SUPPRESS'), suppressSupplier<K, V>(suppressed, this.windowGraceMs ?? 0), [this.node])
    return new KTable<K, V>(this.g, n, this.keySerde, this.valueSerde, this.sourceTopics, null, this.getter, this.windowGraceMs)
  }
}

/** A table replicated to every instance (all partitions of its topic); joined from streams by a key selector. */
export class GlobalKTable<K, V> {
  /** @internal */ declare readonly _k: K
  /** @internal */ declare readonly _v: V
  constructor(readonly storeName: string) {}
}
