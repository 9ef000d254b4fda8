// Requests this broker sends to other brokers outside replication (Kafka's inter-broker send
// threads: WriteTxnMarkers from the transaction coordinator, AddPartitionsToTxn verification from
// partition leaders). One pipelined channel per destination broker, opened on first use at the
// broker's inter-broker listener as the current metadata image registers it, and reopened after
// any failure or when the broker re-registers at another address; secured (TLS, SASL login) as
// the inter-broker listener demands (security/inter-broker-security.ts). A failed request rejects; the
// caller decides whether and when to retry (each caller looks the destination up again, since
// leaders move).
import type { BrokerConfig } from '../config/broker-config.ts'
import { BrokerChannel } from '../net/broker-channel.ts'
import type { ChannelSecurity } from '../net/broker-channel.ts'
import { interBrokerListener } from '../config/listeners.ts'
import type { MetadataImage } from './metadata-image.ts'
import type { BrokerEndpoint } from './metadata-records.ts'

/** The destination is not registered (or has no listener): nothing to connect to. */
export class BrokerNotAvailableError extends Error {
  constructor(brokerId: number) {
    super(`broker ${brokerId} is not registered`)
    this.name = 'BrokerNotAvailableError'
  }
}

/**
 * The listener brokers talk to each other on (see the constructor) when the destination
 * registered it, else the first listener the destination registered (its `listeners` order).
 */
export function interBrokerEndpoint(image: MetadataImage, brokerId: number, listenerName: string | null): BrokerEndpoint | undefined {
  const b = image.brokers.get(brokerId)
  if (!b) return undefined
  return (listenerName ? b.listeners.find((l) => l.name === listenerName) : undefined) ?? b.listeners[0]
}

interface Open {
  readonly address: string
  readonly channel: Promise<BrokerChannel>
}

export class InterBrokerClient {
  private readonly open = new Map<number, Open>()
  private readonly listenerName: string | null
  private readonly connectTimeoutMs: number
  private closed = false

  constructor(config: BrokerConfig, private readonly image: () => MetadataImage, private readonly security?: ChannelSecurity) {
    // The same listener the replica fetchers use (Kafka's inter.broker.listener.name, else
    // security.inter.broker.protocol's first listener).
    this.listenerName = interBrokerListener(config.listeners, config.get('inter.broker.listener.name') as string | null,
      config.string('security.inter.broker.protocol'))?.name ?? null
    this.connectTimeoutMs = config.int('replica.socket.timeout.ms')
    this.clientId = `broker-${config.nodeId}`
  }

  private readonly clientId: string

  /** Sends one request to `brokerId`; rejects on connection failure or timeout. */
  async send<Res>(brokerId: number, apiKey: number, version: number, body: unknown, timeoutMs: number): Promise<Res> {
    if (this.closed) throw new Error('inter-broker client closed')
    const ep = interBrokerEndpoint(this.image(), brokerId, this.listenerName)
    if (!ep) throw new BrokerNotAvailableError(brokerId)
    const address = `${ep.host}:${ep.port}`
    let o = this.open.get(brokerId)
    if (o && o.address !== address) {
      void o.channel.then((c) => c.close(), () => {})
      o = undefined
    }
    if (o) {
      const c = await o.channel.catch(() => undefined)
      if (!c?.isOpen) {
        if (this.open.get(brokerId) === o) this.open.delete(brokerId)
        o = undefined
      }
    }
    if (!o) {
      o = { address, channel: BrokerChannel.connect(ep.host, ep.port, this.clientId, this.connectTimeoutMs, this.security) }
      this.open.set(brokerId, o)
      const mine = o
      // A failed connect is forgotten at once, so the next send tries again.
      o.channel.catch(() => {
        if (this.open.get(brokerId) === mine) this.open.delete(brokerId)
      })
    }
    const channel = await o.channel
    if (this.closed) {
      channel.close()
      throw new Error('inter-broker client closed')
    }
    return channel.send<Res>(apiKey, version, body, timeoutMs)
  }

  close(): void {
    this.closed = true
    for (const o of this.open.values()) void o.channel.then((c) => c.close(), () => {})
    this.open.clear()
  }
}
