// Typed storage errors. Each carries the numeric Kafka error code the broker answers with
// (`errorCode`, from src/protocol/errors.ts, fixed here so the broker never translates) and that
// error's name (`code`, for messages and tests). CORRUPT_LOG is storage-only: the log refuses to
// open because data before its recovery point is damaged; it answers KAFKA_STORAGE_ERROR.
import { ErrorCode } from '../protocol/errors.ts'

export type StorageErrorCode =
  | 'CORRUPT_MESSAGE'
  | 'MESSAGE_TOO_LARGE'
  | 'RECORD_LIST_TOO_LARGE'
  | 'INVALID_RECORD'
  | 'INVALID_TIMESTAMP'
  | 'UNSUPPORTED_FOR_MESSAGE_FORMAT'
  | 'OFFSET_OUT_OF_RANGE'
  | 'POLICY_VIOLATION'
  | 'INVALID_CONFIG'
  | 'KAFKA_STORAGE_ERROR'
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'CORRUPT_LOG'
  // Producer state (src/storage/producer): idempotence and transactions.
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'INVALID_PRODUCER_EPOCH'
  | 'UNKNOWN_PRODUCER_ID'
  | 'INVALID_TXN_STATE'
  | 'TRANSACTION_COORDINATOR_FENCED'

export class StorageError extends Error {
  /** The Kafka error's name (CORRUPT_LOG: storage's own). */
  readonly code: StorageErrorCode
  /** The numeric Kafka error code to answer with. */
  readonly errorCode: number
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StorageError'
    this.code = code
    this.errorCode = code === 'CORRUPT_LOG' ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode[code]
  }

  /** Our own fault (the disk, damaged data), not the client's: worth a log line. */
  get unexpected(): boolean {
    return this.errorCode === ErrorCode.KAFKA_STORAGE_ERROR
  }
}

export const isStorageError = (e: unknown): e is StorageError => e instanceof StorageError
