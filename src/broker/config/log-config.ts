// The LogConfig storage runs a partition with, resolved from the topic config table: the topic's
// stored overrides over the broker-level defaults (each topic config's broker synonyms, e.g.
// log.retention.hours). This is the one place topic settings become storage values; storage never
// reads Kafka names, and the table alone validates them.
import type { CleanupPolicy, LogConfig, TimestampTypeName } from '../../storage/index.ts'
import type { BrokerConfig } from './broker-config.ts'
import { ConfigError } from './config-error.ts'
import { effectiveTopicConfig, parseTopicOverrides } from './topic-config.ts'

/** Numeric topic configs storage uses, by LogConfig field. */
const NUMERIC = {
  segmentBytes: 'segment.bytes',
  segmentMs: 'segment.ms',
  segmentIndexBytes: 'segment.index.bytes',
  indexIntervalBytes: 'index.interval.bytes',
  retentionMs: 'retention.ms',
  retentionBytes: 'retention.bytes',
  deleteRetentionMs: 'delete.retention.ms',
  minCleanableDirtyRatio: 'min.cleanable.dirty.ratio',
  minCompactionLagMs: 'min.compaction.lag.ms',
  maxCompactionLagMs: 'max.compaction.lag.ms',
  messageTimestampBeforeMaxMs: 'message.timestamp.before.max.ms',
  messageTimestampAfterMaxMs: 'message.timestamp.after.max.ms',
  maxMessageBytes: 'max.message.bytes',
  flushMessages: 'flush.messages',
  flushMs: 'flush.ms',
} as const satisfies Partial<Record<keyof LogConfig, string>>

/**
 * A topic's LogConfig: `overrides` (Kafka names, values as stored) over `broker`'s defaults.
 * Throws ConfigError for an unknown name or a bad value. Long "forever" values (2^63) become
 * Number.MAX_SAFE_INTEGER, which storage treats as unbounded.
 */
export function logConfigOf(broker: BrokerConfig, overrides: Readonly<Record<string, string>> = {}): LogConfig {
  const eff = effectiveTopicConfig(broker, parseTopicOverrides(overrides))
  const num = (name: string) => Math.min(Number(eff.get(name)), Number.MAX_SAFE_INTEGER)
  const policy = [...((eff.get('cleanup.policy') ?? []) as readonly string[])].sort().join(',')
  if (policy !== 'delete' && policy !== 'compact' && policy !== 'compact,delete') {
    throw new ConfigError('cleanup.policy', `"${policy}" is not valid: expected delete, compact or both`)
  }
  const out = {
    cleanupPolicy: policy as CleanupPolicy,
    messageTimestampType: eff.get('message.timestamp.type') as TimestampTypeName,
  } as LogConfig
  for (const [field, name] of Object.entries(NUMERIC)) (out as unknown as Record<string, number>)[field] = num(name)
  return out
}
