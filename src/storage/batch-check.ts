// Structural checks of RecordBatch v2 bytes, shared by append validation and crash recovery.
// Only the 61-byte header is read and the CRC computed: records are never decoded here.
import {
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  batchLength,
  lastOffsetDelta,
  magic,
  recordCount,
  verifyCrc,
} from '../protocol/records/batch-header.ts'

export type BatchProblem = 'truncated' | 'length' | 'magic' | 'offsets' | 'crc'

/** Why the batch at `pos` (bytes up to `limit`) is unusable, or undefined when it is sound. */
export function batchProblem(buf: Buffer, pos: number, limit: number): BatchProblem | undefined {
  if (limit - pos < RECORD_BATCH_OVERHEAD) {
    const tooShort = limit - pos >= LOG_OVERHEAD && batchLength(buf, pos) < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD
    return tooShort ? 'length' : 'truncated'
  }
  const len = batchLength(buf, pos)
  if (len < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) return 'length'
  if (pos + LOG_OVERHEAD + len > limit) return 'truncated'
  if (magic(buf, pos) !== 2) return 'magic'
  if (lastOffsetDelta(buf, pos) < 0 || recordCount(buf, pos) < 0) return 'offsets'
  if (!verifyCrc(buf, pos)) return 'crc'
  return undefined
}

export const describeProblem: Record<BatchProblem, string> = {
  truncated: 'batch extends past the end of the data',
  length: 'batch length is smaller than the batch header',
  magic: 'unsupported magic byte',
  offsets: 'negative last offset delta or record count',
  crc: 'CRC32C mismatch',
}
