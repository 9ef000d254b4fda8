// DescribeConfigs entries computed from the config table, with Kafka's semantics: the effective
// value, where it came from (ConfigSource), read-only for static broker keys, synonyms in
// precedence order (topic override, then broker keys in their own units, then the default),
// sensitive values hidden. The handler only maps these onto the response version.
import { BROKER_DEFS, TOPIC_DEFS, formatConfigValue, parseConfigValue } from './config-table.ts'
import { ConfigSource } from './broker-config.ts'
import type { BrokerConfig, ConfigSourceValue } from './broker-config.ts'
import type { ConfigDef, ConfigType } from './config-def.ts'

/** Kafka's DescribeConfigs ConfigType codes (v3+). */
export const CONFIG_TYPE_CODE: Readonly<Record<ConfigType, number>> = {
  boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9,
}

export interface ConfigSynonymEntry {
  readonly name: string
  readonly value: string | null
  readonly source: ConfigSourceValue
}

export interface DescribedConfig {
  readonly name: string
  readonly value: string | null
  readonly readOnly: boolean
  readonly source: ConfigSourceValue
  /** DescribeConfigs v0's flag: the value is the table default. */
  readonly isDefault: boolean
  readonly isSensitive: boolean
  /** Empty unless requested. */
  readonly synonyms: ConfigSynonymEntry[]
  readonly configType: number
  /** null unless requested. */
  readonly documentation: string | null
}

export interface DescribeOptions {
  readonly includeSynonyms?: boolean
  readonly includeDocumentation?: boolean
}

const text = (def: ConfigDef, value: Parameters<typeof formatConfigValue>[1]) => (def.sensitive ? null : formatConfigValue(def, value))

/** Names to describe: all of the table when `keys` is null/empty; unknown names are skipped, as Kafka does. */
function select(defs: ReadonlyMap<string, ConfigDef>, keys: readonly string[] | null | undefined): ConfigDef[] {
  if (!keys || keys.length === 0) return [...defs.values()]
  return keys.map((k) => defs.get(k)).filter((d): d is ConfigDef => d !== undefined)
}

export function describeTopicConfigs(broker: BrokerConfig, overrides: Readonly<Record<string, string>>, keys?: readonly string[] | null,
  opts: DescribeOptions = {}): DescribedConfig[] {
  return select(TOPIC_DEFS, keys).map((def) => {
    const raw = Object.hasOwn(overrides, def.name) ? overrides[def.name] : undefined
    const override = raw === undefined ? undefined : parseConfigValue(def, raw)
    const fromBroker = broker.topicDefault(def.name)
    const source = override !== undefined ? ConfigSource.DYNAMIC_TOPIC_CONFIG : fromBroker.source
    const value = override !== undefined ? override : fromBroker.value
    const synonyms: ConfigSynonymEntry[] = []
    if (opts.includeSynonyms) {
      if (override !== undefined) synonyms.push({ name: def.name, value: text(def, override), source: ConfigSource.DYNAMIC_TOPIC_CONFIG })
      for (const s of broker.topicSynonyms(def.name)) {
        const sdef = BROKER_DEFS.get(s.name) ?? def
        synonyms.push({ name: s.name, value: text(sdef, s.value), source: s.source })
      }
    }
    return {
      name: def.name,
      value: text(def, value),
      readOnly: false,
      source,
      isDefault: source === ConfigSource.DEFAULT_CONFIG,
      isSensitive: def.sensitive === true,
      synonyms,
      configType: CONFIG_TYPE_CODE[def.type],
      documentation: opts.includeDocumentation ? def.doc : null,
    }
  })
}

export function describeBrokerConfigs(broker: BrokerConfig, keys?: readonly string[] | null, opts: DescribeOptions = {}): DescribedConfig[] {
  return select(BROKER_DEFS, keys).map((def) => {
    const r = broker.resolve(def.name)
    return {
      name: def.name,
      value: text(def, r.value),
      readOnly: def.dynamic === 'read-only',
      source: r.source,
      isDefault: r.source === ConfigSource.DEFAULT_CONFIG,
      isSensitive: def.sensitive === true,
      synonyms: opts.includeSynonyms ? broker.synonyms(def.name).map((s) => ({ name: s.name, value: text(def, s.value), source: s.source })) : [],
      configType: CONFIG_TYPE_CODE[def.type],
      documentation: opts.includeDocumentation ? def.doc : null,
    }
  })
}
