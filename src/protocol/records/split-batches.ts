// Splits concatenated log entries (a Produce request's records field, a segment slice, a Fetch
// response's records) into (pos, size) without copying. Every magic starts with
// offset int64 | length int32, so this works for RecordBatch v2 and legacy message sets alike.
// A trailing partial entry is normal in Fetch responses (the broker cuts at maxBytes) and is
// reported, not treated as an error.
import { LOG_OVERHEAD, MAGIC } from './batch-header.ts'
import { RecordsError } from './records-error.ts'

export interface BatchSpan {
  pos: number
  size: number
}

export interface SplitResult {
  batches: BatchSpan[]
  /** Bytes at the end that do not form a whole entry (0 when the input ends cleanly). */
  partialBytes: number
  /** Position where the partial entry starts (= buffer length when there is none). */
  partialPos: number
}

/** Smallest legacy message: crc 4 + magic 1 + attributes 1 + key length 4 + value length 4. */
const MIN_ENTRY_LENGTH = 14

export function splitBatches(buf: Buffer, start = 0, end = buf.length): SplitResult {
  const batches: BatchSpan[] = []
  let pos = start
  while (pos + LOG_OVERHEAD <= end) {
    const length = buf.readInt32BE(pos + 8)
    if (length < MIN_ENTRY_LENGTH) throw new RecordsError('bad-length', `entry length ${length} at position ${pos}`)
    const size = length + LOG_OVERHEAD
    if (pos + size > end) break
    batches.push({ pos, size })
    pos += size
  }
  return { batches, partialBytes: end - pos, partialPos: pos }
}

/** The magic byte of the entry at `pos` (2 for RecordBatch, 0/1 for legacy messages). */
export function entryMagic(buf: Buffer, pos: number): number {
  if (pos + MAGIC >= buf.length) throw new RecordsError('truncated', 'entry too short to hold its magic byte')
  return buf.readInt8(pos + MAGIC)
}
