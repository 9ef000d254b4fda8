// Errors of samsa/streams, named as Kafka Streams names them.
export class StreamsError extends Error {
  override readonly name: string = 'StreamsError'
}

/** The topology is not valid: unknown parents or stores, clashing names, topics not co-partitioned. */
export class TopologyError extends StreamsError {
  override readonly name = 'TopologyError'
}

/** Raised by a processor, a serde or a store while a record was processed (carries the record's position). */
export class ProcessingError extends StreamsError {
  override readonly name = 'ProcessingError'
  constructor(message: string, readonly taskId: string, readonly topic: string | null, readonly partition: number, readonly offset: number, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** An instance of the application with the same transactional id took over (exactly_once_v2). */
export class TaskMigratedError extends StreamsError {
  override readonly name = 'TaskMigratedError'
}
