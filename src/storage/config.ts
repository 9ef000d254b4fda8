// Per-log configuration as storage uses it: typed, already validated values. The broker resolves
// them from its config table (Kafka's names, topic overrides over broker defaults: see
// broker/config/log-config.ts); DEFAULT_LOG_CONFIG serves storage used on its own (tools, tests).

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete'
export type TimestampTypeName = 'CreateTime' | 'LogAppendTime'

export interface LogConfig {
  segmentBytes: number
  segmentMs: number
  segmentIndexBytes: number
  indexIntervalBytes: number
  /** -1: keep forever. */
  retentionMs: number
  /** -1: no size limit. */
  retentionBytes: number
  cleanupPolicy: CleanupPolicy
  deleteRetentionMs: number
  minCleanableDirtyRatio: number
  minCompactionLagMs: number
  maxCompactionLagMs: number
  messageTimestampType: TimestampTypeName
  messageTimestampBeforeMaxMs: number
  messageTimestampAfterMaxMs: number
  maxMessageBytes: number
  /** fsync after this many records; 1 = fsync before acknowledging every append. */
  flushMessages: number
  /** fsync when the oldest unflushed append is this old (checked by the LogManager's flush task). */
  flushMs: number
}

const MAX = Number.MAX_SAFE_INTEGER

/**
 * Defaults follow Kafka except `flush.ms`: Kafka leaves flushing to the OS because replicas hold
 * copies; Samsa is not replicated yet, so it fsyncs every second. What a crash can lose with the
 * defaults: a process crash loses nothing acknowledged (the data is in the OS page cache); an OS
 * crash or power loss can lose up to ~1 s of acknowledged appends per partition. `flush.messages=1`
 * fsyncs before acknowledging (group commit keeps that affordable).
 */
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 24 * 3600 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: MAX,
  messageTimestampType: 'CreateTime',
  messageTimestampBeforeMaxMs: MAX,
  messageTimestampAfterMaxMs: MAX,
  maxMessageBytes: 1024 * 1024 + 12,
  flushMessages: MAX,
  flushMs: 1000,
})

export const compacted = (c: LogConfig): boolean => c.cleanupPolicy !== 'delete'
export const deletes = (c: LogConfig): boolean => c.cleanupPolicy !== 'compact'
