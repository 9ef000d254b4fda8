// `listeners` / `advertised.listeners` entries: NAME://host:port, host may be empty (all
// interfaces) or a bracketed IPv6 address. The name maps to a security protocol through
// listener.security.protocol.map.
import { ConfigError } from './config-error.ts'

export interface ListenerAddress {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly securityProtocol: string
}

const ENTRY = /^([A-Za-z0-9_]+):\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]]*):(\d+)$/

export function parseProtocolMap(key: string, text: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const pair of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [name, protocol, extra] = pair.split(':').map((s) => s.trim())
    if (!name || !protocol || extra !== undefined) {
      throw new ConfigError(key, `"${pair}" is not valid: expected NAME:PROTOCOL pairs, comma-separated`)
    }
    map.set(name.toUpperCase(), protocol.toUpperCase())
  }
  return map
}

export function parseListeners(key: string, items: readonly string[], protocols: ReadonlyMap<string, string>): ListenerAddress[] {
  const seen = new Set<string>()
  return items.map((item) => {
    const m = ENTRY.exec(item)
    if (!m) throw new ConfigError(key, `"${item}" is not valid: expected NAME://host:port (for example PLAINTEXT://localhost:9092)`)
    const name = m[1].toUpperCase()
    const port = Number(m[3])
    if (port > 65535) throw new ConfigError(key, `"${item}": port ${port} is out of range [0, 65535]`)
    const securityProtocol = protocols.get(name)
    if (!securityProtocol) {
      throw new ConfigError(key, `"${item}": listener name ${name} is not in listener.security.protocol.map (${[...protocols.keys()].join(', ')})`)
    }
    if (seen.has(name)) throw new ConfigError(key, `listener name ${name} appears twice`)
    seen.add(name)
    const host = m[2].startsWith('[') ? m[2].slice(1, -1) : m[2]
    return { name, host, port, securityProtocol }
  })
}

/** Kafka's security protocols; every one of them is served (src/broker/security). */
export const SECURITY_PROTOCOLS = new Set(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'])

export const usesTls = (protocol: string): boolean => protocol === 'SSL' || protocol === 'SASL_SSL'
export const usesSasl = (protocol: string): boolean => protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL'

/** Refuses a listener mapped to a protocol that is not Kafka's (a typo would otherwise serve nothing). */
export function requireKnownSecurity(key: string, listeners: readonly ListenerAddress[]): void {
  for (const l of listeners) {
    if (SECURITY_PROTOCOLS.has(l.securityProtocol)) continue
    throw new ConfigError(key, `listener ${l.name} uses security protocol ${l.securityProtocol}, which is not one of ` +
      `${[...SECURITY_PROTOCOLS].join(', ')} (see listener.security.protocol.map)`)
  }
}

/**
 * The listener brokers reach each other on: inter.broker.listener.name, else the first listener
 * whose protocol is security.inter.broker.protocol, else the first listener (as Kafka picks it).
 */
export function interBrokerListener(listeners: readonly ListenerAddress[], name: string | null, protocol: string): ListenerAddress | undefined {
  if (name) return listeners.find((l) => l.name === name.toUpperCase())
  return listeners.find((l) => l.securityProtocol === protocol.toUpperCase()) ?? listeners[0]
}
