// The shapes of a Log's options, append and read calls (apart from log.ts so that the append
// queue and callers can name them without importing the Log).
import type { AppendOrigin } from './append-validate.ts'
import type { Scheduler } from './clock.ts'
import type { LogConfig } from './config.ts'
import type { StorageLogger } from './logger.ts'
import type { BufferHold, HoldCollector, TailCacheBudget } from './tail-cache.ts'

export interface LogOptions {
  /** Partition directory, `<log.dir>/<topic>-<partition>`. */
  dir: string
  config: LogConfig
  scheduler?: Scheduler
  logger?: StorageLogger
  /** From the recovery-point checkpoint; 0 (default) re-validates the whole log. */
  recoveryPoint?: number
  /** From the log-start-offset checkpoint. */
  logStartOffset?: number
  /** True when the log directory was shut down cleanly (skip recovery). */
  cleanShutdown?: boolean
  /** Shared budget of the in-memory tail cache; without one nothing is cached. */
  tailCache?: TailCacheBudget
  /** producer.id.expiration.ms for the log's producer state (default 1 day). */
  producerIdExpirationMs?: number
  /**
   * Called when the log start offset moves inside a segment (DeleteRecords, a restart at an offset):
   * the LogManager checkpoints it, as loading could not find it. Moves to a segment's base offset
   * (retention) are not told: loading starts at the first segment left.
   */
  onLogStartOffset?: () => void
}

export interface AppendOptions {
  /** Stamped into every batch and recorded in the leader epoch cache. */
  leaderEpoch?: number
  /**
   * 'client' (default): offsets assigned here, control batches refused, CreateTime bounds checked.
   * 'coordinator': like client but control batches allowed. 'replication': batches keep their
   * offsets (must be >= log end offset) and may have offset gaps (compacted leader data).
   */
  origin?: AppendOrigin
  /**
   * `batches` is lent: the tail cache may keep it (retained through this hold) instead of a copy,
   * so that readers at the log end need no file read. Without it large appends are not cached.
   */
  hold?: BufferHold
}

export interface AppendResult {
  baseOffset: number
  lastOffset: number
  /** Broker time stamped into the batches for LogAppendTime topics, else -1. */
  logAppendTime: number
  logStartOffset: number
  recordCount: number
}

export interface ReadOptions {
  /** Exclusive upper bound (high watermark or last stable offset); default the log end offset. */
  maxOffset?: number
  /**
   * Return the first batch even when it is larger than maxBytes (default true). Kafka does so only
   * for the first partition of a fetch response; pass false for the others.
   */
  minOneBatch?: boolean
  /**
   * Where file reads go: returns a buffer of at least `size` bytes that the caller owns until it
   * is done with the result (a pool that takes it back after the response is sent). Default: a
   * fresh allocation per read. Results served from the tail cache do not use it.
   */
  allocate?: (size: number) => Buffer
  /**
   * Keeps lent tail-cache bytes (AppendOptions.hold) for the reader until it is done with them.
   * Without it such bytes are read from the file instead.
   */
  holder?: HoldCollector
}

export interface ReadResult {
  /** Whole record batches in offset order; each Buffer holds one or more consecutive batches. */
  batches: Buffer[]
  bytes: number
  logStartOffset: number
  logEndOffset: number
}
