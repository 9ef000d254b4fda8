// This node as clients should reach it, for Metadata and DescribeCluster: the advertised address
// of the listener the request came in on (matched by local port), else the first listener.
import type { RequestContext } from './handler.ts'

export interface BrokerEndpoint {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
}

export function brokerEndpoint(ctx: RequestContext): BrokerEndpoint {
  const listeners = ctx.broker.advertisedListeners
  const local = ctx.connection.socket.localPort
  const l = listeners.find((x) => x.port === local) ?? listeners[0]
  const rack = ctx.broker.config.get('broker.rack')
  return {
    nodeId: ctx.broker.nodeId,
    host: l?.host ?? 'localhost',
    port: l?.port ?? 9092,
    rack: typeof rack === 'string' && rack !== '' ? rack : null,
  }
}
