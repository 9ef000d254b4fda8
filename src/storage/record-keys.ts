// Walks the records of a batch for the cleaner, reading only key, offset delta and whether the
// value is null: no Record objects, no header arrays. Compressed batches are decompressed once.
import { RECORD_BATCH_OVERHEAD, batchSize, compression, recordCount } from '../protocol/records/batch-header.ts'
import { getCodec } from '../protocol/records/compression/index.ts'
import { Reader } from '../protocol/primitives/reader.ts'
import { StorageError } from './errors.ts'

/** Bound of a batch's decompressed records (as the batch decoder's default). */
const MAX_DECOMPRESSED = 64 * 1024 * 1024

/** Key as a latin1 string (a lossless Map key for any bytes), or null. */
export type KeyVisitor = (key: string | null, offsetDelta: number, tombstone: boolean) => void

/** Visits every record of the (CRC-checked) batch in `buf`; malformed records throw. */
export function forEachRecordKey(buf: Buffer, visit: KeyVisitor): void {
  let data = buf
  let pos = RECORD_BATCH_OVERHEAD
  let end = batchSize(buf, 0)
  const codec = compression(buf, 0)
  if (codec !== 0) {
    data = getCodec(codec).decompress(buf.subarray(pos, end), MAX_DECOMPRESSED)
    pos = 0
    end = data.length
  }
  const r = new Reader(data, pos, end)
  const count = recordCount(buf, 0)
  for (let i = 0; i < count; i++) {
    const length = r.varint()
    const recEnd = r.pos + length
    if (length < 1 || recEnd > end) throw new StorageError('CORRUPT_MESSAGE', 'record length out of bounds')
    r.skip(1) // attributes
    r.varlongNumber() // timestamp delta
    const offsetDelta = r.varint()
    const keyLength = r.varint()
    let key: string | null = null
    if (keyLength >= 0) {
      if (r.pos + keyLength > recEnd) throw new StorageError('CORRUPT_MESSAGE', 'key runs past its record')
      key = data.toString('latin1', r.pos, r.pos + keyLength)
      r.pos += keyLength
    }
    visit(key, offsetDelta, r.varint() < 0)
    r.pos = recEnd
  }
  if (r.pos !== end) throw new StorageError('CORRUPT_MESSAGE', 'bytes left after the last record')
}
