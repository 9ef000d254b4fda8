// Transactions in compaction (Kafka's LogCleaner rules). The cleaner only works below the first
// unstable offset (see cleanableRange), so every transactional batch it sees belongs to a finished
// transaction. Within one pass, from the log start:
//   - batches of aborted transactions (per the transaction index) never enter the key map — they
//     must not supersede committed records — and are dropped from the rewritten segments;
//   - a commit/abort marker stays while any batch of its transaction was seen in this pass
//     (so the marker and its index entry outlive the data by at least one whole pass, whose swaps
//     are durable first). Once a pass sees no batch of it, the transaction is empty: an abort's
//     transaction-index entry is forgotten (no data is left for consumers to filter, and an entry
//     without a marker would leave the producer marked aborted in consumers forever), and the marker
//     gets a delete horizon (now + delete.retention.ms, like tombstones) and is dropped by a later
//     pass once it has passed, so consumers still reading the transaction see its end.
import { buildRecordBatch, recordInputOf } from '../protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../protocol/records/batch-decoder.ts'
import {
  DELETE_HORIZON_BIT,
  attributes,
  baseOffset,
  baseTimestamp,
  isControl,
  isTransactional,
  lastOffset,
  producerId,
} from '../protocol/records/batch-header.ts'
import type { Log } from './log.ts'
import type { AbortedTxn } from './txn-index.ts'

export type MarkerAction = 'keep' | 'set-horizon' | 'drop'

export class TxnCleaning {
  /** Aborted transactions by producer id, ordered by first offset. */
  private readonly aborted = new Map<number, AbortedTxn[]>()
  /** Producers with a batch seen in this pass since their previous marker. */
  private readonly observed = new Set<number>()
  /** Abort entries to forget before the segment holding their marker is swapped. */
  private forget: AbortedTxn[] = []

  private constructor(private readonly log: Log, aborted: readonly AbortedTxn[]) {
    for (const t of aborted) {
      let list = this.aborted.get(t.producerId)
      if (!list) this.aborted.set(t.producerId, (list = []))
      list.push(t)
    }
    for (const list of this.aborted.values()) list.sort((a, b) => a.firstOffset - b.firstOffset)
  }

  /** Transaction state for a pass over [log start, upTo). */
  static for(log: Log, upTo: number): TxnCleaning {
    return new TxnCleaning(log, log.producerState.abortedTransactions(log.logStartOffset, upTo))
  }

  /** A transactional data batch of an aborted transaction (pure: for the key map). */
  isAborted(buf: Buffer): boolean {
    if (!isTransactional(buf) || isControl(buf)) return false
    const list = this.aborted.get(producerId(buf))
    if (!list) return false
    const first = baseOffset(buf)
    const last = lastOffset(buf)
    for (const t of list) {
      if (t.firstOffset > last) break
      if (t.lastOffset >= first) return true
    }
    return false
  }

  /** Rewrite pass, data batch: records it as seen; true when it must be dropped (aborted). */
  onDataBatch(buf: Buffer): boolean {
    if (!isTransactional(buf)) return false
    this.observed.add(producerId(buf))
    return this.isAborted(buf)
  }

  /** Rewrite pass, control batch: what happens to this marker. */
  onMarker(buf: Buffer, now: number): MarkerAction {
    const pid = producerId(buf)
    if (this.observed.delete(pid)) return 'keep'
    const offset = baseOffset(buf)
    const entry = this.aborted.get(pid)?.find((t) => t.lastOffset === offset)
    if (entry) this.forget.push(entry)
    const horizonSet = (attributes(buf) & DELETE_HORIZON_BIT) !== 0
    if (!horizonSet) return 'set-horizon'
    return now >= baseTimestamp(buf) ? 'drop' : 'keep'
  }

  /** Forgets the index entries of emptied aborted transactions (call before swapping their segment). */
  async flush(): Promise<void> {
    if (this.forget.length === 0) return
    const list = this.forget
    this.forget = []
    await this.log.producerState.forgetAborted(list)
  }
}

/** The marker batch with a delete horizon (Kafka: the base timestamp becomes the horizon). */
export function withDeleteHorizon(buf: Buffer, horizon: number): Buffer {
  const b = decodeRecordBatch(buf)
  return buildRecordBatch({
    records: b.records.map((r) => recordInputOf(b.baseTimestamp, r)),
    baseOffset: b.baseOffset,
    partitionLeaderEpoch: b.partitionLeaderEpoch,
    compression: b.compression,
    logAppendTime: b.logAppendTime,
    transactional: b.transactional,
    control: b.control,
    deleteHorizon: true,
    producerId: b.producerId,
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    baseTimestamp: horizon,
    maxTimestamp: b.maxTimestamp,
    lastOffsetDelta: b.lastOffsetDelta,
  })
}
