// KStream: an unbounded sequence of records. Stateless operators are one processor each; an
// operator that may change the key marks the stream so the next grouping or join goes through a
// repartition topic first (Kafka's rule), since records with one key must meet in one task.
import type { Processor, ProcessorContext, ProcessorSupplier, Record, TopicNameExtractor } from '../processor/api.ts'
import type { Serde } from '../serdes.ts'
import type { Graph } from './graph.ts'
import { KGroupedStream } from './grouped.ts'
import { KTable } from './ktable.ts'
import type { GlobalKTable } from './ktable.ts'
import { tableSourceSupplier } from './table-ops.ts'
import { streamGlobalJoinSupplier, streamTableJoinSupplier } from './table-join.ts'
import { streamStreamJoin } from './stream-join.ts'
import type { JoinWindows } from './windows.ts'
import type { Grouped, Joined, Materialized, Produced, Repartitioned, ValueJoiner } from './options.ts'

type Forwarder<K, V> = (ctx: ProcessorContext<K, V>, r: Record<unknown, unknown>) => void

/** A processor made of one function of (context, record). */
export function simple<K, V>(fn: Forwarder<K, V>): ProcessorSupplier<unknown, unknown, K, V> {
  return () => {
    let ctx!: ProcessorContext<K, V>
    return { init: (c) => { ctx = c }, process: (r) => fn(ctx, r) }
  }
}

export interface Branched<K, V> {
  /** Branch name (appended to the split's prefix); default its index from 1. */
  name?: string
  /** Applied to the branch; its result (if a stream) is what the map holds. */
  withFunction?: (s: KStream<K, V>) => KStream<K, V> | void
}

export class BranchedKStream<K, V> {
  private readonly branches: { name: string; predicate: ((k: K, v: V) => boolean) | null; fn: Branched<K, V>['withFunction'] }[] = []
  private done = false

  constructor(private readonly stream: KStream<K, V>, private readonly prefix: string, private readonly node: string) {}

  branch(predicate: (key: K, value: V) => boolean, branched: Branched<K, V> = {}): this {
    if (this.done) throw new Error('no branch may follow the default branch')
    this.branches.push({ name: this.prefix + (branched.name ?? String(this.branches.length + 1)), predicate, fn: branched.withFunction })
    return this
  }

  /** Records no predicate took; the branch is named `<prefix>0` unless named. */
  defaultBranch(branched: Branched<K, V> = {}): Map<string, KStream<K, V>> {
    this.branches.push({ name: this.prefix + (branched.name ?? '0'), predicate: null, fn: branched.withFunction })
    return this.noDefaultBranch()
  }

  noDefaultBranch(): Map<string, KStream<K, V>> {
    this.done = true
    const list = this.branches
    const out = new Map<string, KStream<K, V>>()
    const names = list.map((b) => b.name)
    this.stream.g.addProcessor(this.node, simple<K, V>((ctx, r) => {
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!.predicate
        if (p === null || p(r.key as K, r.value as V)) return ctx.forward(r as Record<K, V>, names[i])
      }
    }), [this.stream.node])
    for (const b of list) {
      this.stream.g.addProcessor(b.name, simple<K, V>((ctx, r) => ctx.forward(r as Record<K, V>)), [this.node])
      const s = this.stream.derive<K, V>(b.name, this.stream.keySerde, this.stream.valueSerde, this.stream.repartitionRequired)
      const result = b.fn?.(s)
      out.set(b.name, result ?? s)
    }
    return out
  }
}

export class KStream<K, V> {
  constructor(
    /** @internal */ readonly g: Graph,
    /** @internal The node whose output this stream is. */ readonly node: string,
    /** @internal */ readonly keySerde: Serde<K> | null,
    /** @internal */ readonly valueSerde: Serde<V> | null,
    /** @internal */ readonly repartitionRequired: boolean,
    /** @internal Source topics of this stream's sub-topology (co-partitioning). */ readonly sourceTopics: string[],
  ) {}

  /** @internal */
  derive<K2, V2>(node: string, keySerde: Serde<K2> | null, valueSerde: Serde<V2> | null, repartition: boolean): KStream<K2, V2> {
    return new KStream<K2, V2>(this.g, node, keySerde, valueSerde, repartition, this.sourceTopics)
  }

