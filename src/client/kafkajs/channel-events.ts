// KafkaJS's instrumentation events fed from samsa/client's diagnostics channels. A facade client
// owns one or more samsa clients (their diagnosticsIds) and forwards only their messages, and only
// while it is subscribed: a process without listeners pays nothing on the hot paths.
import { fetchChannel, groupChannel, requestChannel } from '../diagnostics.ts'
import type { FetchMessage, GroupMessage, RequestMessage } from '../diagnostics.ts'
import type { Channel } from 'node:diagnostics_channel'

export class ChannelForwarder<M extends { client: number }> {
  readonly ids = new Set<number>()
  private on = false
  private readonly handler = (m: unknown): void => {
    if (this.ids.has((m as M).client)) this.forward(m as M)
  }

  constructor(
    private readonly channel: Channel,
    private readonly forward: (m: M) => void,
  ) {}

  start(): void {
    if (this.on) return
    this.on = true
    this.channel.subscribe(this.handler)
  }

  stop(): void {
    if (!this.on) return
    this.on = false
    this.channel.unsubscribe(this.handler)
  }
}

/** KafkaJS's network.request payload. */
export function requestPayload(m: RequestMessage): Record<string, unknown> {
  return {
    broker: m.broker, clientId: m.clientId, correlationId: m.correlationId, size: m.size, createdAt: m.sentAt, sentAt: m.sentAt,
    pendingDuration: 0, duration: m.durationMs, apiName: m.apiName, apiKey: m.apiKey, apiVersion: m.version,
  }
}

export const requests = (forward: (m: RequestMessage) => void): ChannelForwarder<RequestMessage> => new ChannelForwarder(requestChannel, forward)
export const fetches = (forward: (m: FetchMessage) => void): ChannelForwarder<FetchMessage> => new ChannelForwarder(fetchChannel, forward)
export const groupEvents = (forward: (m: GroupMessage) => void): ChannelForwarder<GroupMessage> => new ChannelForwarder(groupChannel, forward)
