// Log compaction (cleanup.policy=compact / compact,delete): keeps the latest record per key, keeps
// offsets, removes tombstones once their delete horizon has passed.
//
// One pass, under the log's maintenance mutex (appends and reads go on; the active segment and
// segments younger than min.compaction.lag.ms are never touched):
//   1. Map key -> latest offset over the dirty range [first dirty offset, first uncleanable offset).
//   2. Rewrite every cleanable segment: drop records superseded by a later offset of the same key;
//      a tombstone that survives gets a delete horizon (now + delete.retention.ms, Kafka's
//      DELETE_HORIZON batch flag) and is dropped by a later pass once that horizon has passed.
//      Batches keep their base offset and last offset delta; untouched batches are copied as-is;
//      compressed batches are decompressed and recompressed with their codec.
//   3. Swap each rewritten segment crash-safely: `N.log.cleaned` (fsync) -> rename to `N.log.swap`
//      (fsync dir: the commit point) -> drop N's index files -> rename over `N.log` -> rebuild the
//      indexes from the new file. Start-up deletes `.cleaned` files and completes `.swap` files, so
//      a crash at any step shows either the old or the new segment, never both or neither.
// Transactions (cleaner-txn.ts): only segments wholly below the first unstable offset are cleaned;
// aborted batches are dropped and kept out of the key map; empty markers go after a delete horizon.
import { open, rename } from 'node:fs/promises'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { buildRecordBatch, recordInputOf } from '../protocol/records/batch-builder.ts'
import type { RecordInput } from '../protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../protocol/records/batch-decoder.ts'
import type { RecordBatch } from '../protocol/records/batch-decoder.ts'
import {
  DELETE_HORIZON_BIT,
  LOG_OVERHEAD,
  attributes,
  baseOffset,
  baseTimestamp,
  batchSize,
  isControl,
  recordCount,
} from '../protocol/records/batch-header.ts'
import { TxnCleaning, withDeleteHorizon } from './cleaner-txn.ts'
import { CLEANED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, SWAP_SUFFIX, TIME_INDEX_SUFFIX, segmentFile } from './file-names.ts'
import { fsyncDir, unlinkIfExists } from './fs-util.ts'
import type { Log } from './log.ts'
import { maxIndexEntries } from './log-loader.ts'
import { forEachRecordKey } from './record-keys.ts'
import { Segment } from './segment.ts'

const CHUNK = 1024 * 1024
const YIELD_EVERY = 256 * 1024

export interface CleanResult {
  /** New first dirty offset (checkpointed by the LogManager). */
  cleanedUpTo: number
  segments: number
  bytesBefore: number
  bytesAfter: number
  recordsRemoved: number
}

export interface CleanOptions {
  now: number
  /** From the cleaner checkpoint; 0 when unknown. */
  firstDirtyOffset: number
  /** Clean even when the dirty ratio is below min.cleanable.dirty.ratio. */
  force?: boolean
  /** Bound of the key map (memory); a pass covers fewer dirty segments when it is reached. Default 1,000,000. */
  maxKeys?: number
  /** Checked between batches; returning true abandons the pass (shutdown). */
  aborted?: () => boolean
}

/** Which part of the log a pass may clean, and whether it is dirty enough to bother. */
export function cleanableRange(
  log: Log,
  opts: CleanOptions,
): { segments: Segment[]; firstDirty: number; firstUncleanable: number; due: boolean } {
  const c = log.config
  const candidates = log.segments.slice(0, -1)
  // Never at/after the first unstable offset: open transactions may still abort.
  const unstable = log.producerState.firstUnstableOffset ?? Infinity
  let n = 0
  while (
    n < candidates.length &&
    candidates[n]!.maxTimestamp <= opts.now - c.minCompactionLagMs &&
    log.segments[n + 1]!.baseOffset <= unstable
  ) n++
  const segments = candidates.slice(0, n)
  const firstUncleanable = n < log.segments.length ? log.segments[n]!.baseOffset : log.logEndOffset
  const firstDirty = Math.max(opts.firstDirtyOffset, log.logStartOffset)
  let clean = 0
  let dirty = 0
  let oldestDirtyTs = Infinity
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!
    const next = i + 1 < log.segments.length ? log.segments[i + 1]!.baseOffset : Infinity
    if (next <= firstDirty) clean += s.size
    else {
      dirty += s.size
      if (s.maxTimestamp >= 0) oldestDirtyTs = Math.min(oldestDirtyTs, s.maxTimestamp)
    }
  }
  const ratio = dirty + clean > 0 ? dirty / (dirty + clean) : 0
  const due =
    dirty > 0 &&
    (opts.force === true || ratio >= c.minCleanableDirtyRatio || oldestDirtyTs < opts.now - c.maxCompactionLagMs)
  return { segments, firstDirty, firstUncleanable, due }
}

