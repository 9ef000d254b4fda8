// The broker's effective configuration: Kafka's layering of defaults < static (file, --set,
// options) < dynamic cluster-wide default < dynamic per-broker value, plus topic-config defaults
// derived through their broker synonyms. Built once at start; dynamic layers change at runtime.
import { BROKER_DEFS, TOPIC_DEFS, parseConfigValue, unknownKey } from './config-table.ts'
import { ConfigError } from './config-error.ts'
import { parseListeners, parseProtocolMap, requireKnownSecurity } from './listeners.ts'
import { listenerKeyId, parseListenerKey } from './listener-prefix.ts'
import type { ConfigDef, ConfigValue } from './config-def.ts'
import type { ListenerAddress } from './listeners.ts'
import { parseEtcdConnect } from '../cluster/store/etcd-connect.ts'
import type { EtcdConnect } from '../cluster/store/etcd-connect.ts'

/** Kafka's DescribeConfigs ConfigSource values. */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const
export type ConfigSourceValue = (typeof ConfigSource)[keyof typeof ConfigSource]

export interface ResolvedValue {
  /** The key that supplied the value (the config itself or a broker synonym). */
  readonly name: string
  readonly value: ConfigValue
  readonly source: ConfigSourceValue
}

/** Raw overrides as strings, or typed values (from startBroker options), keyed by Kafka name. */
export type RawConfig = Readonly<Record<string, string | number | boolean | readonly string[]>>

/** TLS key and trust material: Kafka updates it dynamically only under a listener prefix. */
const LISTENER_PREFIX_ONLY = new Set([
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.key', 'ssl.keystore.certificate.chain',
  'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password', 'ssl.truststore.certificates',
])

function toText(v: string | number | boolean | readonly string[]): string {
  return Array.isArray(v) ? v.join(',') : String(v)
}

export class BrokerConfig {
  private readonly staticValues = new Map<string, ConfigValue>()
  private readonly dynamicDefault = new Map<string, ConfigValue>()
  private readonly dynamicBroker = new Map<string, ConfigValue>()
  /** `listener.name.<l>.[<mechanism>.]<key>` overrides, by listenerKeyId. */
  private readonly listenerValues = new Map<string, ConfigValue>()
  /** Dynamic listener overrides (AlterConfigs on the broker), per broker and cluster-wide, by listenerKeyId. */
  private readonly dynamicListener: Record<'per-broker' | 'cluster-wide', Map<string, ConfigValue>> = { 'per-broker': new Map(), 'cluster-wide': new Map() }
  /** Listeners to bind, parsed from `listeners`. */
  readonly listeners: readonly ListenerAddress[]
  /** Listeners to advertise (same names as `listeners`). */
  readonly advertisedListeners: readonly ListenerAddress[]
  readonly nodeId: number
  /** First data directory: cluster metadata lives here. */
  readonly dataDir: string
  /** Every data directory (log.dirs, else log.dir); partitions are spread over them. */
  readonly logDirs: readonly string[]
  /** Cluster mode: where the metadata lives (etcd.connect); undefined for a single node. */
  readonly etcdConnect: EtcdConnect | undefined

