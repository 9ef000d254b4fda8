// What every request handler can reach: the broker's long-lived services. One object per broker,
// built by the composition root (broker.ts) before the listeners open; handlers get it as
// `ctx.broker`. Services are typed fields here, never looked up by key elsewhere.
import type { Logger } from 'pino'
import type { BrokerConfig } from './config/broker-config.ts'
import type { MetadataView } from './cluster/metadata-image.ts'
import type { Controller } from './cluster/controller.ts'
import type { TopicService } from './cluster/topic-service.ts'
import type { ConfigAdmin } from './cluster/config-admin.ts'
import type { BufferPool } from './net/buffer-pool.ts'
import type { TimerQueue } from './coordinator/timer-queue.ts'
import type { HandlerRegistry } from './api/registry.ts'
import type { BoundListener } from './net/server.ts'
import type { LogManager, Scheduler } from '../storage/index.ts'
import type { ReplicaManager } from './replica/replica-manager.ts'
import type { ProducerIdSource } from './coordinator/txn/producer-id-manager.ts'
import type { Coordinators } from './coordinator/coordinators.ts'
import type { BrokerMetrics } from './metrics/broker-metrics.ts'
import type { InterBrokerClient } from './cluster/inter-broker-client.ts'
import type { Security } from './security/security.ts'
import type { SchemaLookupSlot } from './api/schema-ids.ts'
import type { ClientQuotas } from './quota/client-quotas.ts'

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
  /** Hosted partitions (HW, LSO, appends, reads) and the delayed-operation purgatories. */
  readonly replicas: ReplicaManager
  /** Topic admin: validates, writes through the controller, waits for the image. */
  readonly topics: TopicService
  /** Describe/Alter configs for topics and brokers (dynamic broker layers). */
  readonly configAdmin: ConfigAdmin
  /** The group and transaction coordinators (opened once this context exists). */
  readonly coordinators: Coordinators
  /** Prometheus metrics: request latency, per-topic traffic (state metrics are computed at scrape). */
  readonly metrics: BrokerMetrics
  /** Idle buffers for fetch reads from segment files (net/read-buffers.ts). */
  readonly readBufferPool: BufferPool
  /** The handlers this broker serves (ApiVersions reads it). */
  readonly registry: HandlerRegistry
  /** Listener security (TLS, SASL mechanisms) and SCRAM credentials. */
  readonly security: Security
  /** Client quotas (produce/fetch byte rates, request time) and channel throttling. */
  readonly quotas: ClientQuotas
  /** Listeners as clients should reach them (advertised host, actual port). */
  readonly advertisedListeners: readonly BoundListener[]
  /** Time and periodic timers (`now()`, `every(ms, fn)`); a ManualScheduler in tests. */
  readonly clock: Scheduler
  /**
   * The broker's one timer queue on `clock`, driven by one real timer: purgatory deadlines (fetch
   * long-polls, acks=all) and coordinator timers. Tests with a manual clock call `runDue()`.
   */
  readonly timers: TimerQueue
  /** The schema registry's id lookup for broker-side validation, lent by `samsa start` once it runs. */
  readonly schemas: SchemaLookupSlot
  readonly log: Logger
  /** Requests to other brokers (WriteTxnMarkers, AddPartitionsToTxn verification) at their inter-broker listener. */
  readonly interBroker: InterBrokerClient
  /** Cluster mode: producer ids in blocks from the shared metadata store (single node: a file in the data dir). */
  readonly producerIds?: ProducerIdSource
}