/** Runs one compaction pass if the log is due; undefined when there was nothing to do. */
export function cleanLog(log: Log, opts: CleanOptions): Promise<CleanResult | undefined> {
  return log.maintenance.run(async () => {
    if (log.isClosed || !log.isCompacted) return undefined
    const range = cleanableRange(log, opts)
    if (!range.due || range.segments.length === 0) return undefined
    // Key map over the dirty segments; when it reaches maxKeys, this pass stops at that segment.
    const latest = new Map<string, number>()
    const maxKeys = opts.maxKeys ?? 1_000_000
    let segments = range.segments
    let cleanedUpTo = range.firstUncleanable
    const txn = TxnCleaning.for(log, range.firstUncleanable)
    for (let i = 0; i < segments.length; i++) {
      const end = i + 1 < segments.length ? segments[i + 1]!.baseOffset : range.firstUncleanable
      if (end <= range.firstDirty) continue
      for await (const buf of segmentBatches(segments[i]!)) {
        if (isControl(buf) || txn.isAborted(buf)) continue
        const base = baseOffset(buf, 0)
        forEachRecordKey(buf, (key, offsetDelta) => {
          if (key !== null && base + offsetDelta >= range.firstDirty) latest.set(key, base + offsetDelta)
        })
      }
      if (opts.aborted?.()) return undefined
      if (latest.size >= maxKeys && i + 1 < segments.length) {
        segments = segments.slice(0, i + 1)
        cleanedUpTo = end
        break
      }
    }
    const result: CleanResult = { cleanedUpTo, segments: 0, bytesBefore: 0, bytesAfter: 0, recordsRemoved: 0 }
    for (const seg of segments) {
      if (opts.aborted?.() || log.isClosed) return undefined
      const removed = await cleanSegment(log, seg, latest, opts.now, txn)
      if (removed === undefined) continue
      result.segments++
      result.recordsRemoved += removed.records
      result.bytesBefore += removed.before
      result.bytesAfter += removed.after
    }
    log.logger.info({ dir: log.dir, ...result }, 'compacted log')
    return result
  })
}

/** Rewrites one segment if anything in it changes; returns what changed, undefined if nothing did. */
async function cleanSegment(
  log: Log,
  seg: Segment,
  latest: Map<string, number>,
  now: number,
  txn: TxnCleaning,
): Promise<{ records: number; before: number; after: number } | undefined> {
  const cleaned = segmentFile(log.dir, seg.baseOffset, LOG_SUFFIX + CLEANED_SUFFIX)
  const fh = await open(cleaned, 'w')
  let pending: Buffer[] = []
  let pendingBytes = 0
  let written = 0
  const push = async (b: Buffer) => {
    pending.push(b)
    pendingBytes += b.length
    if (pendingBytes >= CHUNK) await drain()
  }
  const drain = async () => {
    if (pendingBytes === 0) return
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes)
    let done = 0
    while (done < data.length) done += (await fh.write(data, done, data.length - done, written + done)).bytesWritten
    written += pendingBytes
    pending = []
    pendingBytes = 0
    await yieldToLoop()
  }
  let changed = false
  let removed = 0
  const horizon = now + log.config.deleteRetentionMs
  try {
    for await (const buf of segmentBatches(seg)) {
      if (isControl(buf)) {
        const action = txn.onMarker(buf, now)
        if (action === 'keep') await push(buf)
        else if (action === 'set-horizon') await push(withDeleteHorizon(buf, horizon))
        changed ||= action !== 'keep'
        continue
      }
      if (txn.onDataBatch(buf)) {
        // A batch of an aborted transaction: gone whole.
        changed = true
        removed += recordCount(buf)
        continue
      }
      // Cheap look first: most batches of a mostly-clean log stay as they are.
      const base = baseOffset(buf, 0)
      const horizonSet = (attributes(buf, 0) & DELETE_HORIZON_BIT) !== 0
      const horizonPassed = horizonSet && now >= baseTimestamp(buf, 0)
      let rewrite = false
      forEachRecordKey(buf, (key, offsetDelta, tombstone) => {
        const superseded = key !== null && (latest.get(key) ?? -1) > base + offsetDelta
        if (superseded || (tombstone && (horizonPassed || !horizonSet))) rewrite = true
      })
      if (!rewrite) {
        await push(buf)
        continue
      }
      const b = decodeRecordBatch(buf)
      const kept: RecordInput[] = []
      let hasTombstone = false
      for (const r of b.records) {
        const offset = b.baseOffset + r.offsetDelta
        const superseded = r.key !== null && (latest.get(r.key.toString('latin1')) ?? -1) > offset
        const expiredTombstone = r.value === null && b.deleteHorizon && now >= b.baseTimestamp
        if (superseded || expiredTombstone) {
          removed++
          continue
        }
        if (r.value === null) hasTombstone = true
        kept.push(recordInputOf(b.baseTimestamp, r))
      }
      const needsHorizon = hasTombstone && !b.deleteHorizon
      if (kept.length === b.records.length && !needsHorizon) {
        await push(buf)
        continue
      }
      changed = true
      if (kept.length > 0) await push(rebuild(b, kept, needsHorizon ? horizon : undefined))
    }
    await drain()
    if (changed) await fh.sync()
  } catch (e) {
    await fh.close()
    await unlinkIfExists(cleaned)
    throw e
  } finally {
    await fh.close().catch(() => {})
  }
  if (!changed) {
    await unlinkIfExists(cleaned)
    return undefined
  }
  const before = seg.size
  await txn.flush()
  if (written === 0 && (await log.dropCleanedSegment(seg))) {
    // Everything in it was superseded: the segment is gone instead of left as an empty file.
    await unlinkIfExists(cleaned)
  } else await swapIn(log, seg)
  return { records: removed, before, after: written }
}