  private op<K2, V2>(prefix: string, fn: Forwarder<K2, V2>, keySerde: Serde<K2> | null, valueSerde: Serde<V2> | null, repartition: boolean, name?: string): KStream<K2, V2> {
    const n = this.g.addProcessor(this.g.name(prefix, name), simple(fn), [this.node])
    return this.derive(n, keySerde, valueSerde, repartition)
  }

  filter(predicate: (key: K, value: V) => boolean, name?: string): KStream<K, V> {
    return this.op<K, V>('KSTREAM-FILTER', (ctx, r) => { if (predicate(r.key as K, r.value as V)) ctx.forward(r as Record<K, V>) }, this.keySerde, this.valueSerde, this.repartitionRequired, name)
  }

  filterNot(predicate: (key: K, value: V) => boolean, name?: string): KStream<K, V> {
    return this.filter((k, v) => !predicate(k, v), name ?? this.g.name('KSTREAM-FILTER'))
  }

  /** New key and value per record: the next grouping or join repartitions. */
  map<K2, V2>(mapper: (key: K, value: V) => [K2, V2], name?: string): KStream<K2, V2> {
    return this.op<K2, V2>('KSTREAM-MAP', (ctx, r) => {
      const [key, value] = mapper(r.key as K, r.value as V)
      ctx.forward({ key, value, timestamp: r.timestamp, headers: r.headers })
    }, null, null, true, name)
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, name?: string): KStream<K, V2> {
    return this.op<K, V2>('KSTREAM-MAPVALUES', (ctx, r) => {
      ctx.forward({ key: r.key as K, value: mapper(r.value as V, r.key as K), timestamp: r.timestamp, headers: r.headers })
    }, this.keySerde, null, this.repartitionRequired, name)
  }

  flatMap<K2, V2>(mapper: (key: K, value: V) => Iterable<[K2, V2]>, name?: string): KStream<K2, V2> {
    return this.op<K2, V2>('KSTREAM-FLATMAP', (ctx, r) => {
      for (const [key, value] of mapper(r.key as K, r.value as V)) ctx.forward({ key, value, timestamp: r.timestamp, headers: r.headers })
    }, null, null, true, name)
  }

  flatMapValues<V2>(mapper: (value: V, key: K) => Iterable<V2>, name?: string): KStream<K, V2> {
    return this.op<K, V2>('KSTREAM-FLATMAPVALUES', (ctx, r) => {
      for (const value of mapper(r.value as V, r.key as K)) ctx.forward({ key: r.key as K, value, timestamp: r.timestamp, headers: r.headers })
    }, this.keySerde, null, this.repartitionRequired, name)
  }

  selectKey<K2>(mapper: (key: K, value: V) => K2, name?: string): KStream<K2, V> {
    return this.op<K2, V>('KSTREAM-KEY-SELECT', (ctx, r) => {
      ctx.forward({ key: mapper(r.key as K, r.value as V), value: r.value as V, timestamp: r.timestamp, headers: r.headers })
    }, null, this.valueSerde, true, name)
  }

  peek(action: (key: K, value: V) => void, name?: string): KStream<K, V> {
    return this.op<K, V>('KSTREAM-PEEK', (ctx, r) => {
      action(r.key as K, r.value as V)
      ctx.forward(r as Record<K, V>)
    }, this.keySerde, this.valueSerde, this.repartitionRequired, name)
  }

  /** A terminal action per record. */
  foreach(action: (key: K, value: V) => void, name?: string): void {
    this.op<never, never>('KSTREAM-FOREACH', (_ctx, r) => action(r.key as K, r.value as V), null, null, false, name)
  }

  /** Routes each record to the first branch whose predicate holds (`split().branch(...).defaultBranch()`). */
  split(prefix?: string): BranchedKStream<K, V> {
    const node = this.g.name('KSTREAM-BRANCH')
    return new BranchedKStream(this, prefix ?? `${node}-`, node)
  }

