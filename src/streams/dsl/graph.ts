// What every DSL object shares: the topology being built, node naming (Kafka's
// `KSTREAM-MAP-0000000003` style), the default serdes and helpers to add processors and stores.
import type { ProcessorSupplier } from '../processor/api.ts'
import { Topology } from '../processor/topology.ts'
import type { Serde } from '../serdes.ts'
import { Serdes } from '../serdes.ts'
import { Stores } from '../state/stores.ts'
import type { StoreBuilder } from '../state/stores.ts'
import type { Materialized } from './options.ts'

export class Graph {
  readonly topology = new Topology()
  private counter = 0

  constructor(readonly defaultKeySerde: Serde<unknown> = Serdes.JSON(), readonly defaultValueSerde: Serde<unknown> = Serdes.JSON()) {}

  name(prefix: string, given?: string): string {
    if (given !== undefined) return given
    return `${prefix}-${String(this.counter++).padStart(10, '0')}`
  }

  keySerde<K>(s: Serde<K> | null | undefined): Serde<K> {
    return (s ?? this.defaultKeySerde) as Serde<K>
  }

  valueSerde<V>(s: Serde<V> | null | undefined): Serde<V> {
    return (s ?? this.defaultValueSerde) as Serde<V>
  }

  addProcessor<KIn, VIn, KOut, VOut>(name: string, supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>, parents: string[], stores: string[] = []): string {
    this.topology.addProcessor(name, supplier, ...parents)
    this.topology.connectProcessorAndStateStores(name, ...stores)
    return name
  }

  addStore(builder: StoreBuilder): string {
    if (!this.topology.stores.has(builder.name)) {
      // addStateStore needs processors to connect; connect later through connectProcessorAndStateStores.
      this.topology.stores.set(builder.name, builder)
    }
    return builder.name
  }

  /** A timestamped key-value store as Materialized describes (persistent and logged by default). */
  kvStore<K, V>(name: string, m: Materialized<K, V> | undefined, keySerde: Serde<K>, valueSerde: Serde<V>, cacheable = false): string {
    const supplier = m?.storeType === 'in-memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name)
    let b: StoreBuilder = Stores.timestampedKeyValueStoreBuilder(supplier, m?.keySerde ?? keySerde, m?.valueSerde ?? valueSerde)
    if (m?.logging === false) b = b.withLoggingDisabled()
    if (cacheable && m?.caching !== false) b = b.withCachingEnabled()
    return this.addStore(b)
  }
}
