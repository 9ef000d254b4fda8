// KafkaStreams configuration: Kafka Streams' settings in camelCase, with its defaults.
import type { ClientOptions } from '../../client/index.ts'
import type { TimestampExtractor } from '../processor/api.ts'
import type { RestoreListener } from './restore.ts'
import type { ErrorHandlingConfig } from '../error-handling.ts'

export interface StreamsConfig extends ClientOptions, ErrorHandlingConfig {
  /** Names the consumer group, the internal topics' prefix and the transactional id. */
  applicationId: string
  /** Where persistent stores, checkpoints and the process id live. Default `<tmpdir>/samsa-streams`. */
  stateDir?: string
  /** 'at_least_once' (default) or 'exactly_once_v2'. */
  processingGuarantee?: 'at_least_once' | 'exactly_once_v2'
  /** Default 30 000 (at_least_once) or 100 (exactly_once_v2), as Kafka's. */
  commitIntervalMs?: number
  /** Replication factor of repartition and changelog topics. Default -1 (the broker's default). */
  replicationFactor?: number
  sessionTimeoutMs?: number
  heartbeatIntervalMs?: number
  /** Static membership: a restarted instance with the same id takes its tasks back without a rebalance. */
  groupInstanceId?: string
  /** Default 'fail'. A failed send of a processed record (the dead-letter topic gets its source record). */
  productionExceptionHandler?: 'fail' | 'continue'
  /** Under exactly_once_v2. Default 10 000 (Kafka Streams' transaction.timeout.ms). */
  transactionTimeoutMs?: number
  defaultTimestampExtractor?: TimestampExtractor
  restoreListener?: RestoreListener
  /** Warnings (skipped records, dropped sends); default console.warn. */
  log?: (message: string) => void
  /** How long a task reading several partitions waits for one that has data on the broker but none fetched yet. Default 500. */
  maxTaskIdleMs?: number
  /** Producer batching (linger.ms). Default 5. */
  lingerMs?: number
  /**
   * The producer's `batch.size`. Default 128 KiB, not the producer's 16 KiB: a task's output is
   * a steady stream, and a record's CPU cost falls with fewer, larger produce requests.
   */
  batchSize?: number
  /** `application.server`: this instance's host:port for interactive queries (named to other instances in the assignment). */
  applicationServer?: string
  /**
   * `statestore.cache.max.bytes`: the record cache of each aggregation store (counted at ~100 B a key);
   * updates of a key between commits are coalesced and forwarded once at commit. Default 10 MiB; 0 turns caching off.
   */
  stateStoreCacheMaxBytes?: number
  /** `num.standby.replicas`: warm copies of each task kept on other instances. Default 0. */
  numStandbyReplicas?: number
}
