// Kafka's per-listener overrides: `listener.name.<listener>.<key>` sets a TLS or SASL config for
// one listener only, and `listener.name.<listener>.<mechanism>.sasl.jaas.config` (plus the other
// `sasl.` keys, and connections.max.reauth.ms) for one mechanism on one listener. The listener name is case-insensitive, as in
// Kafka (its config prefix is the lower-cased name). The value is validated as the base key's.
import { BROKER_DEFS, unknownKey } from './config-table.ts'
import { ConfigError } from './config-error.ts'
import type { ConfigDef } from './config-def.ts'

export const LISTENER_PREFIX = 'listener.name.'

export interface ListenerKey {
  /** Upper-cased listener name. */
  readonly listener: string
  /** Lower-cased SASL mechanism (e.g. `scram-sha-256`) when the key names one. */
  readonly mechanism: string | null
  /** The base config key, e.g. `ssl.keystore.location`. */
  readonly key: string
  readonly def: ConfigDef
}

/** The canonical map key of a listener (and mechanism) override. */
export function listenerKeyId(listener: string, key: string, mechanism: string | null = null): string {
  return `${LISTENER_PREFIX}${listener.toLowerCase()}.${mechanism ? `${mechanism.toLowerCase()}.` : ''}${key}`
}

/** Parses a `listener.name.` key; null when `key` has no such prefix; ConfigError when the rest is not a known key. */
export function parseListenerKey(key: string): ListenerKey | null {
  if (!key.startsWith(LISTENER_PREFIX)) return null
  const rest = key.slice(LISTENER_PREFIX.length)
  const dot = rest.indexOf('.')
  if (dot <= 0) throw new ConfigError(key, 'expected listener.name.<listener>.<config>')
  const listener = rest.slice(0, dot).toUpperCase()
  const tail = rest.slice(dot + 1)
  const def = BROKER_DEFS.get(tail)
  if (def) return { listener, mechanism: null, key: tail, def }
  // <mechanism>.sasl.<...>: mechanisms contain no dots (PLAIN, SCRAM-SHA-256, OAUTHBEARER).
  const mdot = tail.indexOf('.')
  const saslKey = mdot > 0 ? tail.slice(mdot + 1) : ''
  const saslDef = saslKey.startsWith('sasl.') || saslKey === 'connections.max.reauth.ms' ? BROKER_DEFS.get(saslKey) : undefined
  if (saslDef) return { listener, mechanism: tail.slice(0, mdot).toLowerCase(), key: saslKey, def: saslDef }
  const err = unknownKey(tail, 'broker')
  throw new ConfigError(key, err.message.slice(tail.length + 2))
}
