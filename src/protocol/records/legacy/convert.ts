// Conversion between legacy MessageSets and RecordBatch v2, for old clients:
//  - Produce v0-2 sends magic 0/1; the log stores magic 2 (legacyToBatches),
//  - Fetch v0-3 expects magic 0/1 (batchesToLegacy): control batches and headers are dropped.
// Offsets and timestamps are preserved; magic 0 has no timestamps, so they become -1.
import { buildRecordBatch } from '../batch-builder.ts'
import type { DecodeBatchOptions } from '../batch-decoder.ts'
import { DEFAULT_MAX_DECOMPRESSED, decodeRecordBatch, recordOffset, recordTimestamp } from '../batch-decoder.ts'
import type { CompressOptions } from '../compression/index.ts'
import { RecordsError } from '../records-error.ts'
import { entryMagic, splitBatches } from '../split-batches.ts'
import type { LegacyRecord, LegacyRecordInput } from './message-set.ts'
import { decodeMessageSet, encodeMessageSet } from './message-set.ts'

export interface LegacyToBatchesOptions {
  /** Codec for the new batches; by default each keeps the codec of its source wrapper. */
  compression?: number
  compressOptions?: CompressOptions
  verifyCrc?: boolean
  maxDecompressedSize?: number
}

/**
 * Magic 0/1 MessageSet -> concatenated magic 2 batches: one batch per compressed wrapper and
 * one per run of plain messages with the same timestamp type (and, for LogAppendTime, timestamp).
 */
export function legacyToBatches(messageSet: Buffer, options: LegacyToBatchesOptions = {}): Buffer {
  const { records, partialBytes } = decodeMessageSet(messageSet, options)
  if (partialBytes !== 0) throw new RecordsError('truncated', `message set ends with ${partialBytes} partial bytes`)
  const out: Buffer[] = []
  let group: LegacyRecord[] = []
  const flush = (): void => {
    if (group.length === 0) return
    const base = group[0]!
    out.push(
      buildRecordBatch({
        baseOffset: base.offset,
        baseTimestamp: base.timestamp,
        compression: options.compression ?? base.compression,
        compressOptions: options.compressOptions,
        logAppendTime: base.logAppendTime,
        records: group.map((r) => ({ offsetDelta: r.offset - base.offset, timestamp: r.timestamp, key: r.key, value: r.value })),
      }),
    )
    group = []
  }
  for (const r of records) {
    const prev = group[group.length - 1]
    const sameGroup =
      prev !== undefined &&
      (prev.compression !== 0
        ? prev.entry === r.entry
        : // A LogAppendTime batch has one timestamp for all its records.
          r.compression === 0 && prev.logAppendTime === r.logAppendTime && (!r.logAppendTime || prev.timestamp === r.timestamp)) &&
      r.offset > prev.offset &&
      r.offset - group[0]!.offset <= 0x7fffffff
    if (!sameGroup) flush()
    group.push(r)
  }
  flush()
  return Buffer.concat(out)
}

export interface BatchesToLegacyOptions extends DecodeBatchOptions {
  magic: 0 | 1
  /** Codec for the message set; by default each batch keeps its own (zstd cannot: typed error). */
  compression?: number
  compressOptions?: CompressOptions
}

export interface LegacyConversion {
  messageSet: Buffer
  /** Bytes of a trailing partial batch that could not be converted (Fetch cuts batches). */
  partialBytes: number
}

/** Concatenated magic 2 batches (or legacy entries) -> a magic 0/1 MessageSet. */
export function batchesToLegacy(buf: Buffer, options: BatchesToLegacyOptions): LegacyConversion {
  const { magic } = options
  const { batches, partialBytes } = splitBatches(buf)
  const out: Buffer[] = []
  let budget = options.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED
  for (const { pos, size } of batches) {
    if (entryMagic(buf, pos) !== 2) {
      // Already legacy (a log written by an old format): re-encode at the wanted magic.
      const entry = buf.subarray(pos, pos + size)
      const { records } = decodeMessageSet(entry, { verifyCrc: options.verifyCrc, maxDecompressedSize: budget })
      if (records.length === 0) continue
      out.push(
        encodeMessageSet(records, {
          magic,
          compression: options.compression ?? records[0]!.compression,
          compressOptions: options.compressOptions,
          logAppendTime: records[0]!.logAppendTime,
        }),
      )
      continue
    }
    const batch = decodeRecordBatch(buf, pos, { verifyCrc: options.verifyCrc, maxDecompressedSize: budget })
    if (batch.control || batch.records.length === 0) continue
    const records: LegacyRecordInput[] = batch.records.map((r) => ({
      offset: recordOffset(batch, r),
      timestamp: recordTimestamp(batch, r),
      key: r.key,
      value: r.value,
    }))
    for (const r of batch.records) budget -= (r.key?.length ?? 0) + (r.value?.length ?? 0)
    out.push(
      encodeMessageSet(records, {
        magic,
        compression: options.compression ?? batch.compression,
        compressOptions: options.compressOptions,
        logAppendTime: batch.logAppendTime,
      }),
    )
  }
  return { messageSet: Buffer.concat(out), partialBytes }
}
