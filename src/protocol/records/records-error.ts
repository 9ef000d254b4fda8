// Typed failures of record decoding/encoding. Each carries the Kafka error code a broker
// answers with, so callers can map any records problem to a response without guessing.
import { ErrorCode, KafkaProtocolError } from '../errors.ts'

export type RecordsFailure =
  | 'truncated' // fewer bytes than a length or header says
  | 'bad-length' // a length or count that cannot be right (negative, past the batch end, absurd)
  | 'bad-varint' // a varint longer than its type allows, or out of the safe-integer range
  | 'crc-mismatch' // stored CRC differs from the computed one
  | 'unsupported-magic' // a magic byte this code does not speak
  | 'unsupported-compression' // a compression codec id that is unknown or not allowed here
  | 'bad-compressed-data' // the codec could not decompress the payload
  | 'too-large' // decompressed data would exceed the caller's limit
  | 'invalid' // anything else that breaks the format (nested compression, bad control record...)

const CODES: Record<RecordsFailure, number> = {
  truncated: ErrorCode.CORRUPT_MESSAGE,
  'bad-length': ErrorCode.CORRUPT_MESSAGE,
  'bad-varint': ErrorCode.CORRUPT_MESSAGE,
  'crc-mismatch': ErrorCode.CORRUPT_MESSAGE,
  'unsupported-magic': ErrorCode.UNSUPPORTED_VERSION,
  'unsupported-compression': ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
  'bad-compressed-data': ErrorCode.CORRUPT_MESSAGE,
  'too-large': ErrorCode.MESSAGE_TOO_LARGE,
  invalid: ErrorCode.INVALID_RECORD,
}

export class RecordsError extends KafkaProtocolError {
  constructor(
    readonly reason: RecordsFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(CODES[reason], message, options)
    this.name = 'RecordsError'
  }
}
