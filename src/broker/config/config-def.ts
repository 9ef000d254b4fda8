// The shape of one config definition. Every broker and topic setting Samsa knows is declared once,
// as data, in the tables next to this file; parsing, validation, DescribeConfigs and `--help` all
// read those tables, so they cannot disagree.

/** Value types, named as Kafka names them (DescribeConfigs reports the same type names). */
export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'password' | 'class'

/** A parsed value: numbers for int/short/long/double, string[] for lists, null for "not set". */
export type ConfigValue = boolean | number | string | readonly string[] | null

/**
 * Kafka's dynamic-update modes: `read-only` needs a restart, `per-broker` can be altered for one
 * broker, `cluster-wide` for the cluster default. Topic configs are always alterable per topic.
 */
export type DynamicMode = 'read-only' | 'per-broker' | 'cluster-wide'

/** A broker key a topic config takes its default from, and the factor that turns its unit into the topic's. */
export interface BrokerSynonym {
  readonly name: string
  /** Multiply the broker value by this to get the topic value (e.g. hours -> ms = 3_600_000). */
  readonly scale?: number
}

export interface ConfigDef {
  readonly name: string
  readonly type: ConfigType
  /** Default value; null means "no default" (unset unless the user sets it, or derived from a synonym). */
  readonly default: ConfigValue
  readonly scope: 'broker' | 'topic'
  readonly dynamic: DynamicMode
  readonly importance: 'high' | 'medium' | 'low'
  readonly doc: string
  /** Inclusive numeric bounds. */
  readonly min?: number
  readonly max?: number
  /** Accepted values (for lists: accepted items), compared case-sensitively like Kafka does. */
  readonly validValues?: readonly string[]
  /** Topic configs: broker keys in precedence order (first set one wins, else the last one's default). */
  readonly brokerSynonyms?: readonly BrokerSynonym[]
  /** Accepted so Kafka's own server.properties loads, but Samsa does not act on it. */
  readonly noEffect?: boolean
  /** Never reported in clear text (passwords, secrets). */
  readonly sensitive?: boolean
}

/**
 * A definition that keeps its literal name, type and accepted values in its type, so the tables'
 * element types can be mapped to typed config objects (typed-config.ts).
 */
export type TypedConfigDef<N extends string, T extends ConfigType, V extends readonly string[]> =
  ConfigDef & { readonly name: N; readonly type: T; readonly validValues?: V }

/** Kafka's Long.MAX_VALUE; as a JS number it rounds to 2^63, and formatting prints it back exactly. */
export const LONG_MAX = 2 ** 63
export const INT_MAX = 2 ** 31 - 1
export const INT_MIN = -(2 ** 31)

/** Options of a table row; validValues stays generic so its literals survive. */
export type DefOpts<V> =
  Partial<Pick<ConfigDef, 'min' | 'max' | 'importance' | 'noEffect' | 'dynamic' | 'sensitive'>> & { readonly validValues?: V }

/**
 * A broker key of Kafka's that Samsa accepts, validates and reports but does not act on. Generic
 * (not `ConfigDef`) so the tables keep literal names for typed-config.ts.
 */
export function noEffectBrokerDef<const N extends string, const T extends ConfigType, const V extends readonly string[] = readonly string[]>(
  name: N, type: T, dflt: ConfigValue, doc: string, opts: DefOpts<V>,
): TypedConfigDef<N, T, V> {
  return { name, type, default: dflt, scope: 'broker', dynamic: 'read-only', importance: 'low', doc, noEffect: true, ...opts }
}
