// Lookup, parsing and formatting of config values by definition. Raw values are strings (from
// .properties files, --set, or the wire); parsing checks type, bounds and accepted values.
import { BROKER_CONFIGS } from './broker-configs.ts'
import { TOPIC_CONFIGS } from './topic-configs.ts'
import { closest, distance } from 'fastest-levenshtein'
import { ConfigError } from './config-error.ts'
import { INT_MAX, INT_MIN, LONG_MAX } from './config-def.ts'
import type { ConfigDef, ConfigValue } from './config-def.ts'

function index(defs: readonly ConfigDef[]): ReadonlyMap<string, ConfigDef> {
  const map = new Map<string, ConfigDef>()
  for (const d of defs) {
    if (map.has(d.name)) throw new Error(`config ${d.name} declared twice`)
    map.set(d.name, d)
  }
  return map
}

export const BROKER_DEFS = index(BROKER_CONFIGS)
export const TOPIC_DEFS = index(TOPIC_CONFIGS)

const INTEGER = /^[+-]?\d+$/
const LONG_MIN_BIG = -(2n ** 63n)
const LONG_MAX_BIG = 2n ** 63n - 1n

function describeAccepted(def: ConfigDef): string {
  if (def.validValues) return `one of ${def.validValues.join(', ')}${def.type === 'list' ? ' (comma-separated)' : ''}`
  const bounds = def.min !== undefined && def.max !== undefined
    ? ` in [${formatNumber(def, def.min)}, ${formatNumber(def, def.max)}]`
    : def.min !== undefined ? ` >= ${formatNumber(def, def.min)}` : def.max !== undefined ? ` <= ${formatNumber(def, def.max)}` : ''
  switch (def.type) {
    case 'boolean': return 'true or false'
    case 'int': return `a 32-bit integer${bounds}`
    case 'short': return `a 16-bit integer${bounds}`
    case 'long': return `a 64-bit integer${bounds}`
    case 'double': return `a number${bounds}`
    case 'list': return 'a comma-separated list'
    default: return 'a string'
  }
}

function parseInteger(def: ConfigDef, text: string): number {
  if (!INTEGER.test(text)) throw new ConfigError(def.name, `"${text}" is not valid: expected ${describeAccepted(def)}`)
  const big = BigInt(text)
  const [lo, hi] = def.type === 'short' ? [-32768n, 32767n] : def.type === 'int' ? [BigInt(INT_MIN), BigInt(INT_MAX)]
    : [LONG_MIN_BIG, LONG_MAX_BIG]
  if (big < lo || big > hi) throw new ConfigError(def.name, `"${text}" is out of range: expected ${describeAccepted(def)}`)
  return Number(big)
}

function checkBounds(def: ConfigDef, value: number, text: string): void {
  if ((def.min !== undefined && value < def.min) || (def.max !== undefined && value > def.max)) {
    throw new ConfigError(def.name, `"${text}" is out of range: expected ${describeAccepted(def)}`)
  }
}

function checkValid(def: ConfigDef, item: string): void {
  if (def.validValues && !def.validValues.includes(item)) {
    throw new ConfigError(def.name, `"${item}" is not accepted: expected ${describeAccepted(def)}`)
  }
}

/** Parses a raw string for `def`; throws ConfigError naming the key and the accepted values. */
export function parseConfigValue(def: ConfigDef, raw: string): ConfigValue {
  const text = raw.trim()
  switch (def.type) {
    case 'boolean': {
      const lower = text.toLowerCase()
      if (lower === 'true') return true
      if (lower === 'false') return false
      throw new ConfigError(def.name, `"${text}" is not valid: expected true or false`)
    }
    case 'int':
    case 'short':
    case 'long': {
      const value = parseInteger(def, text)
      checkBounds(def, value, text)
      return value
    }
    case 'double': {
      const value = text === '' ? NaN : Number(text)
      if (!Number.isFinite(value)) throw new ConfigError(def.name, `"${text}" is not valid: expected ${describeAccepted(def)}`)
      checkBounds(def, value, text)
      return value
    }
    case 'list': {
      const items = text === '' ? [] : text.split(',').map((s) => s.trim()).filter((s) => s !== '')
      for (const item of items) checkValid(def, item)
      return items
    }
    default:
      checkValid(def, text)
      return text
  }
}

function formatNumber(def: ConfigDef, n: number): string {
  if (def.type === 'long' && n >= LONG_MAX) return '9223372036854775807'
  if (def.type === 'double' && n === Number.MAX_VALUE) return '1.7976931348623157E308'
  return String(n)
}

/** Formats a value the way Kafka reports it in DescribeConfigs (null stays null). */
export function formatConfigValue(def: ConfigDef, value: ConfigValue): string | null {
  if (value === null) return null
  if (Array.isArray(value)) return value.join(',')
  if (typeof value === 'number') return formatNumber(def, value)
  return String(value)
}

/** Unknown key error with a hint when a topic key is used at broker level or vice versa. */
export function unknownKey(key: string, scope: 'broker' | 'topic'): ConfigError {
  const other = scope === 'broker' ? TOPIC_DEFS.get(key) : BROKER_DEFS.get(key)
  let hint = ''
  if (other && scope === 'broker') {
    const syn = other.brokerSynonyms?.[0]?.name
    hint = syn ? ` (it is a topic config; the broker-wide default is ${syn})` : ' (it is a topic config)'
  } else if (other) {
    hint = ' (it is a broker config)'
  } else {
    const near = nearestKey(key, scope === 'broker' ? BROKER_DEFS : TOPIC_DEFS)
    if (near) hint = ` (did you mean ${near}?)`
  }
  return new ConfigError(key, `unknown ${scope} config${hint}`)
}

/** The known key closest to a misspelled one, if it is close enough to be a typo (a few edits). */
function nearestKey(key: string, defs: ReadonlyMap<string, ConfigDef>): string | undefined {
  const near = closest(key, [...defs.keys()])
  return distance(key, near) <= Math.max(2, Math.floor(key.length / 6)) ? near : undefined
}
