// StreamsBuilder: the DSL's entry point. `stream()`, `table()` and `globalTable()` read topics;
// `build()` returns the Topology the runtime or the TopologyTestDriver runs.
import type { Processor, ProcessorContext, Record } from '../processor/api.ts'
import type { Topology } from '../processor/topology.ts'
import type { Serde } from '../serdes.ts'
import { Stores } from '../state/stores.ts'
import type { KeyValueStore, ValueAndTimestamp } from '../state/kv-store.ts'
import { Graph } from './graph.ts'
import { KStream } from './kstream.ts'
import { GlobalKTable, KTable } from './ktable.ts'
import { tableSourceSupplier } from './table-ops.ts'
import type { Consumed, Materialized } from './options.ts'

export interface StreamsBuilderOptions {
  /** Serdes used where none is given (Kafka's default.key.serde / default.value.serde). Default JSON. */
  defaultKeySerde?: Serde<unknown>
  defaultValueSerde?: Serde<unknown>
}

export class StreamsBuilder {
  private readonly g: Graph

  constructor(options: StreamsBuilderOptions = {}) {
    this.g = new Graph(options.defaultKeySerde, options.defaultValueSerde)
  }

  /** A record stream of one or more topics. */
  stream<K, V>(topics: string | string[], consumed: Consumed<K, V> = {}): KStream<K, V> {
    const list = typeof topics === 'string' ? [topics] : topics
    const name = this.g.name('KSTREAM-SOURCE', consumed.name)
    const keySerde = this.g.keySerde(consumed.keySerde)
    const valueSerde = this.g.valueSerde(consumed.valueSerde)
    this.g.topology.addSource(name, list, { keySerde, valueSerde, timestampExtractor: consumed.timestampExtractor })
    return new KStream<K, V>(this.g, name, keySerde, valueSerde, false, list)
  }

  /** A changelog topic read as a table: the latest value per key (null deletes), materialized in a store. */
  table<K, V>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): KTable<K, V> {
    const source = this.g.name('KSTREAM-SOURCE', consumed.name)
    const keySerde = this.g.keySerde(materialized.keySerde ?? consumed.keySerde)
    const valueSerde = this.g.valueSerde(materialized.valueSerde ?? consumed.valueSerde)
    this.g.topology.addSource(source, topic, { keySerde, valueSerde, timestampExtractor: consumed.timestampExtractor })
    const name = this.g.name('KTABLE-SOURCE')
    const store = this.g.kvStore(materialized.storeName ?? `${topic}-STATE-STORE-${name.slice(-10)}`, materialized, keySerde, valueSerde)
    this.g.addProcessor(name, tableSourceSupplier<K, V>(store), [source], [store])
    return KTable.materialized<K, V>(this.g, name, keySerde, valueSerde, [topic], store)
  }

  /** A table of every partition of `topic`, on every instance; joined with streams by a key selector. */
  globalTable<K, V>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): GlobalKTable<K, V> {
    const keySerde = this.g.keySerde(materialized.keySerde ?? consumed.keySerde)
    const valueSerde = this.g.valueSerde(materialized.valueSerde ?? consumed.valueSerde)
    const source = this.g.name('KSTREAM-SOURCE', consumed.name)
    const storeName = materialized.storeName ?? `${topic}-STATE-STORE-${source.slice(-10)}`
    const supplier = materialized.storeType === 'in-memory' ? Stores.inMemoryKeyValueStore(storeName) : Stores.persistentKeyValueStore(storeName)
    const builder = Stores.timestampedKeyValueStoreBuilder(supplier, keySerde, valueSerde)
    this.g.topology.addGlobalStore(builder, source, topic, { keySerde, valueSerde, timestampExtractor: consumed.timestampExtractor }, this.g.name('KTABLE-SOURCE'), () => globalUpdater<K, V>(storeName))
    return new GlobalKTable<K, V>(storeName)
  }

  build(): Topology {
    return this.g.topology
  }
}

function globalUpdater<K, V>(storeName: string): Processor<K, V> {
  let store: KeyValueStore<K, ValueAndTimestamp<V>>
  return {
    init(ctx: ProcessorContext) {
      store = ctx.getStateStore(storeName)
    },
    process(r: Record<K, V>) {
      if (r.key === null || r.key === undefined) return
      store.put(r.key, r.value === null ? null : { value: r.value, timestamp: r.timestamp }, r.timestamp)
    },
  }
}
