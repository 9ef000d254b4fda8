// Storage tests name log settings as Kafka does; the broker's config table resolves them into the
// LogConfig storage runs with, as it does for the broker (broker/config/log-config.ts).
import { BrokerConfig, logConfigOf } from '../../src/broker/config/index.ts'
import type { LogConfig } from '../../src/storage/index.ts'

export function logConfig(raw: Readonly<Record<string, unknown>> = {}): LogConfig {
  return logConfigOf(new BrokerConfig(), Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)])))
}
