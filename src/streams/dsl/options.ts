// The DSL's option objects (Kafka's Consumed, Produced, Grouped, Materialized, Joined,
// StreamJoined, Repartitioned, Named as plain objects).
import type { StreamPartitioner, TimestampExtractor, TopicNameExtractor } from '../processor/api.ts'
import type { Serde } from '../serdes.ts'

export interface Consumed<K, V> {
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
  timestampExtractor?: TimestampExtractor
  /** Name of the source node. */
  name?: string
}

export interface Produced<K, V> {
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
  partitioner?: StreamPartitioner<K, V>
  name?: string
}

export interface Grouped<K, V> {
  /** Names the repartition topic (`<application.id>-<name>-repartition`). */
  name?: string
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
}

export interface Materialized<K, V> {
  /** A queryable store name (also names its changelog, `<application.id>-<name>-changelog`). */
  storeName?: string
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
  /** 'persistent' (LMDB on disk; the default, as Kafka's RocksDB) or 'in-memory'; for key-value, window and session stores. */
  storeType?: 'persistent' | 'in-memory'
  /** Default true: the store is backed by a compacted changelog topic. */
  logging?: boolean
  /**
   * Default true: the record cache (`statestore.cache.max.bytes`) coalesces a key's updates between
   * commits; a stream aggregation then forwards each key's latest value at commit. False: every update goes through.
   */
  caching?: boolean
  /** Window and session stores: how long windows are kept (at least window size + grace). */
  retentionMs?: number
}

export interface Repartitioned<K, V> {
  name?: string
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
  numberOfPartitions?: number
  partitioner?: StreamPartitioner<K, V>
}

/** Stream-table and stream-stream joins: serdes of the key and of both sides' values. */
export interface Joined<K, V, VO> {
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
  otherValueSerde?: Serde<VO>
  name?: string
}

export type ValueJoiner<V, VO, VR> = (value: V, other: VO) => VR

export type { TopicNameExtractor }
