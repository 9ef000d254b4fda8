// How this broker secures its own connections to other brokers (replica fetchers, the
// inter-broker client), from the inter-broker listener as Kafka picks it (inter.broker.listener.name,
// else the first listener of security.inter.broker.protocol) and Kafka's settings for it:
// - SSL / SASL_SSL: the listener's ssl.* (listener.name.<l>. overrides first): its trust store
//   verifies the other broker's certificate, its key store is presented as the client
//   certificate (for ssl.client.auth), and ssl.endpoint.identification.algorithm=https (the
//   default) checks the host name, empty turns that check off;
// - SASL_PLAINTEXT / SASL_SSL: sasl.mechanism.inter.broker.protocol (PLAIN, SCRAM-SHA-256 or
//   SCRAM-SHA-512; Kafka's default GSSAPI is not served), enabled on that listener, with the
//   broker's own username/password from listener.name.<l>.<mechanism>.sasl.jaas.config (or
//   sasl.jaas.config). The principal that logs in needs CLUSTER_ACTION (super.users) under an
//   authorizer.
// Mistakes are ConfigErrors at start, before anything is bound.
import type { ConnectionOptions, TlsOptions } from 'node:tls'
import type { BrokerConfig } from '../config/broker-config.ts'
import { ConfigError } from '../config/config-error.ts'
import { listenerKeyId } from '../config/listener-prefix.ts'
import { interBrokerListener, usesSasl, usesTls } from '../config/listeners.ts'
import type { ChannelSecurity } from '../net/broker-channel.ts'
import { parseJaas } from './sasl/jaas.ts'
import { listenerTls } from './tls-options.ts'

const LOGIN_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const
type LoginMechanism = (typeof LOGIN_MECHANISMS)[number]

export function interBrokerChannelSecurity(config: BrokerConfig): InterBrokerSecurity {
  const named = config.get('inter.broker.listener.name') as string | null
  const l = interBrokerListener(config.listeners, named, config.string('security.inter.broker.protocol'))
  if (!l) {
    throw named
      ? new ConfigError('inter.broker.listener.name', `${named} is not one of listeners (${config.listeners.map((x) => x.name).join(', ')})`)
      : new ConfigError('security.inter.broker.protocol', `no listener uses ${config.string('security.inter.broker.protocol')}: ` +
        'name the listener brokers use in inter.broker.listener.name')
  }
  const tls = usesTls(l.securityProtocol) ? clientTls(config, l.name, listenerTls(config, l.name).options) : undefined
  if (!usesSasl(l.securityProtocol)) return new InterBrokerSecurity(config, l.name, tls)
  const mechanism = config.string('sasl.mechanism.inter.broker.protocol').toUpperCase()
  if (!(LOGIN_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new ConfigError('sasl.mechanism.inter.broker.protocol', `brokers log in to listener ${l.name} (${l.securityProtocol}) with ${mechanism}, ` +
      `which Samsa's brokers do not speak: set ${LOGIN_MECHANISMS.join(', ')} (GSSAPI is Kafka's default)`)
  }
  const enabled = ((config.forListener(l.name, 'sasl.enabled.mechanisms') as readonly string[] | null) ?? []).map((m) => m.toUpperCase())
  if (!enabled.includes(mechanism)) {
    throw new ConfigError('sasl.mechanism.inter.broker.protocol', `${mechanism} is not enabled on the inter-broker listener ${l.name} ` +
      `(${listenerKeyId(l.name, 'sasl.enabled.mechanisms')}: ${enabled.join(', ') || 'none'})`)
  }
  const key = listenerKeyId(l.name, 'sasl.jaas.config', mechanism.toLowerCase())
  const jaas = config.forListener(l.name, 'sasl.jaas.config', mechanism.toLowerCase())
  const options = typeof jaas === 'string' && jaas !== '' ? parseJaas(key, jaas).options : new Map<string, string>()
  const username = options.get('username')
  const password = options.get('password')
  if (username === undefined || password === undefined) {
    throw new ConfigError(key, `the broker's own ${mechanism} login on listener ${l.name} needs username="..." password="..." in its JAAS entry`)
  }
  return new InterBrokerSecurity(config, l.name, tls, { mechanism: mechanism as LoginMechanism, username, password })
}

/** The listener's server-side TLS material as the options of a client connecting to another broker. */
function clientTls(config: BrokerConfig, listener: string, options: TlsOptions): ConnectionOptions {
  const identification = config.forListener(listener, 'ssl.endpoint.identification.algorithm')
  return {
    ca: options.ca, key: options.key, cert: options.cert, pfx: options.pfx, passphrase: options.passphrase,
    minVersion: options.minVersion, maxVersion: options.maxVersion, ciphers: options.ciphers, rejectUnauthorized: true,
    ...(typeof identification === 'string' && identification !== '' ? {} : { checkServerIdentity: () => undefined }),
  }
}

/**
 * The inter-broker channel security, read at every connect: when the inter-broker listener's key or
 * trust store is replaced at runtime (tls-reload.ts), new connections to other brokers present and
 * trust the new material, as Kafka's reconfigured inter-broker SSL factory does; open ones keep theirs.
 */
export class InterBrokerSecurity implements ChannelSecurity {
  constructor(
    private readonly config: BrokerConfig,
    /** The inter-broker listener's name. */
    readonly listener: string,
    public tls: ConnectionOptions | undefined,
    readonly sasl?: ChannelSecurity['sasl'],
  ) {}

  /** A TLS listener's new settings: taken when it is the inter-broker listener. */
  listenerTlsChanged(listener: string, options: TlsOptions): void {
    if (listener === this.listener && this.tls !== undefined) this.tls = clientTls(this.config, listener, options)
  }
}
