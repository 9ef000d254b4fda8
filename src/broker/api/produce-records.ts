// What the Produce handler checks and converts before handing bytes to storage. Storage validates
// each RecordBatch (CRC, sizes, offsets, timestamps); here only what depends on the request
// version: magic 0/1 message sets (Produce v0-2) are converted to magic 2, v3+ must be one
// magic 2 batch, and zstd needs Produce v7+. Header reads only — records are never decoded on the v3+ path.
import { ErrorCode, KafkaProtocolError } from '../../protocol/errors.ts'
import { ATTRIBUTES, COMPRESSION_MASK, MAGIC, RECORD_BATCH_OVERHEAD, batchSize } from '../../protocol/records/batch-header.ts'
import { legacyToBatches } from '../../protocol/records/legacy/convert.ts'

const ZSTD = 4
/** First Produce version that may carry zstd batches (KIP-110). */
const ZSTD_MIN_VERSION = 7

/**
 * The magic 2 batches to append for one partition's `records`, or a KafkaProtocolError with the
 * partition's error code.
 */
export function recordsForAppend(records: Buffer | null, version: number): Buffer {
  if (records === null || records.length === 0) throw new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, 'Produce request carries no records')
  if (records.length <= MAGIC) throw new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, `Record data of ${records.length} bytes is truncated`)
  const magic = records.readInt8(MAGIC)
  if (magic < 0 || magic > 2) throw new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, `Unknown record format magic ${magic}`)
  if (magic < 2) {
    if (version >= 3) throw new KafkaProtocolError(ErrorCode.INVALID_RECORD, `Produce v${version} requires record batch magic 2, got magic ${magic}`)
    // Old clients: convert (decompresses and recompresses with the wrapper's codec; CRCs checked).
    return legacyToBatches(records, { verifyCrc: true })
  }
  checkBatches(records, version)
  return records
}

/**
 * Per-batch header checks that depend on the request version. Malformed framing is left to
 * storage. As in Kafka, Produce v3+ carries exactly one batch per partition (idempotence and
 * transactions reason about one batch per request and partition).
 */
function checkBatches(buf: Buffer, version: number): void {
  let pos = 0
  while (pos + RECORD_BATCH_OVERHEAD <= buf.length) {
    if (pos > 0 && version >= 3) {
      throw new KafkaProtocolError(ErrorCode.INVALID_RECORD, `Produce v${version} allows exactly one record batch per partition`)
    }
    const m = buf.readInt8(pos + MAGIC)
    if (m !== 2) {
      const code = m === 0 || m === 1 ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE
      throw new KafkaProtocolError(code, `Record batch at byte ${pos} has magic ${m}; expected 2`)
    }
    const codec = buf.readInt16BE(pos + ATTRIBUTES) & COMPRESSION_MASK
    if (codec > ZSTD) throw new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, `Unknown compression codec ${codec}`)
    if (codec === ZSTD && version < ZSTD_MIN_VERSION) {
      throw new KafkaProtocolError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `zstd-compressed batches need Produce v${ZSTD_MIN_VERSION}+ (got v${version})`)
    }
    const size = batchSize(buf, pos)
    if (size < RECORD_BATCH_OVERHEAD) break
    pos += size
  }
}
