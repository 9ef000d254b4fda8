// Which records of a set of v2 batches carry no key (key length -1), for compacted topics that
// must refuse them. Cheap on purpose: each record is skipped by its length after reading only the
// fields before the key (attributes, timestamp and offset deltas); values and headers are never
// read, and only a compressed batch's payload is decompressed.
import { ATTRIBUTES, COMPRESSION_MASK, RECORD_BATCH_OVERHEAD, recordCount } from './batch-header.ts'
import { DEFAULT_MAX_DECOMPRESSED, checkBatchBounds } from './batch-decoder.ts'
import { getCodec } from './compression/index.ts'
import { ProtocolDecodeError, Reader } from '../primitives/index.ts'
import { RecordsError } from './records-error.ts'

/** Indexes (counted across all batches, in order) of the records that have a null key. */
export function keylessRecordIndexes(buf: Buffer, maxDecompressed = DEFAULT_MAX_DECOMPRESSED): number[] {
  const keyless: number[] = []
  let index = 0
  let pos = 0
  while (pos < buf.length) {
    const size = checkBatchBounds(buf, pos)
    const count = recordCount(buf, pos)
    let data = buf.subarray(pos + RECORD_BATCH_OVERHEAD, pos + size)
    const codec = buf.readInt16BE(pos + ATTRIBUTES) & COMPRESSION_MASK
    if (codec !== 0 && count > 0) data = getCodec(codec).decompress(data, maxDecompressed)
    const r = new Reader(data)
    try {
      for (let i = 0; i < count; i++, index++) {
        const length = r.varint()
        const start = r.pos
        if (length < 0 || start + length > data.length) throw new RecordsError('bad-length', `record ${index} has length ${length} past its batch`)
        r.pos++ // attributes
        r.uvarlong() // timestamp delta
        r.uvarint() // offset delta
        if (r.varint() < 0) keyless.push(index)
        r.pos = start + length
      }
    } catch (e) {
      if (e instanceof ProtocolDecodeError) throw new RecordsError('truncated', `record ${index}: ${e.message}`, { cause: e })
      throw e
    }
    pos += size
  }
  return keyless
}