  merge(other: KStream<K, V>, name?: string): KStream<K, V> {
    const n = this.g.addProcessor(this.g.name('KSTREAM-MERGE', name), simple<K, V>((ctx, r) => ctx.forward(r as Record<K, V>)), [this.node, other.node])
    const s = new KStream<K, V>(this.g, n, this.keySerde, this.valueSerde, this.repartitionRequired || other.repartitionRequired, [...this.sourceTopics, ...other.sourceTopics])
    return s
  }

  /** Writes to a topic, or to the topic the extractor names per record. */
  to(topic: string | TopicNameExtractor<K, V>, produced: Produced<K, V> = {}): void {
    this.g.topology.addSink(this.g.name('KSTREAM-SINK', produced.name), topic, {
      keySerde: produced.keySerde ?? this.g.keySerde(this.keySerde), valueSerde: produced.valueSerde ?? this.g.valueSerde(this.valueSerde), partitioner: produced.partitioner,
    }, this.node)
  }

  /** Through a repartition topic (created by the runtime): records are spread by their current key. */
  repartition(r: Repartitioned<K, V> = {}): KStream<K, V> {
    return this.throughTopic(this.g.name('KSTREAM-REPARTITION', r.name), r.keySerde ?? this.keySerde, r.valueSerde ?? this.valueSerde, r.numberOfPartitions ?? null, r, false)
  }

  /** @internal Sink into `<base>-repartition` and a new source reading it. */
  throughTopic(base: string, keySerde: Serde<K> | null, valueSerde: Serde<V> | null, partitions: number | null, r: Repartitioned<K, V> = {}, dropNullKeys = true): KStream<K, V> {
    const topic = `${base}-repartition`
    const ks = this.g.keySerde(keySerde)
    const vs = this.g.valueSerde(valueSerde)
    this.g.topology.addRepartitionTopic(topic, partitions)
    let parent = this.node
    if (dropNullKeys) {
      parent = this.g.addProcessor(`${base}-repartition-filter`, simple<K, V>((ctx, rec) => { if (rec.key !== null && rec.key !== undefined) ctx.forward(rec as Record<K, V>) }), [this.node])
    }
    this.g.topology.addSink(`${base}-repartition-sink`, topic, { keySerde: ks, valueSerde: vs, partitioner: r.partitioner }, parent)
    const src = `${base}-repartition-source`
    this.g.topology.addSource(src, topic, { keySerde: ks, valueSerde: vs })
    return new KStream<K, V>(this.g, src, ks, vs, false, [topic])
  }

  /** This stream as a table: each record an update of its key (null deletes). */
  toTable(materialized: Materialized<K, V> = {}): KTable<K, V> {
    const input = this.repartitionRequired ? this.throughTopic(this.g.name('KSTREAM-TOTABLE'), this.keySerde, this.valueSerde, null) : this
    const name = this.g.name('KSTREAM-TOTABLE')
    const ks = this.g.keySerde(materialized.keySerde ?? input.keySerde)
    const vs = this.g.valueSerde(materialized.valueSerde ?? input.valueSerde)
    const store = this.g.kvStore(materialized.storeName ?? `${name}-STATE-STORE`, materialized, ks, vs)
    this.g.addProcessor(name, tableSourceSupplier<K, V>(store), [input.node], [store])
    return KTable.materialized<K, V>(this.g, name, ks, vs, input.sourceTopics, store)
  }

