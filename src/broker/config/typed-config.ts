// Config objects typed from the tables: every key the table declares, with the value type its
// definition implies, so a misspelt key or a wrong value type in startBroker({ config }) fails to
// compile. Derived, not generated: adding a row to a table extends these types.
import type { BROKER_CONFIGS } from './broker-configs.ts'
import type { TOPIC_CONFIGS } from './topic-configs.ts'
import type { ConfigDef } from './config-def.ts'

/** Accepted items of a definition: its validValues as literals, or any string. */
type ItemOf<D> = D extends { readonly validValues?: infer V extends readonly string[] } ? V[number] : string

/** The value a caller may give for a definition (the same forms BrokerConfig parses). */
export type ConfigInput<D extends ConfigDef> =
  D['type'] extends 'boolean' ? boolean
    : D['type'] extends 'int' | 'short' | 'long' | 'double' ? number
      : D['type'] extends 'list' ? readonly ItemOf<D>[] | string
        : ItemOf<D>

type BrokerDef = (typeof BROKER_CONFIGS)[number]
type TopicDef = (typeof TOPIC_CONFIGS)[number]

/** Every broker config name in the table. */
export type BrokerConfigName = BrokerDef['name']
/** Every topic config name in the table. */
export type TopicConfigName = TopicDef['name']

/** Broker configs by Kafka name, e.g. `{ 'num.partitions': 3, 'compression.type': 'zstd' }`. */
export type BrokerConfigs = { readonly [D in BrokerDef as D['name']]?: ConfigInput<D> }
/** Topic configs by Kafka name, e.g. `{ 'cleanup.policy': ['compact'], 'retention.ms': 60_000 }`. */
export type TopicConfigs = { readonly [D in TopicDef as D['name']]?: ConfigInput<D> }

/**
 * Fails to compile when a table array is annotated `ConfigDef[]` (names widen to string, and a
 * misspelt key would compile again): declare table arrays without a type annotation.
 */
export type TableNamesAreLiteral = Assert<string extends BrokerConfigName | TopicConfigName ? false : true>
type Assert<T extends true> = T