  /** Validates every key and value; throws ConfigError on the first problem. Later entries win. */
  constructor(entries: Iterable<readonly [string, string | number | boolean | readonly string[]]> = []) {
    for (const [key, raw] of entries) {
      const prefixed = parseListenerKey(key)
      if (prefixed) {
        let value: ConfigValue
        try {
          value = parseConfigValue(prefixed.def, toText(raw))
        } catch (err) {
          // Name the key as written, not its base key.
          if (err instanceof ConfigError) throw new ConfigError(key, err.message.slice(err.key.length + 2))
          throw err
        }
        this.listenerValues.set(listenerKeyId(prefixed.listener, prefixed.key, prefixed.mechanism), value)
        continue
      }
      const def = BROKER_DEFS.get(key)
      if (!def) throw unknownKey(key, 'broker')
      this.staticValues.set(key, parseConfigValue(def, toText(raw)))
    }
    const protocols = parseProtocolMap('listener.security.protocol.map', this.string('listener.security.protocol.map'))
    // KRaft controller listeners (a Kafka server.properties has one) are not client endpoints.
    const controllers = new Set(this.list('controller.listener.names').map((n) => n.toUpperCase()))
    this.listeners = parseListeners('listeners', this.list('listeners'), protocols).filter((l) => !controllers.has(l.name))
    if (this.listeners.length === 0) throw new ConfigError('listeners', 'at least one (non-controller) listener is required')
    requireKnownSecurity('listeners', this.listeners)
    const advertised = this.get('advertised.listeners') as readonly string[] | null
    const adv = advertised ? parseListeners('advertised.listeners', advertised, protocols).filter((l) => !controllers.has(l.name)) : []
    for (const a of adv) {
      if (!this.listeners.some((l) => l.name === a.name)) {
        throw new ConfigError('advertised.listeners', `listener name ${a.name} is not one of listeners (${this.listeners.map((l) => l.name).join(', ')})`)
      }
    }
    this.advertisedListeners = this.listeners.map((l) => adv.find((a) => a.name === l.name) ?? l)
    const brokerId = this.int('broker.id')
    const nodeIdSet = this.staticValues.has('node.id')
    if (brokerId >= 0 && nodeIdSet && brokerId !== this.int('node.id')) {
      throw new ConfigError('broker.id', `${brokerId} differs from node.id ${this.int('node.id')}; set one of them`)
    }
    this.nodeId = nodeIdSet || brokerId < 0 ? this.int('node.id') : brokerId
    if (this.nodeId < 0) throw new ConfigError('node.id', 'must be >= 0')
    const dirs = this.get('log.dirs') as readonly string[] | null
    if (dirs && dirs.length === 0) throw new ConfigError('log.dirs', 'must name at least one directory')
    this.logDirs = dirs ? [...dirs] : [this.string('log.dir')]
    const etcd = this.get('etcd.connect')
    if (typeof etcd === 'string') {
      try {
        this.etcdConnect = parseEtcdConnect(etcd)
      } catch (err) {
        throw new ConfigError('etcd.connect', (err as Error).message)
      }
    }
    this.dataDir = this.logDirs[0]
  }

  /** Builds a config from a key->value record (e.g. startBroker's `config` option). */
  static fromRecord(record: RawConfig = {}): BrokerConfig {
    return new BrokerConfig(Object.entries(record))
  }

  def(name: string): ConfigDef {
    const def = BROKER_DEFS.get(name)
    if (!def) throw unknownKey(name, 'broker')
    return def
  }

  /** Effective value of a broker config, with where it came from. */
  resolve(name: string): ResolvedValue {
    const def = this.def(name)
    if (this.dynamicBroker.has(name)) return { name, value: this.dynamicBroker.get(name)!, source: ConfigSource.DYNAMIC_BROKER_CONFIG }
    if (this.dynamicDefault.has(name)) {
      return { name, value: this.dynamicDefault.get(name)!, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }
    }
    if (this.staticValues.has(name)) return { name, value: this.staticValues.get(name)!, source: ConfigSource.STATIC_BROKER_CONFIG }
    return { name, value: def.default, source: ConfigSource.DEFAULT_CONFIG }
  }

  get(name: string): ConfigValue {
    return this.resolve(name).value
  }

  /**
   * A config as one listener sees it (Kafka's valuesWithPrefixOverride): with a mechanism, the
   * `listener.name.<l>.<mechanism>.<key>` override first; then `listener.name.<l>.<key>`; then the
   * broker-wide value.
   */
  forListener(listener: string, key: string, mechanism: string | null = null): ConfigValue {
    const layers = [this.dynamicListener['per-broker'], this.dynamicListener['cluster-wide'], this.listenerValues]
    if (mechanism) {
      const id = listenerKeyId(listener, key, mechanism)
      for (const layer of layers) if (layer.has(id)) return layer.get(id)!
    }
    const id = listenerKeyId(listener, key)
    for (const layer of layers) if (layer.has(id)) return layer.get(id)!
    return this.get(key)
  }

  /** True when the value comes from anything but the table default. */
  isSet(name: string): boolean {
    return this.resolve(name).source !== ConfigSource.DEFAULT_CONFIG
  }

