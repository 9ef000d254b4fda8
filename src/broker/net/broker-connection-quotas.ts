// The broker's connection quotas from its config (Kafka's names, read on every decision so a
// dynamic change applies to the next connection): max.connections, max.connection.creation.rate
// (each also per listener with `listener.name.<l>.`), max.connections.per.ip and its overrides,
// and the quota window. The IP connection_creation_rate quotas come from the client quota store
// (quota/client-quotas.ts forwards `ip` entities).
import type { BrokerConfig } from '../config/broker-config.ts'
import { ConfigError } from '../config/config-error.ts'
import { interBrokerListener } from '../config/listeners.ts'
import { ConnectionQuotas, parsePerIpOverrides } from './connection-quotas.ts'

const OVERRIDES = 'max.connections.per.ip.overrides'

/** max.connections.per.ip.overrides parsed, or a ConfigError naming the key. */
export function perIpOverrides(text: string): Map<string, number> {
  try {
    return parsePerIpOverrides(text)
  } catch (err) {
    throw new ConfigError(OVERRIDES, (err as Error).message)
  }
}

export function brokerConnectionQuotas(config: BrokerConfig): ConnectionQuotas {
  let text = config.string(OVERRIDES)
  let overrides = perIpOverrides(text)
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
        overrides = perIpOverrides(now)
      }
      return overrides
    },
    interBrokerListener: interBrokerListener(config.listeners, named, config.string('security.inter.broker.protocol'))?.name,
    window: { sampleMs: config.int('quota.window.size.seconds') * 1000, numSamples: config.int('quota.window.num') },
  })
}
