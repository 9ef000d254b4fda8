// Hook for idempotent/transactional producers (built later). A Log calls these at fixed points so
// that a ProducerStateManager can reject out-of-order or duplicate sequences and be snapshotted
// (`<offset>.snapshot` beside the segments) without the append path changing shape.
export interface ProducerStateHook {
  /**
   * Called for each batch (at `pos` in `buf`) before it gets offsets, in append order, inside the
   * partition's append queue. Return an error (with a Kafka error name as `code`, e.g.
   * OUT_OF_ORDER_SEQUENCE_NUMBER) to reject the whole append. Duplicate detection will extend this.
   */
  check?(buf: Buffer, pos: number): Error | undefined
  /** Called after the batch has its offset (still before it is written). */
  onAppend?(buf: Buffer, pos: number): void
  /** The log was truncated to `offset` (drop state learned from later batches). */
  onTruncate?(offset: number): void
  /** The log start offset moved (producers whose batches are all gone may be expired). */
  onLogStartOffset?(offset: number): void
}
