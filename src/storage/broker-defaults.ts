// Broker-level names of the log settings (server.properties) -> their topic-level names, so a
// broker config can become the LogManager's default LogConfig with `parseLogConfig`.
import { DEFAULT_LOG_CONFIG, parseLogConfig } from './config.ts'
import type { LogConfig } from './config.ts'

const BROKER_TO_TOPIC: Record<string, string> = {
  'log.segment.bytes': 'segment.bytes',
  'log.roll.ms': 'segment.ms',
  'log.index.size.max.bytes': 'segment.index.bytes',
  'log.index.interval.bytes': 'index.interval.bytes',
  'log.retention.ms': 'retention.ms',
  'log.retention.bytes': 'retention.bytes',
  'log.cleanup.policy': 'cleanup.policy',
  'log.cleaner.delete.retention.ms': 'delete.retention.ms',
  'log.cleaner.min.cleanable.ratio': 'min.cleanable.dirty.ratio',
  'log.cleaner.min.compaction.lag.ms': 'min.compaction.lag.ms',
  'log.cleaner.max.compaction.lag.ms': 'max.compaction.lag.ms',
  'log.message.timestamp.type': 'message.timestamp.type',
  'log.message.timestamp.before.max.ms': 'message.timestamp.before.max.ms',
  'log.message.timestamp.after.max.ms': 'message.timestamp.after.max.ms',
  'message.max.bytes': 'max.message.bytes',
  'log.flush.interval.messages': 'flush.messages',
  'log.flush.interval.ms': 'flush.ms',
}

/** Hour/minute variants Kafka also accepts; the `.ms` form wins when both are given. */
const SCALED: Record<string, [string, number]> = {
  'log.roll.hours': ['segment.ms', 3600_000],
  'log.retention.hours': ['retention.ms', 3600_000],
  'log.retention.minutes': ['retention.ms', 60_000],
}

/** Default LogConfig from broker-level settings (unknown names are ignored). */
export function logConfigFromBroker(raw: Record<string, unknown>, base: LogConfig = DEFAULT_LOG_CONFIG): LogConfig {
  const topic: Record<string, unknown> = {}
  for (const [name, [to, scale]] of Object.entries(SCALED)) {
    const v = raw[name]
    if (v !== undefined && v !== null) topic[to] = Number(v) < 0 ? -1 : Number(v) * scale
  }
  for (const [name, to] of Object.entries(BROKER_TO_TOPIC)) {
    const v = raw[name]
    if (v !== undefined && v !== null) topic[to] = v
  }
  return parseLogConfig(topic, base)
}
