// What every request handler can reach: the broker's long-lived services. One object per broker,
// created at start-up (broker.ts); handlers get it as `ctx.broker`.
import type { Logger } from 'pino'
import type { BrokerConfig } from './config/broker-config.ts'
import type { MetadataView } from './cluster/metadata-image.ts'
import type { Controller } from './cluster/controller.ts'
import type { HandlerRegistry } from './api/registry.ts'
import type { BoundListener } from './net/server.ts'
import type { LogManager, Scheduler } from '../storage/index.ts'
import type { ReplicaManager } from './replica/replica-manager.ts'

export interface BrokerContext {
  readonly config: BrokerConfig
  readonly nodeId: number
  readonly clusterId: string
  /** The current metadata image (topics, ids, partition states, configs), read-only. */
  readonly metadata: MetadataView
  /** Writes topic changes to the metadata store and waits for the image. */
  readonly controller: Controller
  /** Partition logs (storage); partitions are created and deleted only by ReplicaManager.applyDelta. */
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
