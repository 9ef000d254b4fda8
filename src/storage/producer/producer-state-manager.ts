// Per-partition producer state (Kafka's ProducerStateManager): for each producer id its epoch, the
// last five batches (sequences and offsets) and its open transaction. Every Log owns one and calls
// it inside the append queue: `check` validates a whole append (sequence, epoch, duplicates),
// `onAppend` learns each batch once it has offsets. It knows the log only through what the Log
// hands it (no import of log.ts). Transactions: data batches open a
// transaction, commit/abort markers close it; aborts go to the transaction index. State is
// snapshotted at segment rolls and on close, and rebuilt at open from the newest usable snapshot
// plus a replay of the log after it.
import { decodeRecordBatch } from '../../protocol/records/batch-decoder.ts'
import {
  baseOffset as batchBaseOffset,
  baseSequence,
  batchSize,
  isControl,
  isTransactional,
  lastOffsetDelta,
  maxTimestamp,
  producerEpoch,
  producerId as batchProducerId,
} from '../../protocol/records/batch-header.ts'
import { ControlRecordType, decodeEndTxnMarker } from '../../protocol/records/control-record.ts'
import type { AppendOrigin } from '../append-validate.ts'
import { StorageError } from '../errors.ts'
import type { StorageErrorCode } from '../errors.ts'
import { TxnIndex } from '../txn-index.ts'
import type { AbortedTxn } from '../txn-index.ts'
import { MAX_BATCHES, batchLastSeq, lastDataOffsetOf, lastSeqOf, nextSeq } from './producer-entry.ts'
import type { ProducerEntry } from './producer-entry.ts'
import { deleteSnapshot, listSnapshots, readSnapshot, writeRollSnapshot, writeSnapshot } from './snapshot.ts'
import type { RollSnapshot } from './snapshot.ts'

/** A retried batch that is already in the log: answered with its original offsets, not written. */
export interface DuplicateAppend {
  readonly duplicate: true
  readonly baseOffset: number
  readonly lastOffset: number
}

export interface ProducerStateOptions {
  /** The partition directory (snapshots and transaction indexes live there). */
  dir: string
  /** Broker clock (ms). */
  now: () => number
  /** producer.id.expiration.ms */
  producerIdExpirationMs: number
  /** Base offset of the segment holding `offset` (aborted transactions go to its .txnindex). */
  segmentBaseFor: (offset: number) => number
  /** Snapshots kept besides the newest (default 1). */
  keepSnapshots?: number
}

/** What loading reads from the partition's log. */
export interface ProducerStateSource {
  logStartOffset: number
  logEndOffset: number
  segmentBases: readonly number[]
  /** Whole batches from the one holding `offset` (empty at the end). */
  read(offset: number, maxBytes: number): Promise<readonly Buffer[]>
}

const REPLAY_READ_BYTES = 1 << 20

export class ProducerStateManager {
  readonly dir: string
  private readonly producers = new Map<number, ProducerEntry>()
  /** Open transactions by producer id -> first offset; insertion order is offset order. */
  private readonly ongoing = new Map<number, number>()
  readonly txnIndex: TxnIndex
  private readonly segmentBaseFor: (offset: number) => number
  private replaying = false
  /** Offset up to which the state reflects the log (exclusive). */
  private mapEnd = 0
  private readonly now: () => number
  private expirationMs: number
  private readonly keep: number

  constructor(opts: ProducerStateOptions) {
    this.dir = opts.dir
    this.now = opts.now
    this.expirationMs = opts.producerIdExpirationMs
    this.keep = opts.keepSnapshots ?? 1
    this.segmentBaseFor = opts.segmentBaseFor
    this.txnIndex = new TxnIndex(opts.dir)
  }

  set producerIdExpiration(ms: number) {
    this.expirationMs = ms
  }

  // ------------------------------------------------------------------ queries

  get producerCount(): number {
    return this.producers.size
  }

  entry(producerId: number): Readonly<ProducerEntry> | undefined {
    return this.producers.get(producerId)
  }

  /** Every producer entry (DescribeProducers). */
  entries(): IterableIterator<Readonly<ProducerEntry>> {
    return this.producers.values()
  }

  /** First offset of the oldest open transaction, or undefined: the LSO is min(this, HW). */
  get firstUnstableOffset(): number | undefined {
    for (const off of this.ongoing.values()) return off
    return undefined
  }

