// Per-topic configuration: overrides stored with the topic (validated against the topic table)
// on top of the broker-level defaults reached through each config's broker synonyms.
import { TOPIC_DEFS, parseConfigValue, unknownKey } from './config-table.ts'
import { ConfigSource } from './broker-config.ts'
import type { BrokerConfig, ResolvedValue } from './broker-config.ts'
import type { ConfigValue } from './config-def.ts'

/** Validates raw topic overrides (CreateTopics, AlterConfigs); throws ConfigError on the first bad one. */
export function parseTopicOverrides(raw: Readonly<Record<string, string>>): Map<string, ConfigValue> {
  const out = new Map<string, ConfigValue>()
  for (const [key, text] of Object.entries(raw)) {
    const def = TOPIC_DEFS.get(key)
    if (!def) throw unknownKey(key, 'topic')
    out.set(key, parseConfigValue(def, text))
  }
  return out
}

/** Effective topic config: topic override if present, else the broker-derived default. */
export function resolveTopicConfig(broker: BrokerConfig, overrides: ReadonlyMap<string, ConfigValue>, key: string): ResolvedValue {
  if (overrides.has(key)) return { name: key, value: overrides.get(key)!, source: ConfigSource.DYNAMIC_TOPIC_CONFIG }
  return broker.topicDefault(key)
}

/** All effective topic configs as a plain record (what LogManager / a Log needs). */
export function effectiveTopicConfig(broker: BrokerConfig, overrides: ReadonlyMap<string, ConfigValue>): Map<string, ConfigValue> {
  const out = new Map<string, ConfigValue>()
  for (const key of TOPIC_DEFS.keys()) out.set(key, resolveTopicConfig(broker, overrides, key).value)
  return out
}
