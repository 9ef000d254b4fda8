// Config entries as DescribeConfigs (and CreateTopics v5+) report them, computed from the one
// config table: value, source, synonyms (highest precedence first, grouped per synonym key like
// Kafka), type, documentation, read-only and sensitive flags.
import type { BrokerConfig } from '../config/broker-config.ts'
import { ConfigSource } from '../config/broker-config.ts'
import { BROKER_DEFS, TOPIC_DEFS, formatConfigValue } from '../config/config-table.ts'
import type { ConfigDef, ConfigType } from '../config/config-def.ts'
import { parseTopicOverrides } from '../config/topic-config.ts'

/** DescribeConfigs' ConfigType codes. */
const TYPE_CODES: Record<ConfigType, number> = {
  boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9,
}

export interface ConfigSynonymEntry {
  readonly name: string
  readonly value: string | null
  readonly source: number
}

export interface ConfigEntry {
  readonly name: string
  readonly value: string | null
  readonly readOnly: boolean
  readonly source: number
  readonly isSensitive: boolean
  readonly synonyms: readonly ConfigSynonymEntry[]
  readonly type: number
  readonly documentation: string | null
}

function shown(def: ConfigDef, value: Parameters<typeof formatConfigValue>[1]): string | null {
  return def.sensitive || def.type === 'password' ? null : formatConfigValue(def, value)
}

function brokerSynonymsOf(config: BrokerConfig, name: string): ConfigSynonymEntry[] {
  const def = BROKER_DEFS.get(name)!
  return config.synonyms(name).map((r) => ({ name: r.name, value: shown(def, r.value), source: r.source }))
}

function wanted(keys: readonly string[] | null, defs: ReadonlyMap<string, ConfigDef>): ConfigDef[] {
  if (keys === null || keys.length === 0) return [...defs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const out: ConfigDef[] = []
  for (const k of new Set(keys)) {
    const d = defs.get(k)
    if (d) out.push(d)
  }
  return out
}

/** A topic's configs: its overrides (DYNAMIC_TOPIC_CONFIG) over the broker-derived defaults. */
export function describeTopicConfigs(config: BrokerConfig, overrides: Readonly<Record<string, string>>, keys: readonly string[] | null,
  opts: { synonyms?: boolean, documentation?: boolean } = {}): ConfigEntry[] {
  const parsed = parseTopicOverrides(overrides)
  return wanted(keys, TOPIC_DEFS).map((def) => {
    const own = parsed.has(def.name) ? { name: def.name, value: shown(def, parsed.get(def.name)!), source: ConfigSource.DYNAMIC_TOPIC_CONFIG } : null
    const dflt = config.topicDefault(def.name)
    const synonyms: ConfigSynonymEntry[] = []
    if (opts.synonyms) {
      if (own) synonyms.push(own)
      const brokerNames = def.brokerSynonyms?.map((s) => s.name) ?? []
      for (const n of brokerNames) if (BROKER_DEFS.has(n)) synonyms.push(...brokerSynonymsOf(config, n))
      if (brokerNames.length === 0 && def.default !== null) {
        synonyms.push({ name: def.name, value: shown(def, def.default), source: ConfigSource.DEFAULT_CONFIG })
      }
    }
    return {
      name: def.name,
      value: own ? own.value : shown(def, dflt.value),
      readOnly: false,
      source: own ? own.source : dflt.source,
      isSensitive: def.sensitive === true,
      synonyms,
      type: TYPE_CODES[def.type],
      documentation: opts.documentation ? def.doc : null,
    }
  })
}

/** This broker's configs with their effective values and sources. */
export function describeBrokerConfigs(config: BrokerConfig, keys: readonly string[] | null,
  opts: { synonyms?: boolean, documentation?: boolean } = {}): ConfigEntry[] {
  return wanted(keys, BROKER_DEFS).map((def) => {
    const r = config.resolve(def.name)
    return {
      name: def.name,
      value: shown(def, r.value),
      readOnly: def.dynamic === 'read-only',
      source: r.source,
      isSensitive: def.sensitive === true || def.type === 'password',
      synonyms: opts.synonyms ? brokerSynonymsOf(config, def.name) : [],
      type: TYPE_CODES[def.type],
      documentation: opts.documentation ? def.doc : null,
    }
  })
}

/** The cluster-wide dynamic defaults (DescribeConfigs of the broker resource named ""): only what is set. */
export function describeClusterDefaults(config: BrokerConfig, keys: readonly string[] | null,
  opts: { synonyms?: boolean, documentation?: boolean } = {}): ConfigEntry[] {
  return describeBrokerConfigs(config, keys, opts)
    .map((e) => {
      const layer = config.synonyms(e.name).find((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)
      if (!layer) return null
      const def = BROKER_DEFS.get(e.name)!
      const entry: ConfigEntry = { ...e, value: shown(def, layer.value), source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }
      return entry
    })
    .filter((e): e is ConfigEntry => e !== null)
}
