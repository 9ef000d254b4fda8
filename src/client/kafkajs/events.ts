// KafkaJS's instrumentation events: `on(name, listener)` returns a function that removes the
// listener; each event is { id, type, timestamp, payload }. A throwing listener is ignored.
export interface InstrumentationEvent<T> {
  id: string
  type: string
  timestamp: number
  payload: T
}

export type RemoveInstrumentationEventListener = () => void

export const CONSUMER_EVENTS = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const

export const PRODUCER_EVENTS = {
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
} as const

export const ADMIN_EVENTS = {
  CONNECT: 'admin.connect',
  DISCONNECT: 'admin.disconnect',
  REQUEST: 'admin.network.request',
  REQUEST_TIMEOUT: 'admin.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'admin.network.request_queue_size',
} as const

let nextId = 0

export class Instrumentation<Names extends string> {
  private readonly listeners = new Map<string, Set<(e: InstrumentationEvent<never>) => void>>()

  constructor(
    private readonly known: readonly Names[],
    /** Told when an event gets its first listener (e.g. to start forwarding network requests). */
    private readonly onFirstListener: (name: Names) => void = () => {},
  ) {}

  on(name: Names, listener: (event: InstrumentationEvent<never>) => void): RemoveInstrumentationEventListener {
    if (!this.known.includes(name)) throw new TypeError(`unknown event '${name}'; known: ${this.known.join(', ')}`)
    let set = this.listeners.get(name)
    if (set === undefined) this.listeners.set(name, (set = new Set()))
    set.add(listener)
    if (set.size === 1) this.onFirstListener(name)
    return () => void set.delete(listener)
  }

  listens(name: Names): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0
  }

  emit(name: Names, payload: unknown): void {
    const set = this.listeners.get(name)
    if (set === undefined || set.size === 0) return
    const event = { id: String(++nextId), type: name, timestamp: Date.now(), payload } as unknown as InstrumentationEvent<never>
    for (const l of set) {
      try {
        l(event)
      } catch {
        // KafkaJS does not let a listener break the client either.
      }
    }
  }
}
