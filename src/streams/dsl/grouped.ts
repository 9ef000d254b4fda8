// Grouped streams and tables, and their windowed forms: where count/reduce/aggregate live. A
// grouped stream whose key may have changed is repartitioned first; the result is a KTable over
// a store (windowed results have Windowed keys).
import type { Serde } from '../serdes.ts'
import { Serdes } from '../serdes.ts'
import { Stores } from '../state/stores.ts'
import type { Windowed } from '../state/window-store.ts'
import type { Graph } from './graph.ts'
import type { KStream } from './kstream.ts'
import { KTable } from './ktable.ts'
import { streamAggregateSupplier, streamReduceSupplier } from './aggregate.ts'
import { tableAggregateSupplier, tableReduceSupplier } from './table-ops.ts'
import { sessionAggregateSupplier, timeWindowAggregateSupplier, windowedGetter } from './window-aggregate.ts'
import { slidingAggregateSupplier } from './sliding-aggregate.ts'
import type { Materialized } from './options.ts'
import { SessionWindows, SlidingWindows, TimeWindows } from './windows.ts'

export class KGroupedStream<K, V> {
  constructor(private readonly stream: KStream<K, V>, private readonly groupName: string | null, private readonly repartition: boolean) {}

  private get g(): Graph {
    return this.stream.g
  }

  /** The input of an aggregation named `name`: repartitioned when the key may have changed. */
  private input(name: string, storeName: string | undefined): KStream<K, V> {
    if (!this.repartition) return this.stream
    return this.stream.throughTopic(this.groupName ?? storeName ?? name, this.stream.keySerde, this.stream.valueSerde, null)
  }

  count(materialized: Materialized<K, number> = {}): KTable<K, number> {
    return this.aggregate(() => 0, (_k, _v, n) => n + 1, { valueSerde: Serdes.Long(), ...materialized })
  }

  reduce(reducer: (agg: V, value: V) => V, materialized: Materialized<K, V> = {}): KTable<K, V> {
    const name = this.g.name('KSTREAM-REDUCE')
    const input = this.input(name, materialized.storeName)
    const ks = this.g.keySerde(materialized.keySerde ?? input.keySerde)
    const vs = this.g.valueSerde(materialized.valueSerde ?? input.valueSerde)
    const store = this.g.kvStore(materialized.storeName ?? `${name}-STATE-STORE`, materialized, ks, vs, true)
    this.g.addProcessor(name, streamReduceSupplier<K, V>(store, reducer), [input.node], [store])
    return KTable.materialized<K, V>(this.g, name, ks, vs, input.sourceTopics, store)
  }

  aggregate<A>(init: () => A, aggregator: (key: K, value: V, agg: A) => A, materialized: Materialized<K, A> = {}): KTable<K, A> {
    const name = this.g.name('KSTREAM-AGGREGATE')
    const input = this.input(name, materialized.storeName)
    const ks = this.g.keySerde(materialized.keySerde ?? input.keySerde)
    const vs = this.g.valueSerde(materialized.valueSerde)
    const store = this.g.kvStore(materialized.storeName ?? `${name}-STATE-STORE`, materialized, ks, vs, true)
    this.g.addProcessor(name, streamAggregateSupplier<K, V, A>(store, init, aggregator), [input.node], [store])
    return KTable.materialized<K, A>(this.g, name, ks, vs, input.sourceTopics, store)
  }

  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SlidingWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    const input = (name: string, store?: string) => this.input(name, store)
    if (windows instanceof SessionWindows) return new SessionWindowedKStream<K, V>(this.g, input, windows)
    return new TimeWindowedKStream<K, V>(this.g, input, windows)
  }
}

type Input<K, V> = (name: string, store?: string) => KStream<K, V>

export class TimeWindowedKStream<K, V> {
  constructor(private readonly g: Graph, private readonly input: Input<K, V>, private readonly windows: TimeWindows | SlidingWindows) {}

  count(materialized: Materialized<K, number> = {}): KTable<Windowed<K>, number> {
    return this.aggregate(() => 0, (_k, _v, n) => n + 1, { valueSerde: Serdes.Long(), ...materialized })
  }

  reduce(reducer: (agg: V, value: V) => V, materialized: Materialized<K, V> = {}): KTable<Windowed<K>, V> {
    // A reduce is an aggregate whose first value is the record itself.
    const first = Symbol('none')
    type A = V | typeof first
    return this.aggregate<A>(() => first, (_k, v, agg) => (agg === first ? v : reducer(agg as V, v)), materialized as Materialized<K, A>) as KTable<Windowed<K>, V>
  }

