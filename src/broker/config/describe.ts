// DescribeConfigs entries computed from the config table, with Kafka's semantics: the effective
// value, where it came from (ConfigSource), read-only for static broker keys, synonyms in Kafka's
// order (topic override, then broker keys in their own units layer by layer, cut before the
// first entry named as the primary key; the source is the first synonym's), sensitive values
// hidden. The handler only maps these onto the response version.
import { BROKER_DEFS, TOPIC_DEFS, formatConfigValue, parseConfigValue } from './config-table.ts'
import { ConfigSource } from './broker-config.ts'
import { parseListenerKey } from './listener-prefix.ts'
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

/** Kafka's groups of broker keys that stand for one setting (DynamicBrokerConfig.brokerConfigSynonyms). */
const BROKER_SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
]

function brokerSynonymNames(name: string): readonly string[] {
  // log.flush.interval.ms falls back on the scheduler interval; the converse does not hold.
  if (name === 'log.flush.interval.ms' && BROKER_DEFS.has('log.flush.scheduler.interval.ms')) return [name, 'log.flush.scheduler.interval.ms']
  return BROKER_SYNONYM_GROUPS.find((g) => g.includes(name)) ?? [name]
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
    const names = (def.brokerSynonyms ?? []).map((s) => s.name)
    const synonyms: ConfigSynonymEntry[] = names.length === 0 ? [] : broker.layeredSynonyms(names[0], names)
      .map((s) => ({ name: s.name, value: text(BROKER_DEFS.get(s.name) ?? def, s.value), source: s.source }))
    if (override !== undefined) synonyms.unshift({ name: def.name, value: text(def, override), source: ConfigSource.DYNAMIC_TOPIC_CONFIG })
    const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG
    const value = override !== undefined ? override : broker.topicDefault(def.name).value
    return {
      name: def.name,
      value: text(def, value),
      readOnly: false,
      source,
      isDefault: source === ConfigSource.DEFAULT_CONFIG,
      isSensitive: def.sensitive === true,
      synonyms: opts.includeSynonyms ? synonyms : [],
      configType: CONFIG_TYPE_CODE[def.type],
      documentation: opts.includeDocumentation ? def.doc : null,
    }
  })
}

export function describeBrokerConfigs(broker: BrokerConfig, keys?: readonly string[] | null, opts: DescribeOptions = {}): DescribedConfig[] {
  return select(BROKER_DEFS, keys).map((def) => {
    const r = broker.resolve(def.name)
    const synonyms = broker.layeredSynonyms(def.name, brokerSynonymNames(def.name))
      .map((s) => ({ name: s.name, value: text(BROKER_DEFS.get(s.name) ?? def, s.value), source: s.source }))
    const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG
    return {
      name: def.name,
      value: text(def, r.value),
      readOnly: def.dynamic === 'read-only',
      source,
      isDefault: source === ConfigSource.DEFAULT_CONFIG,
      isSensitive: def.sensitive === true,
      synonyms: opts.includeSynonyms ? synonyms : [],
      configType: CONFIG_TYPE_CODE[def.type],
      documentation: opts.includeDocumentation ? def.doc : null,
    }
  })
}

/**
 * The listener-prefixed keys set for this broker (or, `clusterWide`, in the dynamic default layer),
 * which Kafka lists after the table's keys: e.g. a keystore reloaded with
 * `listener.name.sasl_ssl.ssl.keystore.location` shows with source DYNAMIC_BROKER_CONFIG.
 */
export function describeListenerOverrides(broker: BrokerConfig, keys: readonly string[] | null | undefined, opts: DescribeOptions,
  clusterWide: boolean): DescribedConfig[] {
  const wanted = keys && keys.length > 0 ? new Set(keys) : null
  const out: DescribedConfig[] = []
  for (const [name, all] of broker.listenerOverrides(clusterWide)) {
    if (wanted && !wanted.has(name)) continue
    // As for the table's keys, the cluster default resource lists only its own layer's synonyms.
    const synonyms = clusterWide ? all.filter((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG) : all
    const def = parseListenerKey(name)!.def
    out.push({
      name,
      value: text(def, synonyms[0].value),
      readOnly: def.dynamic === 'read-only',
      source: synonyms[0].source,
      isDefault: false,
      isSensitive: def.sensitive === true,
      synonyms: opts.includeSynonyms ? synonyms.map((s) => ({ name: s.name, value: text(def, s.value), source: s.source })) : [],
      configType: CONFIG_TYPE_CODE[def.type],
      documentation: opts.includeDocumentation ? def.doc : null,
    })
  }
  return out
}
