// This node as clients should reach it, for Metadata and DescribeCluster: the advertised address
// of the listener the request came in on (by listener name, so an advertised port that differs
// from the bound one still matches), else the first listener. In a cluster, every registered
// broker (metadata image) by the same listener name.
import type { RequestContext } from './handler.ts'
import type { MetadataImage } from '../cluster/metadata-image.ts'

export interface BrokerEndpoint {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
}

/** The advertised listener the request came in on. */
function ownListener(ctx: RequestContext) {
  const listeners = ctx.broker.advertisedListeners
  const name = ctx.connection.attributes.get('listener')
  return listeners.find((x) => x.name === name) ?? listeners.find((x) => x.port === ctx.connection.socket.localPort) ?? listeners[0]
}

export function brokerEndpoint(ctx: RequestContext): BrokerEndpoint {
  const l = ownListener(ctx)
  const rack = ctx.broker.config.get('broker.rack')
  return {
    nodeId: ctx.broker.nodeId,
    host: l?.host ?? 'localhost',
    port: l?.port ?? 9092,
    rack: typeof rack === 'string' && rack !== '' ? rack : null,
  }
}

/** Every registered broker as reached through the listener the request came in on (this node alone when none are registered). */
export function clusterEndpoints(ctx: RequestContext): BrokerEndpoint[] {
  const brokers = ctx.broker.metadata.image.brokers
  const me = brokerEndpoint(ctx)
  if (brokers.size === 0) return [me]
  const name = ownListener(ctx)?.name
  const out: BrokerEndpoint[] = []
  for (const b of [...brokers.values()].sort((x, y) => x.id - y.id)) {
    if (b.id === me.nodeId) {
      out.push(me)
      continue
    }
    const l = b.listeners.find((x) => x.name === name) ?? b.listeners[0]
    if (l) out.push({ nodeId: b.id, host: l.host, port: l.port, rack: b.rack })
  }
  return out
}

/**
 * The controller's node id: the claim holder in a cluster, this node when single. While no broker
 * holds the claim (a cluster starting, or a controller just lost) this node answers too, as KRaft
 * brokers name a live broker: every broker accepts admin requests and hands them to the
 * controller through the store, and clients given -1 fail outright (KafkaJS: "Broker -1 not found").
 */
export function controllerId(image: MetadataImage, nodeId: number): number {
  if (image.brokers.size === 0) return nodeId
  const id = image.controllerId
  return id >= 0 ? id : nodeId
}