  /** A Processor API step; its forwards make the new stream (repartitioned before a later grouping). */
  process<K2, V2>(supplier: ProcessorSupplier<K, V, K2, V2>, ...storeNames: string[]): KStream<K2, V2> {
    const n = this.g.addProcessor(this.g.name('KSTREAM-PROCESSOR'), supplier, [this.node], storeNames)
    return this.derive<K2, V2>(n, null, null, true)
  }

  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(this.withSerdes(grouped.keySerde, grouped.valueSerde), grouped.name ?? null, this.repartitionRequired)
  }

  groupBy<K2>(selector: (key: K, value: V) => K2, grouped: Grouped<K2, V> = {}): KGroupedStream<K2, V> {
    const s = this.selectKey(selector).withSerdes(grouped.keySerde, grouped.valueSerde ?? this.valueSerde)
    return new KGroupedStream<K2, V>(s, grouped.name ?? null, true)
  }

  /** @internal */
  withSerdes(keySerde: Serde<K> | null | undefined, valueSerde: Serde<V> | null | undefined): KStream<K, V> {
    return new KStream<K, V>(this.g, this.node, keySerde ?? this.keySerde, valueSerde ?? this.valueSerde, this.repartitionRequired, this.sourceTopics)
  }

  /** @internal This stream, through a repartition topic if its key may have changed. */
  repartitioned(base: string, keySerde?: Serde<K> | null, valueSerde?: Serde<V> | null): KStream<K, V> {
    return this.repartitionRequired ? this.throughTopic(base, keySerde ?? this.keySerde, valueSerde ?? this.valueSerde, null) : this
  }

  /** Windowed inner join: records of both streams with equal keys at most the window apart. */
  join<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V, VO, VR>, windows: JoinWindows, joined: Joined<K, V, VO> = {}): KStream<K, VR> {
    return streamStreamJoin(this, other, joiner, windows, joined, false, false)
  }

  /** Like join, and a left record that found no partner within the window (once it closed) joins with null. */
  leftJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V, VO | null, VR>, windows: JoinWindows, joined: Joined<K, V, VO> = {}): KStream<K, VR> {
    return streamStreamJoin(this, other, joiner as ValueJoiner<V, VO, VR>, windows, joined, true, false)
  }

  /** Both sides' unmatched records join with null once their window closed. */
  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR>, windows: JoinWindows, joined: Joined<K, V, VO> = {}): KStream<K, VR> {
    return streamStreamJoin(this, other, joiner as ValueJoiner<V, VO, VR>, windows, joined, true, true)
  }

  /** Each record with the table's current value for its key (no output when there is none). */
  joinTable<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<V, VT, VR>, joined: Joined<K, V, VT> = {}): KStream<K, VR> {
    return this.tableJoin(table, joiner as ValueJoiner<V, VT | null, VR>, joined, false)
  }

  /** Each record with the table's current value for its key, or null. */
  leftJoinTable<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<V, VT | null, VR>, joined: Joined<K, V, VT> = {}): KStream<K, VR> {
    return this.tableJoin(table, joiner, joined, true)
  }

  private tableJoin<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<V, VT | null, VR>, joined: Joined<K, V, VT>, left: boolean): KStream<K, VR> {
    const name = this.g.name('KSTREAM-JOIN', joined.name)
    const input = this.repartitioned(name, joined.keySerde, joined.valueSerde)
    this.g.topology.addCopartitionGroup([...input.sourceTopics, ...table.sourceTopics])
    const getter = table.valueGetter()
    this.g.addProcessor(name, streamTableJoinSupplier<K, V, VT, VR>(getter.make, joiner, left), [input.node], getter.stores)
    return input.derive<K, VR>(name, input.keySerde, null, false)
  }

  /** Each record with the global table's value for `keySelector(key, value)` (no output when none). */
  joinGlobal<KG, VG, VR>(table: GlobalKTable<KG, VG>, keySelector: (key: K, value: V) => KG, joiner: ValueJoiner<V, VG, VR>): KStream<K, VR> {
    const n = this.g.addProcessor(this.g.name('KSTREAM-GLOBALKTABLE-JOIN'), streamGlobalJoinSupplier<K, V, KG, VG, VR>(table.storeName, keySelector, joiner as ValueJoiner<V, VG | null, VR>, false), [this.node])
    return this.derive<K, VR>(n, this.keySerde, null, this.repartitionRequired)
  }

  leftJoinGlobal<KG, VG, VR>(table: GlobalKTable<KG, VG>, keySelector: (key: K, value: V) => KG, joiner: ValueJoiner<V, VG | null, VR>): KStream<K, VR> {
    const n = this.g.addProcessor(this.g.name('KSTREAM-GLOBALKTABLE-LEFTJOIN'), streamGlobalJoinSupplier<K, V, KG, VG, VR>(table.storeName, keySelector, joiner, true), [this.node])
    return this.derive<K, VR>(n, this.keySerde, null, this.repartitionRequired)
  }
}

export type { Processor }
