// Opens partition storage for a broker: the LogManager over log.dirs, with defaults derived from
// the broker config through the topic table (so retention.ms follows log.retention.hours, etc.)
// and per-topic overrides read from the cluster metadata; only the partitions the metadata image
// assigns to this broker are opened.
import { resolve } from 'node:path'
import { LogManager } from '../storage/index.ts'
import type { LogConfig, Scheduler } from '../storage/index.ts'
import { logConfigOf } from './config/log-config.ts'
import type { Logger } from 'pino'
import type { BrokerConfig } from './config/broker-config.ts'

export interface StorageSelection {
  /** A topic's stored config overrides (for the partitions opened at start-up). */
  readonly topicConfig: (topic: string) => Readonly<Record<string, string>> | undefined
  /** The partition directories to open: those the metadata image assigns to this broker. */
  readonly shouldLoad: (topic: string, partition: number) => boolean
}

export function openStorage(config: BrokerConfig, select: StorageSelection, scheduler: Scheduler, logger: Logger): Promise<LogManager> {
  return LogManager.open({
    logDirs: config.logDirs.map((d) => resolve(d)),
    defaults: logConfigOf(config),
    topicConfig: (topic): LogConfig | undefined => {
      const overrides = select.topicConfig(topic)
      return overrides ? logConfigOf(config, overrides) : undefined
    },
    shouldLoad: select.shouldLoad,
    scheduler,
    logger,
    flushCheckIntervalMs: config.int('log.flush.scheduler.interval.ms'),
    checkpointIntervalMs: config.int('log.flush.offset.checkpoint.interval.ms'),
    retentionCheckIntervalMs: config.int('log.retention.check.interval.ms'),
    cleanerBackoffMs: config.int('log.cleaner.backoff.ms'),
    cleanerEnabled: config.bool('log.cleaner.enable'),
    // Idempotent/transactional producer state: read at every check (dynamic config).
    producerIdExpirationMs: () => config.int('producer.id.expiration.ms'),
    producerIdExpirationCheckIntervalMs: config.int('producer.id.expiration.check.interval.ms'),
  })
}