  aggregate<A>(init: () => A, aggregator: (key: K, value: V, agg: A) => A, materialized: Materialized<K, A> = {}): KTable<Windowed<K>, A> {
    const sliding = this.windows instanceof SlidingWindows
    const name = this.g.name(sliding ? 'KSTREAM-SLIDINGWINDOWAGGREGATE' : 'KSTREAM-WINDOWAGGREGATE')
    const input = this.input(name, materialized.storeName)
    const ks = this.g.keySerde(materialized.keySerde ?? input.keySerde)
    const vs = this.g.valueSerde(materialized.valueSerde)
    const storeName = materialized.storeName ?? `${name}-STATE-STORE`
    const w = this.windows
    const size = w instanceof SlidingWindows ? w.timeDifferenceMs : w.sizeMs
    const retention = Math.max(materialized.retentionMs ?? 0, (w instanceof SlidingWindows ? 2 * size : size) + w.graceMs)
    const kind = materialized.storeType === 'in-memory' ? Stores.inMemoryWindowStore : Stores.persistentWindowStore
    let b = Stores.timestampedWindowStoreBuilder(kind(storeName, retention, size, false), ks, vs as Serde<A>)
    if (materialized.logging === false) b = b.withLoggingDisabled()
    this.g.addStore(b)
    const stores = [storeName]
    if (w instanceof SlidingWindows) {
      const raw = `${storeName}-records`
      let rb = Stores.windowStoreBuilder(kind(raw, retention + size, 0, true), ks, this.g.valueSerde(input.valueSerde))
      if (materialized.logging === false) rb = rb.withLoggingDisabled()
      this.g.addStore(rb)
      stores.push(raw)
      this.g.addProcessor(name, slidingAggregateSupplier<K, V, A>(storeName, raw, w, init, aggregator), [input.node], stores)
    } else {
      this.g.addProcessor(name, timeWindowAggregateSupplier<K, V, A>(storeName, w, init, aggregator), [input.node], stores)
    }
    return new KTable<Windowed<K>, A>(this.g, name, null, vs as Serde<A>, input.sourceTopics, storeName, windowedGetter<K, A>(storeName), w.graceMs)
  }
}

export class SessionWindowedKStream<K, V> {
  constructor(private readonly g: Graph, private readonly input: Input<K, V>, private readonly windows: SessionWindows) {}

  count(materialized: Materialized<K, number> = {}): KTable<Windowed<K>, number> {
    return this.aggregate(() => 0, (_k, _v, n) => n + 1, (_k, a, b) => a + b, { valueSerde: Serdes.Long(), ...materialized })
  }

  reduce(reducer: (agg: V, value: V) => V, materialized: Materialized<K, V> = {}): KTable<Windowed<K>, V> {
    const first = Symbol('none')
    type A = V | typeof first
    const merge = (a: A, b: A): A => (a === first ? b : b === first ? a : reducer(a as V, b as V))
    return this.aggregate<A>(() => first, (_k, v, agg) => merge(agg, v), (_k, a, b) => merge(a, b), materialized as Materialized<K, A>) as KTable<Windowed<K>, V>
  }

  /** `merger` combines the aggregates of two sessions a record joins together. */
  aggregate<A>(init: () => A, aggregator: (key: K, value: V, agg: A) => A, merger: (key: K, a: A, b: A) => A, materialized: Materialized<K, A> = {}): KTable<Windowed<K>, A> {
    const name = this.g.name('KSTREAM-SESSIONWINDOWAGGREGATE')
    const input = this.input(name, materialized.storeName)
    const ks = this.g.keySerde(materialized.keySerde ?? input.keySerde)
    const vs = this.g.valueSerde(materialized.valueSerde)
    const storeName = materialized.storeName ?? `${name}-STATE-STORE`
    const retention = Math.max(materialized.retentionMs ?? 0, this.windows.inactivityGapMs + this.windows.graceMs)
    const kind = materialized.storeType === 'in-memory' ? Stores.inMemorySessionStore : Stores.persistentSessionStore
    let b = Stores.sessionStoreBuilder(kind(storeName, retention), ks, vs as Serde<A>)
    if (materialized.logging === false) b = b.withLoggingDisabled()
    this.g.addStore(b)
    this.g.addProcessor(name, sessionAggregateSupplier<K, V, A>(storeName, this.windows, init, aggregator, merger), [input.node], [storeName])
    return new KTable<Windowed<K>, A>(this.g, name, null, vs as Serde<A>, input.sourceTopics, storeName, { stores: [storeName], make: () => () => null }, this.windows.graceMs + this.windows.inactivityGapMs)
  }
}

export class KGroupedTable<K, V> {
  constructor(private readonly g: Graph, private readonly node: string, private readonly keySerde: Serde<K>, private readonly valueSerde: Serde<V>, private readonly sourceTopics: string[]) {}

  count(materialized: Materialized<K, number> = {}): KTable<K, number> {
    return this.aggregate(() => 0, (_k, _v, n) => n + 1, (_k, _v, n) => n - 1, { valueSerde: Serdes.Long(), ...materialized })
  }

  reduce(adder: (agg: V, value: V) => V, subtractor: (agg: V, value: V) => V, materialized: Materialized<K, V> = {}): KTable<K, V> {
    const name = this.g.name('KTABLE-REDUCE')
    const ks = materialized.keySerde ?? this.keySerde
    const vs = materialized.valueSerde ?? this.valueSerde
    const store = this.g.kvStore(materialized.storeName ?? `${name}-STATE-STORE`, materialized, ks, vs)
    this.g.addProcessor(name, tableReduceSupplier<K, V>(store, adder, subtractor), [this.node], [store])
    return KTable.materialized<K, V>(this.g, name, ks, vs, this.sourceTopics, store)
  }

  aggregate<A>(init: () => A, adder: (key: K, value: V, agg: A) => A, subtractor: (key: K, value: V, agg: A) => A, materialized: Materialized<K, A> = {}): KTable<K, A> {
    const name = this.g.name('KTABLE-AGGREGATE')
    const ks = materialized.keySerde ?? this.keySerde
    const vs = this.g.valueSerde(materialized.valueSerde)
    const store = this.g.kvStore(materialized.storeName ?? `${name}-STATE-STORE`, materialized, ks, vs)
    this.g.addProcessor(name, tableAggregateSupplier<K, V, A>(store, init, adder, subtractor), [this.node], [store])
    return KTable.materialized<K, A>(this.g, name, ks, vs, this.sourceTopics, store)
  }
}

export { TimeWindows }
