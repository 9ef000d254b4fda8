// EndTxn under transaction version 2 (KIP-890 part 2, EndTxn v5+): every commit or abort bumps
// the producer epoch, and the markers carry the bumped epoch, so a late write of the finished
// transaction is fenced by the partition itself. When the epoch is exhausted the Prepare state
// takes the epoch to Short.MAX_VALUE for the markers and names the next producer id, which the
// producer continues with at epoch 0. A retried EndTxn arrives with the epoch before the bump
// (or, across a new id, the previous id at the last epoch) and gets the current identity back.
// Transaction version 2 also lets a producer abort with nothing in the transaction (a fence).
// The rules are Kafka's TransactionCoordinator.endTransaction for TV2, as a pure decision.
import { ErrorCode } from '../../../protocol/errors.ts'
import { MAX_EPOCH, TV2, TxnState, cloneTxn } from './txn-metadata.ts'
import type { TxnMetadata } from './txn-metadata.ts'

export type EndTxnV2Decision =
  | { readonly kind: 'error'; readonly errorCode: number }
  /** Already done (a retry): answer with the producer's current identity. */
  | { readonly kind: 'done'; readonly producerId: number; readonly producerEpoch: number }
  /** Write this Prepare state (its `nextProducerId` is -1 or to be filled with a fresh id). */
  | { readonly kind: 'prepare'; readonly next: TxnMetadata; readonly needsNextProducerId: boolean }

export function decideEndTxnV2(m: TxnMetadata | undefined, producerId: number, producerEpoch: number, commit: boolean, now: number): EndTxnV2Decision {
  if (m === undefined) return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING }
  const retryOnOverflow = m.previousProducerId === producerId && producerEpoch === MAX_EPOCH && m.producerEpoch === 0
  const retryOnEpochBump = m.producerId === producerId && m.producerEpoch === producerEpoch + 1
  const isRetry = retryOnEpochBump || retryOnOverflow
  if (m.producerId !== producerId && !retryOnOverflow) {
    // The Prepare of an exhausted epoch already named the next id: the producer is early, not wrong.
    if ((m.nextProducerId ?? -1) === producerId) return { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS }
    return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_ID_MAPPING }
  }
  let validEpoch: boolean
  switch (m.state) {
    case TxnState.PrepareCommit:
    case TxnState.PrepareAbort:
      validEpoch = retryOnEpochBump
      break
    case TxnState.CompleteCommit:
    case TxnState.CompleteAbort:
      validEpoch = isRetry || producerEpoch === m.producerEpoch
      break
    default:
      validEpoch = producerEpoch === m.producerEpoch
  }
  if (!validEpoch) return { kind: 'error', errorCode: ErrorCode.PRODUCER_FENCED }
  const done = { kind: 'done', producerId: m.producerId, producerEpoch: m.producerEpoch } as const
  const invalid = { kind: 'error', errorCode: ErrorCode.INVALID_TXN_STATE } as const
  switch (m.state) {
    case TxnState.Ongoing:
      return prepare(m, commit, now, false)
    case TxnState.CompleteCommit:
      if (commit) return isRetry ? done : invalid
      return isRetry ? invalid : prepare(m, false, now, true)
    case TxnState.CompleteAbort:
      if (!commit) return isRetry ? done : prepare(m, false, now, true)
      return invalid
    case TxnState.PrepareCommit:
      return commit ? { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS } : invalid
    case TxnState.PrepareAbort:
      return commit ? invalid : { kind: 'error', errorCode: ErrorCode.CONCURRENT_TRANSACTIONS }
    case TxnState.Empty:
      return commit ? invalid : prepare(m, false, now, true)
    default:
      return invalid
  }
}

function prepare(m: TxnMetadata, commit: boolean, now: number, nothingAdded: boolean): EndTxnV2Decision {
  const next = cloneTxn(m)
  next.state = commit ? TxnState.PrepareCommit : TxnState.PrepareAbort
  next.lastProducerEpoch = m.producerEpoch
  // MAX_EPOCH + 1 is Short.MAX_VALUE: only the markers of this last transaction of the id carry it.
  next.producerEpoch = m.producerEpoch + 1
  next.clientTransactionVersion = TV2
  next.nextProducerId = -1
  if (nothingAdded) {
    next.partitions = new Map()
    next.txnStartTimestamp = now
  }
  next.txnLastUpdateTimestamp = now
  return { kind: 'prepare', next, needsNextProducerId: m.producerEpoch >= MAX_EPOCH }
}

/** The identity the producer continues with once `prepared` completes. */
export function identityAfter(prepared: TxnMetadata): { producerId: number; producerEpoch: number } {
  const nextId = prepared.nextProducerId ?? -1
  return nextId >= 0 ? { producerId: nextId, producerEpoch: 0 } : { producerId: prepared.producerId, producerEpoch: prepared.producerEpoch }
}
