// What every request handler can reach: the broker's long-lived services. One object per broker,
// created at start-up (broker.ts); handlers get it as `ctx.broker`.
import type { Logger } from 'pino'
import type { BrokerConfig } from './config/broker-config.ts'
import type { MetadataStore } from './cluster/metadata-store.ts'
import type { HandlerRegistry } from './api/registry.ts'
import type { BoundListener } from './net/server.ts'
import type { LogManager, Scheduler } from '../storage/index.ts'
import type { ReplicaManager } from './replica/replica-manager.ts'

export interface BrokerContext {
  readonly config: BrokerConfig
  readonly nodeId: number
  readonly clusterId: string
  /** Topics, topic ids, partition counts, topic config overrides (persisted). */
  readonly metadata: MetadataStore
  /** Partition logs: `logs.getOrCreate(topic, partition)`, `logs.get(...)`, `logs.delete(...)`. */
  readonly logs: LogManager
  /** Hosted partitions (HW, LSO, appends, reads) and the delayed-fetch purgatory. */
  readonly replicas: ReplicaManager
  /** The handlers this broker serves (ApiVersions reads it). */
  readonly registry: HandlerRegistry
  /** Listeners as clients should reach them (advertised host, actual port). */
  readonly advertisedListeners: readonly BoundListener[]
  /** Time and periodic timers (`now()`, `every(ms, fn)`); a ManualScheduler in tests. */
  readonly clock: Scheduler
  readonly log: Logger
}
