// Typed storage errors. `code` is the name of the Kafka error the broker should answer with
// (src/protocol/errors.ts maps names to numeric codes); CORRUPT_LOG is storage-only: the log
// refuses to open because data before its recovery point is damaged.
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
  readonly code: StorageErrorCode
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StorageError'
    this.code = code
  }
}

export const isStorageError = (e: unknown): e is StorageError => e instanceof StorageError
