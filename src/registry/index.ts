// `samsa/registry`: the Confluent-compatible schema registry. Built on samsa/client only, so it can
// run against any Kafka cluster; `samsa start` runs one beside its broker (schema.registry.listeners).
export { startSchemaRegistry, parseRegistryListeners } from './server.ts'
export type { SchemaRegistryOptions, RunningSchemaRegistry, RegistryAddress } from './server.ts'
export { SchemaRegistry } from './schema-registry.ts'
export { RegistryError } from './errors.ts'
export { LEVELS as COMPATIBILITY_LEVELS } from './compatibility.ts'
export type { CompatibilityLevel } from './compatibility.ts'
export type { SchemaType, SchemaReference } from './records.ts'
export * from './serde/index.ts'
export { brokerLookup } from './broker-lookup.ts'
export type { BrokerSchemaLookup } from './broker-lookup.ts'
