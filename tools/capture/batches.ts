// Finds the RecordBatch bytes (the `records` field) inside a captured Produce request without
// decoding the message: a v2 batch is recognised by magic 2 and a CRC32C that matches its
// contents, which random bytes essentially never satisfy. Consecutive batches are joined.
import { crc32c } from '../../src/protocol/records/crc32c.ts'
import { ATTRIBUTES, COMPRESSION_MASK, CRC, LOG_OVERHEAD, MAGIC, RECORD_BATCH_OVERHEAD } from '../../src/protocol/records/batch-header.ts'

export interface FoundBatches {
  /** Offset of the first batch inside the frame. */
  start: number
  bytes: Buffer
  batches: number
  /** Compression codec id of each batch (attributes & 7). */
  codecs: number[]
}

function batchAt(frame: Buffer, pos: number): number {
  if (pos + RECORD_BATCH_OVERHEAD > frame.length || frame[pos + MAGIC] !== 2) return -1
  const size = frame.readInt32BE(pos + 8) + LOG_OVERHEAD
  if (size < RECORD_BATCH_OVERHEAD || pos + size > frame.length) return -1
  return crc32c(frame.subarray(pos + ATTRIBUTES, pos + size)) === frame.readUInt32BE(pos + CRC) ? size : -1
}

/** The first run of valid, back-to-back v2 batches in `frame`, or undefined. */
export function findRecordBatches(frame: Buffer): FoundBatches | undefined {
  for (let start = 0; start + RECORD_BATCH_OVERHEAD <= frame.length; start++) {
    let size = batchAt(frame, start)
    if (size < 0) continue
    const codecs: number[] = []
    let pos = start
    while (size > 0) {
      codecs.push(frame.readInt16BE(pos + ATTRIBUTES) & COMPRESSION_MASK)
      pos += size
      size = batchAt(frame, pos)
    }
    return { start, bytes: Buffer.from(frame.subarray(start, pos)), batches: codecs.length, codecs }
  }
  return undefined
}
