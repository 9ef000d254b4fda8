// samsa/client's diagnostics_channel channels, one message shape each. Subscribers see every client
// in the process; `client` (the instance number a Producer, Consumer or Admin exposes as
// `diagnosticsId`) tells them apart. Publishing is skipped when nobody subscribes, so the hot
// paths pay one property read.
import { channel } from 'node:diagnostics_channel'
import type { TopicPartition } from './offsets.ts'

interface FromClient {
  /** The publishing client's `diagnosticsId`. */
  client: number
  clientId: string
}

/** One per completed request (`samsa:client:request`). */
export interface RequestMessage extends FromClient {
  broker: string
  apiKey: number
  apiName: string
  version: number
  correlationId: number
  /** Response frame size in bytes. */
  size: number
  sentAt: number
  durationMs: number
}

/** One per producer batch acknowledged or failed (`samsa:client:batch`). */
export interface BatchMessage extends FromClient {
  topic: string
  partition: number
  records: number
  bytes: number
  /** -1 when the batch failed (or acks=0). */
  baseOffset: number
  /** From the batch's first record to its acknowledgement. */
  durationMs: number
  error?: Error
}

/** One per fetch response handled by a consumer (`samsa:client:fetch`). */
export interface FetchMessage extends FromClient {
  nodeId: number
  partitions: number
  bytes: number
  durationMs: number
}

/** Group membership: joins (with the assignment), heartbeats, leaves (`samsa:client:group`). */
export interface GroupMessage extends FromClient {
  type: 'join' | 'heartbeat' | 'leave'
  groupId: string
  memberId: string
  /** Generation (classic) or member epoch (consumer protocol). */
  generationId: number
  /** join: the group leader's member id ('' with the consumer protocol: the broker assigns). */
  leaderId?: string
  isLeader?: boolean
  protocol?: string
  assigned?: TopicPartition[]
  durationMs: number
}

export const requestChannel = channel('samsa:client:request')
export const batchChannel = channel('samsa:client:batch')
export const fetchChannel = channel('samsa:client:fetch')
export const groupChannel = channel('samsa:client:group')

/** Publishes a group message from a membership (classic or consumer protocol) of this client. */
export function publishGroup(from: { diagnosticsId: number; clientId: string }, m: Omit<GroupMessage, 'client' | 'clientId'>): void {
  groupChannel.publish({ client: from.diagnosticsId, clientId: from.clientId, ...m } satisfies GroupMessage)
}

let lastInstance = 0

/** A process-unique number for a new client (its `diagnosticsId`). */
export function nextDiagnosticsId(): number {
  return ++lastInstance
}
