// The states of a KafkaStreams instance and the moves between them (Kafka Streams' KafkaStreams.State).
export type StreamsState = 'CREATED' | 'REBALANCING' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'PENDING_ERROR' | 'ERROR'

const TRANSITIONS: Record<StreamsState, StreamsState[]> = {
  CREATED: ['REBALANCING', 'PENDING_SHUTDOWN', 'PENDING_ERROR'],
  REBALANCING: ['RUNNING', 'REBALANCING', 'PENDING_SHUTDOWN', 'PENDING_ERROR'],
  RUNNING: ['REBALANCING', 'PENDING_SHUTDOWN', 'PENDING_ERROR'],
  PENDING_SHUTDOWN: ['NOT_RUNNING'],
  NOT_RUNNING: [],
  PENDING_ERROR: ['ERROR'],
  ERROR: [],
}

/** Whether listeners hear of a move from `prev` to `next` (REBALANCING may repeat; others may not). */
export function isStateChange(prev: StreamsState, next: StreamsState): boolean {
  if (prev === next && next !== 'REBALANCING') return false
  return TRANSITIONS[prev].includes(next)
}
