// Maps what storage and the records layer throw to the Kafka error code a partition-level response
// carries. Anything unexpected becomes UNKNOWN_SERVER_ERROR (and is worth a log line).
import { ErrorCode, KafkaProtocolError } from '../../protocol/errors.ts'
import { isStorageError } from '../../storage/errors.ts'

export interface PartitionFailure {
  readonly code: number
  readonly message: string
  /** False when the failure is the client's fault (bad input), true for our own faults. */
  readonly unexpected: boolean
}

export function partitionFailure(err: unknown): PartitionFailure {
  if (isStorageError(err)) return { code: err.errorCode, message: err.message, unexpected: err.unexpected }
  if (err instanceof KafkaProtocolError) return { code: err.code, message: err.message, unexpected: false }
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: (err as Error)?.message ?? String(err), unexpected: true }
}
