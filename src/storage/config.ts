// Per-log configuration. Callers pass Kafka's names (`segment.bytes`, `retention.ms`, ...) as a
// plain object; `parseLogConfig` validates and maps them onto this typed shape. The broker's
// config table owns documentation and broker-level defaults; these are the storage defaults.
import { StorageError } from './errors.ts'

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

type Kind = 'int' | 'ratio' | 'policy' | 'tstype'
/** Kafka name -> [field, kind, minimum]. */
const FIELDS: Record<string, [keyof LogConfig, Kind, number]> = {
  'segment.bytes': ['segmentBytes', 'int', 14],
  'segment.ms': ['segmentMs', 'int', 1],
  'segment.index.bytes': ['segmentIndexBytes', 'int', 8],
  'index.interval.bytes': ['indexIntervalBytes', 'int', 0],
  'retention.ms': ['retentionMs', 'int', -1],
  'retention.bytes': ['retentionBytes', 'int', -1],
  'cleanup.policy': ['cleanupPolicy', 'policy', 0],
  'delete.retention.ms': ['deleteRetentionMs', 'int', 0],
  'min.cleanable.dirty.ratio': ['minCleanableDirtyRatio', 'ratio', 0],
  'min.compaction.lag.ms': ['minCompactionLagMs', 'int', 0],
  'max.compaction.lag.ms': ['maxCompactionLagMs', 'int', 1],
  'message.timestamp.type': ['messageTimestampType', 'tstype', 0],
  'message.timestamp.before.max.ms': ['messageTimestampBeforeMaxMs', 'int', 0],
  'message.timestamp.after.max.ms': ['messageTimestampAfterMaxMs', 'int', 0],
  'max.message.bytes': ['maxMessageBytes', 'int', 0],
  'flush.messages': ['flushMessages', 'int', 1],
  'flush.ms': ['flushMs', 'int', 0],
}

/** Kafka names understood by `parseLogConfig`. */
export const LOG_CONFIG_NAMES: readonly string[] = Object.keys(FIELDS)

/**
 * Builds a LogConfig from Kafka-named entries over `base`. Values may be numbers, bigints or
 * strings (as they arrive from CreateTopics/AlterConfigs); unknown names are ignored (they belong
 * to the broker); null/undefined keep the base value. Bad values throw INVALID_CONFIG.
 */
export function parseLogConfig(
  raw: Record<string, unknown> = {},
  base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG,
): LogConfig {
  const out: LogConfig = { ...base }
  for (const [name, value] of Object.entries(raw)) {
    const spec = FIELDS[name]
    if (!spec || value === undefined || value === null) continue
    const [field, kind, min] = spec
    const bad = (why: string) =>
      new StorageError('INVALID_CONFIG', `Invalid value ${String(value)} for configuration ${name}: ${why}`)
    if (kind === 'policy') {
      const v = String(value).split(',').map((s) => s.trim()).filter(Boolean).sort().join(',')
      if (v !== 'delete' && v !== 'compact' && v !== 'compact,delete') {
        throw bad('expected delete, compact or compact,delete')
      }
      ;(out as unknown as Record<string, unknown>)[field] = v
    } else if (kind === 'tstype') {
      if (value !== 'CreateTime' && value !== 'LogAppendTime') throw bad('expected CreateTime or LogAppendTime')
      out.messageTimestampType = value
    } else {
      const n = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value.trim()) : value
      if (typeof n !== 'number' || !Number.isFinite(n)) throw bad('not a number')
      if (kind === 'int' && !Number.isInteger(n)) throw bad('not an integer')
      if (n < min) throw bad(`must be at least ${min}`)
      if (kind === 'ratio' && n > 1) throw bad('must be at most 1')
      ;(out as unknown as Record<string, unknown>)[field] = Math.min(n, MAX)
    }
  }
  return out
}

export const compacted = (c: LogConfig): boolean => c.cleanupPolicy !== 'delete'
export const deletes = (c: LogConfig): boolean => c.cleanupPolicy !== 'compact'
