// What each listener demands of its clients, resolved from the config at start (so a bad key
// store or an unknown mechanism stops the start with one error, before anything is bound): the
// security protocol, TLS options, and for SASL listeners the enabled mechanisms and PLAIN's users.
import { ConfigError } from '../config/config-error.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import { listenerKeyId } from '../config/listener-prefix.ts'
import { usesSasl, usesTls } from '../config/listeners.ts'
import type { ListenerAddress } from '../config/listeners.ts'
import { listenerTls } from './tls-options.ts'
import type { ListenerTls } from './tls-options.ts'
import { parseJaas } from './sasl/jaas.ts'
import { plainUsers } from './sasl/plain.ts'
import { unsecuredJwsOptions } from './sasl/oauthbearer.ts'
import type { UnsecuredJwsOptions } from './sasl/oauthbearer.ts'
import { jwtValidatorOptions } from './sasl/jwt-validator.ts'
import type { JwtValidatorOptions } from './sasl/jwt-validator.ts'
import { MappingRuleError, SslPrincipalMapper } from './ssl-principal-mapper.ts'

/** Mechanisms Samsa serves. */
export const SERVED_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const

export interface ListenerSecurity {
  readonly name: string
  readonly protocol: string
  readonly tls: ListenerTls | undefined
  /** ssl.principal.mapping.rules of a TLS listener (the certificate DN to a principal name). */
  readonly principalMapper: SslPrincipalMapper | undefined
  /** SASL listener: the enabled mechanisms (upper case, in config order); empty otherwise. */
  readonly mechanisms: readonly string[]
  /** PLAIN users (name -> password) from the listener's PLAIN JAAS entry. */
  readonly plainUsers: ReadonlyMap<string, string>
  /** OAUTHBEARER: the unsecured-token validator's options (its JAAS entry is optional). */
  readonly oauth: UnsecuredJwsOptions | undefined
  /** connections.max.reauth.ms by enabled mechanism (listener and mechanism overrides applied); 0: none. */
  readonly maxReauthMs: ReadonlyMap<string, number>
  /** OAUTHBEARER with Kafka's validator handler (KIP-768): signed JWTs against a JWKS, in place of `oauth`. */
  readonly oauthJwt: JwtValidatorOptions | undefined
}

function plainUsersOf(config: BrokerConfig, listener: string): Map<string, string> {
  const jaas = config.forListener(listener, 'sasl.jaas.config', 'plain')
  const key = listenerKeyId(listener, 'sasl.jaas.config', 'plain')
  if (typeof jaas !== 'string' || jaas === '') {
    throw new ConfigError(key, `listener ${listener} enables PLAIN: set its users, e.g. ${key}=` +
      'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";')
  }
  const entry = parseJaas(key, jaas)
  const users = plainUsers(entry.options)
  if (users.size === 0) throw new ConfigError(key, 'names no user (options user_<name>="<password>")')
  return users
}

function principalMapper(config: BrokerConfig, listener: string): SslPrincipalMapper {
  const rules = config.forListener(listener, 'ssl.principal.mapping.rules') as string | null
  try {
    return new SslPrincipalMapper(rules)
  } catch (err) {
    if (!(err instanceof MappingRuleError)) throw err
    const key = config.forListener(listener, 'ssl.principal.mapping.rules') === config.get('ssl.principal.mapping.rules')
      ? 'ssl.principal.mapping.rules' : listenerKeyId(listener, 'ssl.principal.mapping.rules')
    throw new ConfigError(key, err.message)
  }
}

export function listenerSecurity(config: BrokerConfig, l: ListenerAddress): ListenerSecurity {
  const tls = usesTls(l.securityProtocol) ? listenerTls(config, l.name) : undefined
  const mapper = tls ? principalMapper(config, l.name) : undefined
  if (!usesSasl(l.securityProtocol)) return { name: l.name, protocol: l.securityProtocol, tls, principalMapper: mapper, mechanisms: [], plainUsers: new Map(), oauth: undefined, oauthJwt: undefined, maxReauthMs: new Map() }
  const enabled = ((config.forListener(l.name, 'sasl.enabled.mechanisms') as readonly string[] | null) ?? []).map((m) => m.toUpperCase())
  const unserved = enabled.filter((m) => !(SERVED_MECHANISMS as readonly string[]).includes(m))
  if (enabled.length === 0 || unserved.length > 0) {
    throw new ConfigError(listenerKeyId(l.name, 'sasl.enabled.mechanisms'),
      `listener ${l.name} (${l.securityProtocol}) ${enabled.length === 0 ? 'enables no mechanism' : `enables ${unserved.join(', ')}, which Samsa does not serve`}: ` +
      `choose among ${SERVED_MECHANISMS.join(', ')} (GSSAPI/Kerberos is not served)`)
  }
  let oauth: UnsecuredJwsOptions | undefined
  const oauthJwt = enabled.includes('OAUTHBEARER') ? jwtValidatorOptions(config, l.name) : undefined
  if (enabled.includes('OAUTHBEARER') && !oauthJwt) {
    const jaas = config.forListener(l.name, 'sasl.jaas.config', 'oauthbearer')
    const key = listenerKeyId(l.name, 'sasl.jaas.config', 'oauthbearer')
    oauth = unsecuredJwsOptions(typeof jaas === 'string' && jaas !== '' ? parseJaas(key, jaas).options : new Map())
  }
  return { name: l.name, protocol: l.securityProtocol, tls, principalMapper: mapper, mechanisms: enabled, plainUsers: enabled.includes('PLAIN') ? plainUsersOf(config, l.name) : new Map(), oauth, oauthJwt,
    maxReauthMs: new Map(enabled.map((m) => [m, Number(config.forListener(l.name, 'connections.max.reauth.ms', m.toLowerCase()))])) }
}