  /** Open transactions (producer id -> first offset), oldest first. */
  openTransactions(): ReadonlyMap<number, number> {
    return this.ongoing
  }

  /** Aborted transactions a read_committed fetch of [fetchOffset, upperBound) must report. */
  abortedTransactions(fetchOffset: number, upperBound: number): AbortedTxn[] {
    return this.txnIndex.collect(fetchOffset, upperBound)
  }

  /** Compaction removed every batch of these aborted transactions: their index entries go too. */
  async forgetAborted(txns: readonly AbortedTxn[]): Promise<void> {
    this.txnIndex.forget(txns)
    await this.txnIndex.flush()
  }

  // ------------------------------------------------------------------ validation

  /**
   * Validates one append (all batches of `buf`) before it gets offsets, in append order, inside the
   * partition's append queue: an error (e.g. OUT_OF_ORDER_SEQUENCE_NUMBER) rejects the whole
   * append; a DuplicateAppend answers it with the offsets it got the first time, unwritten.
   */
  check(buf: Buffer, origin: AppendOrigin): StorageError | DuplicateAppend | undefined {
    // Earlier batches of this same append (a request may carry several batches of one producer).
    let pending: Map<number, { epoch: number; lastSeq: number; txn: boolean }> | undefined
    for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
      const pid = batchProducerId(buf, pos)
      if (pid < 0) continue
      const epoch = producerEpoch(buf, pos)
      const entry = this.producers.get(pid)
      if (isControl(buf, pos)) {
        if (origin === 'replication') continue
        if (entry && epoch < entry.epoch) {
          return fail('INVALID_PRODUCER_EPOCH', `Marker epoch ${epoch} of producer ${pid} is older than ${entry.epoch}`)
        }
        const marker = readMarker(buf, pos)
        if (!marker) return fail('INVALID_TXN_STATE', `Control batch of producer ${pid} holds no transaction marker`)
        if (entry && marker.coordinatorEpoch < entry.coordinatorEpoch) {
          return fail('TRANSACTION_COORDINATOR_FENCED', `Coordinator epoch ${marker.coordinatorEpoch} is older than ${entry.coordinatorEpoch}`)
        }
        continue
      }
      if (origin === 'replication') continue
      if (origin === 'coordinator') {
        // Coordinator-written transactional data (offset commits): fenced by epoch, no sequences.
        if (entry && epoch < entry.epoch) {
          return fail('INVALID_PRODUCER_EPOCH', `Epoch ${epoch} of producer ${pid} is older than ${entry.epoch}`)
        }
        continue
      }
      const firstSeq = baseSequence(buf, pos)
      const lastSeq = batchLastSeq(firstSeq, lastOffsetDelta(buf, pos))
      const txn = isTransactional(buf, pos)
      const seen = pending?.get(pid)
      if (entry && epoch < entry.epoch) {
        return fail('INVALID_PRODUCER_EPOCH', `Epoch ${epoch} of producer ${pid} is older than ${entry.epoch}`)
      }
      if (!seen && entry && epoch === entry.epoch) {
        const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq)
        if (dup) return { duplicate: true, baseOffset: dup.firstOffset, lastOffset: dup.lastOffset }
      }
      const curEpoch = seen?.epoch ?? entry?.epoch
      if (curEpoch === undefined) {
        // No state at all: a new producer starts at 0; anything else means its state expired or
        // its records were deleted (the client decides whether it may reset its sequences).
        if (firstSeq !== 0 && origin === 'client') {
          return fail('UNKNOWN_PRODUCER_ID', `No state for producer ${pid}; sequence ${firstSeq} must be 0 for a new producer`)
        }
      } else if (epoch !== curEpoch) {
        if (firstSeq !== 0) return fail('OUT_OF_ORDER_SEQUENCE_NUMBER', `Sequence ${firstSeq} of new epoch ${epoch} of producer ${pid} must be 0`)
      } else {
        const last = seen ? seen.lastSeq : lastSeqOf(entry!)
        if (firstSeq !== nextSeq(last)) {
          return fail('OUT_OF_ORDER_SEQUENCE_NUMBER', `Out of order sequence ${firstSeq} of producer ${pid} (epoch ${epoch}); expected ${nextSeq(last)}`)
        }
      }
      const inTxn = seen?.txn ?? (entry !== undefined && entry.currentTxnFirstOffset >= 0 && epoch === entry.epoch)
      if (!txn && inTxn) return fail('INVALID_TXN_STATE', `Non-transactional write from producer ${pid} during its open transaction`)
      pending ??= new Map()
      pending.set(pid, { epoch, lastSeq, txn: txn || inTxn })
    }
    return undefined
  }

  // ------------------------------------------------------------------ learning

  /** Learns the batch at `pos` once it has its offset (still before it is written). */
  onAppend(buf: Buffer, pos: number): void {
    this.apply(buf, pos)
    this.mapEnd = batchBaseOffset(buf, pos) + lastOffsetDelta(buf, pos) + 1
  }

  private apply(buf: Buffer, pos: number): void {
    const pid = batchProducerId(buf, pos)
    if (pid < 0) return
    const epoch = producerEpoch(buf, pos)
    const first = batchBaseOffset(buf, pos)
    const last = first + lastOffsetDelta(buf, pos)
    const time = this.replaying ? maxTimestamp(buf, pos) : this.now()
    let entry = this.producers.get(pid)
    if (!entry) {
      entry = { producerId: pid, epoch, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: time }
      this.producers.set(pid, entry)
    }
    if (epoch !== entry.epoch) {
      entry.epoch = epoch
      entry.batches = []
    }
    entry.lastTimestamp = Math.max(entry.lastTimestamp, time)
    if (isControl(buf, pos)) {
      const marker = readMarker(buf, pos)
      if (!marker) return
      entry.coordinatorEpoch = marker.coordinatorEpoch
      this.completeTxn(entry, last, marker.type === ControlRecordType.Abort)
      return
    }
    const firstSeq = baseSequence(buf, pos)
    if (firstSeq >= 0) entry.batches.push({ firstSeq, lastSeq: batchLastSeq(firstSeq, lastOffsetDelta(buf, pos)), firstOffset: first, lastOffset: last })
    if (entry.batches.length > MAX_BATCHES) entry.batches.shift()
    if (isTransactional(buf, pos) && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = first
      this.ongoing.set(pid, first)
    }
  }

  private completeTxn(entry: ProducerEntry, markerOffset: number, aborted: boolean): void {
    const firstOffset = entry.currentTxnFirstOffset
    entry.currentTxnFirstOffset = -1
    if (firstOffset < 0) return
    this.ongoing.delete(entry.producerId)
    if (!aborted) return
    const lastStableOffset = this.firstUnstableOffset ?? markerOffset + 1
    const segment = this.segmentBaseFor(markerOffset)
    this.txnIndex.append({ producerId: entry.producerId, firstOffset, lastOffset: markerOffset, lastStableOffset }, segment)
  }

  // ------------------------------------------------------------------ log changes

  /** The log was truncated to `offset`: drop state learned from later batches. */
  onTruncate(offset: number): void {
    // Followers only (no replication yet): forget what the removed batches taught us.
    for (const [pid, e] of this.producers) {
      e.batches = e.batches.filter((b) => b.lastOffset < offset)
      if (e.currentTxnFirstOffset >= offset) {
        e.currentTxnFirstOffset = -1
        this.ongoing.delete(pid)
      }
      if (e.batches.length === 0 && e.currentTxnFirstOffset < 0) this.producers.delete(pid)
    }
    this.txnIndex.truncateTo(offset)
    this.mapEnd = Math.min(this.mapEnd, offset)
    void this.deleteSnapshotsFrom(offset + 1)
  }

  /** The log start offset moved: producers whose batches are all gone may be expired. */
  onLogStartOffset(offset: number): void {
    // Producers whose every data batch is gone lose their state (their next write with a non-zero
    // sequence gets UNKNOWN_PRODUCER_ID). Open transactions keep theirs.
    for (const [pid, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && lastDataOffsetOf(e) < offset) this.producers.delete(pid)
    }
    this.txnIndex.dropBefore(offset)
    void this.deleteSnapshotsBelow(offset)
  }

  /** Drops idle producers (no open transaction, no write for producer.id.expiration.ms). */
  removeExpired(now = this.now()): number {
    let n = 0
    for (const [pid, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= this.expirationMs) {
        this.producers.delete(pid)
        n++
      }
    }
    return n
  }

  // ------------------------------------------------------------------ snapshots and recovery

  /** Once, when the Log has been opened and recovered, before any append: rebuild state. */
  async load(log: ProducerStateSource): Promise<void> {
    const end = log.logEndOffset
    const start = log.logStartOffset
    this.producers.clear()
    this.ongoing.clear()
    let from = start
    const offsets = await listSnapshots(this.dir)
    for (let i = offsets.length - 1; i >= 0; i--) {
      const off = offsets[i]!
      if (off > end) {
        // Written for data that did not survive the crash.
        await deleteSnapshot(this.dir, off)
        continue
      }
      if (off < start) break
      const entries = await readSnapshot(this.dir, off)
      if (!entries) {
        await deleteSnapshot(this.dir, off)
        continue
      }
      for (const e of entries) {
        this.producers.set(e.producerId, e)
      }
      from = off
      break
    }
    // Open transactions in offset order.
    const open = [...this.producers.values()].filter((e) => e.currentTxnFirstOffset >= 0).sort((a, b) => a.currentTxnFirstOffset - b.currentTxnFirstOffset)
    for (const e of open) this.ongoing.set(e.producerId, e.currentTxnFirstOffset)
    await this.txnIndex.load(log.segmentBases, from)
    await this.replay(log, from, end)
    this.mapEnd = end
    // Producers whose records are all gone were dropped by Kafka before the snapshot; do it again.
    this.onLogStartOffset(start)
  }

  private async replay(log: ProducerStateSource, from: number, end: number): Promise<void> {
    this.replaying = true
    try {
      let offset = from
      while (offset < end) {
        const batches = await log.read(offset, REPLAY_READ_BYTES)
        if (batches.length === 0) break
        for (const buf of batches) {
          for (let pos = 0; pos + 61 <= buf.length; pos += batchSize(buf, pos)) {
            const last = batchBaseOffset(buf, pos) + lastOffsetDelta(buf, pos)
            if (last >= offset) this.apply(buf, pos)
            offset = Math.max(offset, last + 1)
          }
        }
      }
    } finally {
      this.replaying = false
    }
  }

  /** Writes `<offset>.snapshot` for the state as of `offset` (all earlier batches applied). */
  async takeSnapshot(offset = this.mapEnd): Promise<void> {
    await this.txnIndex.flush()
    await writeSnapshot(this.dir, offset, this.producers.values())
    const all = await listSnapshots(this.dir)
    const older = all.filter((o) => o < offset)
    for (const o of older.slice(0, Math.max(0, older.length - this.keep))) await deleteSnapshot(this.dir, o)
  }

  /**
   * A new segment starts at `offset` (every earlier batch is written): a snapshot point. Written
   * without fsync and without the thread pool (the roll runs inside the append queue: two fsyncs
   * there stalled every append of the partition for 10-150 ms per roll on this machine, and pool
   * round trips queued behind other fsyncs); the Log's flusher fsyncs it with the rolled segment,
   * as Kafka's roll schedules flushProducerStateSnapshot. Returns its path.
   */
  async onRoll(offset: number): Promise<RollSnapshot> {
    this.mapEnd = offset
    await this.txnIndex.flush()
    return writeRollSnapshot(this.dir, offset, this.producers.values(), this.keep)
  }

  /** The Log is closing after its last append at `logEndOffset`: a clean snapshot point. */
  async close(logEndOffset: number): Promise<void> {
    this.mapEnd = logEndOffset
    await this.takeSnapshot(this.mapEnd)
  }

  /** The Log was deleted with its directory: forget everything (no snapshot). */
  delete(): void {
    this.producers.clear()
    this.ongoing.clear()
  }

  private async deleteSnapshotsFrom(offset: number): Promise<void> {
    for (const o of await listSnapshots(this.dir)) if (o >= offset) await deleteSnapshot(this.dir, o)
  }

  private async deleteSnapshotsBelow(offset: number): Promise<void> {
    const all = await listSnapshots(this.dir)
    // Keep the newest one below the start offset only if nothing newer exists.
    const below = all.filter((o) => o < offset)
    const keepOne = below.length === all.length ? 1 : 0
    for (const o of below.slice(0, below.length - keepOne)) await deleteSnapshot(this.dir, o)
  }
}

function fail(code: StorageErrorCode, message: string): StorageError {
  return new StorageError(code, message)
}

function readMarker(buf: Buffer, pos: number): { type: ControlRecordType; coordinatorEpoch: number } | undefined {
  try {
    const batch = decodeRecordBatch(buf.subarray(pos, pos + batchSize(buf, pos)), 0, { verifyCrc: false })
    const rec = batch.records[0]
    if (!rec) return undefined
    return decodeEndTxnMarker(rec)
  } catch {
    return undefined
  }
}