  int(name: string): number {
    const v = this.get(name)
    if (typeof v !== 'number') throw new Error(`config ${name} has no numeric value`)
    return v
  }

  bool(name: string): boolean {
    return this.get(name) === true
  }

  string(name: string): string {
    const v = this.get(name)
    if (typeof v !== 'string') throw new Error(`config ${name} has no string value`)
    return v
  }

  list(name: string): readonly string[] {
    const v = this.get(name)
    return Array.isArray(v) ? v : []
  }

  /**
   * Every value a broker config could take, highest precedence first, as DescribeConfigs'
   * synonyms list them (only layers that hold a value, plus the default when there is one).
   */
  synonyms(name: string): ResolvedValue[] {
    const def = this.def(name)
    const out: ResolvedValue[] = []
    if (this.dynamicBroker.has(name)) out.push({ name, value: this.dynamicBroker.get(name)!, source: ConfigSource.DYNAMIC_BROKER_CONFIG })
    if (this.dynamicDefault.has(name)) {
      out.push({ name, value: this.dynamicDefault.get(name)!, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG })
    }
    if (this.staticValues.has(name)) out.push({ name, value: this.staticValues.get(name)!, source: ConfigSource.STATIC_BROKER_CONFIG })
    if (def.default !== null) out.push({ name, value: def.default, source: ConfigSource.DEFAULT_CONFIG })
    return out
  }