/** A batch with only `kept` records, same base offset, last offset delta, producer fields and codec. */
function rebuild(b: RecordBatch, kept: RecordInput[], newHorizon: number | undefined): Buffer {
  const horizon = newHorizon ?? (b.deleteHorizon ? b.baseTimestamp : undefined)
  return buildRecordBatch({
    records: kept,
    baseOffset: b.baseOffset,
    partitionLeaderEpoch: b.partitionLeaderEpoch,
    compression: b.compression,
    logAppendTime: b.logAppendTime,
    transactional: b.transactional,
    deleteHorizon: horizon !== undefined,
    producerId: b.producerId,
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    baseTimestamp: horizon ?? b.baseTimestamp,
    maxTimestamp: b.maxTimestamp,
    lastOffsetDelta: b.lastOffsetDelta,
  })
}

/** Crash-safe replacement of `seg` by its fsynced `.cleaned` file (see the header comment). */
async function swapIn(log: Log, seg: Segment): Promise<void> {
  const { dir } = log
  const base = seg.baseOffset
  const cleaned = segmentFile(dir, base, LOG_SUFFIX + CLEANED_SUFFIX)
  const swap = segmentFile(dir, base, LOG_SUFFIX + SWAP_SUFFIX)
  await rename(cleaned, swap)
  await fsyncDir(dir)
  for (const s of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) await unlinkIfExists(segmentFile(dir, base, s))
  await rename(swap, segmentFile(dir, base, LOG_SUFFIX))
  await fsyncDir(dir)
  const fresh = await Segment.openExisting(dir, base, seg.createdAt, maxIndexEntries(log.config))
  const scan = await fresh.scanFrom(0, log.config.indexIntervalBytes, base)
  if (scan.problem) throw new Error(`compacted segment ${fresh.logPath} failed validation: ${scan.problem}`)
  await fresh.persistIndexes()
  log.replaceSegment(seg, fresh)
  await seg.close()
}

/** Every batch of a segment as a Buffer (slices of 1 MiB reads; larger batches read whole). */
export async function* segmentBatches(seg: Segment): AsyncGenerator<Buffer> {
  seg.acquire()
  try {
    const end = seg.size
    let pos = 0
    let sinceYield = 0
    while (pos < end) {
      const chunk = await seg.read(pos, Math.min(CHUNK, end - pos))
      let off = 0
      while (off + LOG_OVERHEAD <= chunk.length && off + batchSize(chunk, off) <= chunk.length) {
        const size = batchSize(chunk, off)
        if ((sinceYield += size) >= YIELD_EVERY) {
          // Callers decode what we hand out: let appends and fetches in between.
          sinceYield = 0
          await yieldToLoop()
        }
        yield chunk.subarray(off, off + size)
        off += size
      }
      if (off === 0) {
        if (chunk.length < LOG_OVERHEAD) return
        const size = batchSize(chunk, 0)
        const whole = await seg.read(pos, size)
        if (whole.length < size) return
        yield whole
        off = size
      }
      pos += off
    }
  } finally {
    seg.release()
  }
}
