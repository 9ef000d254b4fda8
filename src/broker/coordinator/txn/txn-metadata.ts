// One transactional id's state at the transaction coordinator (Kafka's TransactionMetadata).
// The numeric ids are what TransactionLogValue.TransactionStatus stores.

export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const
export type TxnState = (typeof TxnState)[keyof typeof TxnState]

export const TXN_STATE_NAMES: Record<TxnState, string> = {
  0: 'Empty',
  1: 'Ongoing',
  2: 'PrepareCommit',
  3: 'PrepareAbort',
  4: 'CompleteCommit',
  5: 'CompleteAbort',
  6: 'Dead',
  7: 'PrepareEpochFence',
}

export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

export interface TxnMetadata {
  readonly transactionalId: string
  producerId: number
  /** The producer id before the last one ran out of epochs (-1 none). */
  previousProducerId: number
  producerEpoch: number
  /** The epoch before the last bump (a retried InitProducerId gets the current one back). Memory only. */
  lastProducerEpoch: number
  timeoutMs: number
  state: TxnState
  /** Partitions in the transaction, keyed `topic\0partition`. */
  partitions: Map<string, TopicPartition>
  txnStartTimestamp: number
  txnLastUpdateTimestamp: number
  /**
   * Transaction version 2 (KIP-890 part 2) only: while a Prepare state runs with the epoch
   * exhausted, the producer id the producer continues with (epoch 0) once complete. -1 none.
   */
  nextProducerId?: number
  /** 2 once the producer ended a transaction with EndTxn v5+ (bumps the epoch every time); else 0. */
  clientTransactionVersion?: number
}

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/** Kafka bumps to a new producer id before the epoch reaches Short.MAX_VALUE. */
export const MAX_EPOCH = 32766
/** Transaction version 2: the epoch bumped at every end (Short.MAX_VALUE only while moving to a new id). */
export const TV2 = 2

export function cloneTxn(m: TxnMetadata): TxnMetadata {
  return { ...m, partitions: new Map(m.partitions) }
}

export const isPrepare = (s: TxnState): boolean => s === TxnState.PrepareCommit || s === TxnState.PrepareAbort || s === TxnState.PrepareEpochFence
export const isComplete = (s: TxnState): boolean => s === TxnState.CompleteCommit || s === TxnState.CompleteAbort
