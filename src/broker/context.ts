// What every request handler can reach: the broker's long-lived services. One object per broker,
// created at start-up (broker.ts); handlers get it as `ctx.broker`.
import type { Logger } from 'pino'
import type { BrokerConfig } from './config/broker-config.ts'
import type { MetadataStore } from './cluster/metadata-store.ts'
import type { HandlerRegistry } from './api/registry.ts'
import type { BoundListener } from './net/server.ts'

/** Wall-clock time, injectable for tests (storage's Scheduler satisfies it). */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/**
 * Partition storage. Typed loosely until the storage layer's LogManager lands; the broker opens it
 * at start-up and closes it last at shutdown.
 */
export interface StorageService {
  close(): Promise<void>
}

export interface BrokerContext {
  readonly config: BrokerConfig
  readonly nodeId: number
  readonly clusterId: string
  /** Topics, topic ids, partition counts, topic config overrides (persisted). */
  readonly metadata: MetadataStore
  /** Partition logs (null until the storage layer is wired in). */
  readonly storage: StorageService | null
  /** The handlers this broker serves (ApiVersions reads it). */
  readonly registry: HandlerRegistry
  /** Listeners as clients should reach them (advertised host, actual port). */
  readonly advertisedListeners: readonly BoundListener[]
  readonly clock: Clock
  readonly log: Logger
}
