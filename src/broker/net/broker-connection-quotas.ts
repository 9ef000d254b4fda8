// The broker's connection quotas from its config (Kafka's names, read on every decision so a
// dynamic change applies to the next connection): max.connections, max.connection.creation.rate
// (each also per listener with `listener.name.<l>.`), max.connections.per.ip and its overrides,
// and the quota window. The IP connection_creation_rate quotas come from the client quota store
// (quota/client-quotas.ts forwards `ip` entities). Host names in the overrides are resolved as
// Kafka does when it reads the config: at start (a name that does not resolve stops it), and when a
// dynamic change brings a new one (until it resolves, that host has no override; one that does not
// resolve is logged).
import type { Logger } from 'pino'
import { isIP } from 'node:net'
import type { BrokerConfig } from '../config/broker-config.ts'
import { ConfigError } from '../config/config-error.ts'
import { interBrokerListener } from '../config/listeners.ts'
import { ConnectionQuotas, normalizeIp, parsePerIpOverrides } from './connection-quotas.ts'
import { resolveHost } from './host-resolver.ts'

const OVERRIDES = 'max.connections.per.ip.overrides'

/** max.connections.per.ip.overrides parsed, or a ConfigError naming the key. */
export function perIpOverrides(text: string): Map<string, number> {
  try {
    return parsePerIpOverrides(text)
  } catch (err) {
    throw new ConfigError(OVERRIDES, (err as Error).message)
  }
}

/** The host names in the configured overrides resolved (name → address); ConfigError for one that does not resolve. */
export async function resolveOverrideHosts(config: BrokerConfig): Promise<Map<string, string>> {
  const resolved = new Map<string, string>()
  for (const host of perIpOverrides(config.string(OVERRIDES)).keys()) {
    if (isIP(host) !== 0) continue
    try {
      resolved.set(host, normalizeIp(await resolveHost(host)))
    } catch (err) {
      throw new ConfigError(OVERRIDES, `${host} does not resolve (${(err as Error).message})`)
    }
  }
  return resolved
}

/** `resolved`: host names already resolved (resolveOverrideHosts at start). */
export function brokerConnectionQuotas(config: BrokerConfig, resolved = new Map<string, string>(), log?: Logger): ConnectionQuotas {
  let text = config.string(OVERRIDES)
  let parsed = perIpOverrides(text)
  const resolving = new Set<string>()
  const byAddress = (): Map<string, number> => {
    const out = new Map<string, number>()
    for (const [host, count] of parsed) {
      const address = isIP(host) !== 0 ? host : resolved.get(host)
      if (address !== undefined) out.set(address, count)
    }
    return out
  }
  let overrides = byAddress()
  const named = config.get('inter.broker.listener.name') as string | null
  return new ConnectionQuotas({
    maxConnections: () => config.int('max.connections'),
    listenerMaxConnections: (l) => Number(config.forListener(l, 'max.connections')),
    maxConnectionCreationRate: () => config.int('max.connection.creation.rate'),
    listenerMaxConnectionCreationRate: (l) => Number(config.forListener(l, 'max.connection.creation.rate')),
    maxConnectionsPerIp: () => config.int('max.connections.per.ip'),
    maxConnectionsPerIpOverrides: () => {
      const now = config.string(OVERRIDES)
      if (now !== text) {
        // Dynamic values are validated before they are set (dynamic-broker-configs.ts).
        text = now
        parsed = perIpOverrides(now)
        overrides = byAddress()
        for (const host of parsed.keys()) {
          if (isIP(host) !== 0 || resolved.has(host) || resolving.has(host)) continue
          resolving.add(host)
          resolveHost(host).then((address) => {
            resolved.set(host, normalizeIp(address))
            overrides = byAddress()
          }, (err: unknown) => {
            log?.warn({ host, err: (err as Error).message }, `${OVERRIDES}: ${host} does not resolve; it has no override`)
          }).finally(() => resolving.delete(host))
        }
      }
      return overrides
    },
    interBrokerListener: interBrokerListener(config.listeners, named, config.string('security.inter.broker.protocol'))?.name,
    window: { sampleMs: config.int('quota.window.size.seconds') * 1000, numSamples: config.int('quota.window.num') },
  })
}
