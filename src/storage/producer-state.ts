// Hook for idempotent/transactional producers (implemented in src/storage/producer/). A Log calls
// these at fixed points so that a ProducerStateManager can reject out-of-order sequences, answer
// duplicates with their original offsets, and be snapshotted (`<offset>.snapshot` beside the
// segments) without the append path changing shape.
import type { AppendOptions, Log } from './log.ts'
import type { AbortedTxn } from './txn-index.ts'

/** A retried batch that is already in the log: answered with its original offsets, not written. */
export interface DuplicateAppend {
  readonly duplicate: true
  readonly baseOffset: number
  readonly lastOffset: number
}

export interface ProducerStateHook {
  /**
   * Called once per append (all batches of `buf`) before it gets offsets, in append order, inside
   * the partition's append queue. Return an error (with a Kafka error name as `code`, e.g.
   * OUT_OF_ORDER_SEQUENCE_NUMBER) to reject the whole append, or a DuplicateAppend to answer it
   * with the offsets it got the first time without writing it again.
   */
  check?(buf: Buffer, origin: NonNullable<AppendOptions['origin']>): Error | DuplicateAppend | undefined
  /** Called for each batch after it has its offset (still before it is written). */
  onAppend?(buf: Buffer, pos: number): void
  /** The log was truncated to `offset` (drop state learned from later batches). */
  onTruncate?(offset: number): void
  /** The log start offset moved (producers whose batches are all gone may be expired). */
  onLogStartOffset?(offset: number): void
  /** Once, when the Log has been opened and recovered, before any append: rebuild state. */
  load?(log: Log): Promise<void>
  /** A new segment starts at `offset` (every earlier batch is written): a snapshot point. */
  onRoll?(offset: number): Promise<void>
  /** The Log is closing after its last append (a clean snapshot point). */
  close?(): Promise<void>
  /** The Log was deleted with its directory: release everything that refers to it (no snapshot). */
  delete?(): void
  /** First offset of the oldest open transaction, undefined when none (compaction stays below it). */
  readonly firstUnstableOffset?: number | undefined
  /** Aborted transactions overlapping [from, to) (the transaction index; compaction drops their data). */
  abortedTransactions?(from: number, to: number): AbortedTxn[]
  /** Compaction emptied these aborted transactions: drop their transaction-index entries (durably). */
  forgetAborted?(txns: readonly AbortedTxn[]): Promise<void>
}