  /**
   * DescribeConfigs synonyms as Kafka lists them (ConfigHelper.configSynonyms): every layer that
   * holds a value, layer by layer (per-broker dynamic, cluster dynamic, static, default) across
   * all `names`, then everything before the first entry named exactly `primary` dropped — so
   * retention.ms with only log.retention.hours' default lists nothing, as in Kafka.
   */
  layeredSynonyms(primary: string, names: readonly string[]): ResolvedValue[] {
    const out: ResolvedValue[] = []
    const layers: [ReadonlyMap<string, ConfigValue>, ConfigSourceValue][] = [
      [this.dynamicBroker, ConfigSource.DYNAMIC_BROKER_CONFIG],
      [this.dynamicDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      [this.staticValues, ConfigSource.STATIC_BROKER_CONFIG],
    ]
    for (const [layer, source] of layers) {
      for (const name of names) if (layer.has(name)) out.push({ name, value: layer.get(name)!, source })
    }
    for (const name of names) {
      const dflt = this.def(name).default
      if (dflt !== null) out.push({ name, value: dflt, source: ConfigSource.DEFAULT_CONFIG })
    }
    const first = out.findIndex((r) => r.name === primary)
    return first < 0 ? [] : out.slice(first)
  }

  /**
   * The listener-prefixed keys (`listener.name.<l>.[<mechanism>.]<key>`) set in some layer — for
   * this broker every layer, for the cluster-wide resource the dynamic default one — each with its
   * DescribeConfigs synonyms as Kafka lists them (the key, then its base key, layer by layer, from
   * the key's own first layer on). Sorted by key.
   */
  listenerOverrides(clusterWide: boolean): Map<string, ResolvedValue[]> {
    const layers: [ReadonlyMap<string, ConfigValue>, ReadonlyMap<string, ConfigValue>, ConfigSourceValue][] = [
      [this.dynamicListener['per-broker'], this.dynamicBroker, ConfigSource.DYNAMIC_BROKER_CONFIG],
      [this.dynamicListener['cluster-wide'], this.dynamicDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      [this.listenerValues, this.staticValues, ConfigSource.STATIC_BROKER_CONFIG],
    ]
    const ids = clusterWide ? [...this.dynamicListener['cluster-wide'].keys()] : layers.flatMap(([l]) => [...l.keys()])
    const out = new Map<string, ResolvedValue[]>()
    for (const id of [...new Set(ids)].sort()) {
      const { key, def } = parseListenerKey(id)!
      const list: ResolvedValue[] = []
      for (const [own, base, source] of clusterWide ? layers.slice(1) : layers) {
        if (own.has(id)) list.push({ name: id, value: own.get(id)!, source })
        if (base.has(key)) list.push({ name: key, value: base.get(key)!, source })
      }
      if (def.default !== null) list.push({ name: key, value: def.default, source: ConfigSource.DEFAULT_CONFIG })
      out.set(id, list.slice(list.findIndex((r) => r.name === id)))
    }
    return out
  }

  /**
   * The broker-level value a topic config defaults to: the first synonym that is set, else the
   * last synonym's default, else the topic table's own default — converted to the topic's unit
   * (hours -> ms; a negative time means "forever" and stays -1, as in Kafka).
   */
  topicDefault(topicKey: string): ResolvedValue {
    const first = this.topicSynonyms(topicKey)[0]
    const scale = first.scale
    if (scale === 1 || typeof first.value !== 'number') return { name: first.name, value: first.value, source: first.source }
    return { name: first.name, value: first.value < 0 ? -1 : first.value * scale, source: first.source }
  }

  /**
   * Broker-level synonyms of a topic config, highest precedence first, with values in the broker
   * key's own unit (as DescribeConfigs lists them, e.g. log.retention.hours=168) and the factor to
   * the topic's unit. Always ends with one DEFAULT_CONFIG entry.
   */
  topicSynonyms(topicKey: string): (ResolvedValue & { readonly scale: number })[] {
    const def = TOPIC_DEFS.get(topicKey)
    if (!def) throw unknownKey(topicKey, 'topic')
    const set: (ResolvedValue & { scale: number })[] = []
    const defaults: (ResolvedValue & { scale: number })[] = []
    for (const syn of def.brokerSynonyms ?? []) {
      const scale = syn.scale ?? 1
      for (const r of this.synonyms(syn.name)) (r.source === ConfigSource.DEFAULT_CONFIG ? defaults : set).push({ ...r, scale })
    }
    if (defaults.length === 0) defaults.push({ name: topicKey, value: def.default, source: ConfigSource.DEFAULT_CONFIG, scale: 1 })
    // Only the lowest-precedence synonym's default matters (e.g. log.retention.hours=168).
    return [...set, defaults[defaults.length - 1]]
  }

  /**
   * Sets or clears (value undefined) a dynamic broker config; validates like static ones. A
   * `listener.name.<l>.` key is a dynamic listener override (Kafka's way to change a listener's
   * key store at runtime).
   */
  setDynamic(name: string, raw: string | undefined, scope: 'per-broker' | 'cluster-wide'): void {
    const prefixed = parseListenerKey(name)
    if (prefixed) {
      const def = prefixed.def
      if (def.dynamic === 'read-only') throw new ConfigError(name, 'cannot be updated dynamically (read-only; set it in the config file)')
      if (scope === 'cluster-wide' && def.dynamic === 'per-broker') {
        throw new ConfigError(name, 'cannot be updated at the default cluster level; give the broker id')
      }
      const id = listenerKeyId(prefixed.listener, prefixed.key, prefixed.mechanism)
      if (raw === undefined) this.dynamicListener[scope].delete(id)
      else {
        try {
          this.dynamicListener[scope].set(id, parseConfigValue(def, raw))
        } catch (err) {
          if (err instanceof ConfigError) throw new ConfigError(name, err.message.slice(err.key.length + 2))
          throw err
        }
      }
      return
    }
    const def = this.def(name)
    if (def.dynamic === 'read-only') throw new ConfigError(name, 'cannot be updated dynamically (read-only; set it in the config file)')
    if (scope === 'per-broker' && def.dynamic !== 'per-broker' && def.dynamic !== 'cluster-wide') {
      throw new ConfigError(name, 'cannot be updated per broker')
    }
    // Kafka's DynamicBrokerConfig.validateConfigs refusals, reported the same way.
    if (LISTENER_PREFIX_ONLY.has(name)) throw new ConfigError(name, 'can be updated dynamically only per listener (with the listener prefix)')
    if (scope === 'cluster-wide' && def.dynamic === 'per-broker') {
      throw new ConfigError(name, 'cannot be updated at the default cluster level; give the broker id')
    }
    const layer = scope === 'per-broker' ? this.dynamicBroker : this.dynamicDefault
    if (raw === undefined) layer.delete(name)
    else layer.set(name, parseConfigValue(def, raw))
  }
}
