// Full decode of a RecordBatch v2: header fields, CRC check, decompression, records. Keys and
// values are views into the input (uncompressed batches) or into the decompressed buffer.
import {
  CONTROL_BIT,
  DELETE_HORIZON_BIT,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
  attributes as readAttributes,
  baseOffset,
  baseSequence,
  baseTimestamp,
  batchLength,
  computeCrc,
  lastOffsetDelta,
  magic,
  maxTimestamp,
  partitionLeaderEpoch,
  producerEpoch,
  producerId,
  recordCount,
  storedCrc,
} from './batch-header.ts'
import { getCodec } from './compression/index.ts'
import type { Record, RecordFactory } from './record.ts'
import { Reader } from '../primitives/index.ts'
import { readRecord, readRecordWith } from './record.ts'
import { RecordsError } from './records-error.ts'

export interface DecodeBatchOptions {
  /** Check the CRC32C (default true). */
  verifyCrc?: boolean
  /** Upper bound of the decompressed records section (default 64 MiB). */
  maxDecompressedSize?: number
}

export const DEFAULT_MAX_DECOMPRESSED = 64 * 1024 * 1024

export interface RecordBatch<R = Record> {
  baseOffset: number
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  compression: number
  logAppendTime: boolean
  transactional: boolean
  control: boolean
  deleteHorizon: boolean
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  records: R[]
}

/** Absolute offset of a record of `batch`. */
export const recordOffset = (batch: RecordBatch, r: Record): number => batch.baseOffset + r.offsetDelta

/** Timestamp of a record: LogAppendTime batches give every record the batch's maxTimestamp. */
export const recordTimestamp = (batch: RecordBatch, r: Record): number =>
  batch.logAppendTime ? batch.maxTimestamp : batch.baseTimestamp + r.timestampDelta

/** Checks that a whole v2 batch is at `pos` and returns its total size. */
export function checkBatchBounds(buf: Buffer, pos: number): number {
  if (pos < 0 || pos + RECORD_BATCH_OVERHEAD > buf.length) {
    throw new RecordsError('truncated', `record batch header needs ${RECORD_BATCH_OVERHEAD} bytes`)
  }
  const m = magic(buf, pos)
  if (m !== 2) throw new RecordsError('unsupported-magic', `expected magic 2, got ${m}`)
  const length = batchLength(buf, pos)
  if (length < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) throw new RecordsError('bad-length', `batch length ${length} too small`)
  const size = length + LOG_OVERHEAD
  if (pos + size > buf.length) throw new RecordsError('truncated', `batch of ${size} bytes runs past the data`)
  return size
}

/** Decodes the batch at `pos` (header, CRC, records). */
export function decodeRecordBatch(buf: Buffer, pos = 0, options: DecodeBatchOptions = {}): RecordBatch {
  return decodeRecordBatchWith(buf, pos, options, null)
}

/** decodeRecordBatch, each record built by `make` from its fields (null: Record objects). */
export function decodeRecordBatchWith<R>(buf: Buffer, pos: number, options: DecodeBatchOptions, make: RecordFactory<R> | null): RecordBatch<R> {
  const size = checkBatchBounds(buf, pos)
  const crc = storedCrc(buf, pos)
  if (options.verifyCrc !== false && computeCrc(buf, pos) !== crc) {
    throw new RecordsError('crc-mismatch', `batch at offset ${baseOffset(buf, pos)} failed its CRC check`)
  }
  const attributes = readAttributes(buf, pos)
  const compression = attributes & 0x07
  const count = recordCount(buf, pos)
  if (count < 0) throw new RecordsError('bad-length', `negative record count ${count}`)

  let data = buf
  let start = pos + RECORD_BATCH_OVERHEAD
  let end = pos + size
  // An empty batch (all records compacted away) may keep its codec bit with no payload at all.
  if (compression !== 0 && count > 0) {
    data = getCodec(compression).decompress(buf.subarray(start, end), options.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED)
    start = 0
    end = data.length
  }
  // A record takes at least 7 bytes (length, attributes, 2 deltas, key, value, header count).
  if (count * 7 > end - start) throw new RecordsError('bad-length', `record count ${count} exceeds the batch`)
  const records: R[] = new Array(count)
  const r = new Reader(data, start, end)
  if (make === null) for (let i = 0; i < count; i++) records[i] = readRecord(r) as R
  else for (let i = 0; i < count; i++) records[i] = readRecordWith(r, make)
  if (r.pos !== end && count > 0) throw new RecordsError('bad-length', 'bytes left after the last record')

  return {
    baseOffset: baseOffset(buf, pos),
    batchLength: size - LOG_OVERHEAD,
    partitionLeaderEpoch: partitionLeaderEpoch(buf, pos),
    magic: 2,
    crc,
    attributes,
    compression,
    logAppendTime: (attributes & TIMESTAMP_TYPE_BIT) !== 0,
    transactional: (attributes & TRANSACTIONAL_BIT) !== 0,
    control: (attributes & CONTROL_BIT) !== 0,
    deleteHorizon: (attributes & DELETE_HORIZON_BIT) !== 0,
    lastOffsetDelta: lastOffsetDelta(buf, pos),
    baseTimestamp: baseTimestamp(buf, pos),
    maxTimestamp: maxTimestamp(buf, pos),
    producerId: producerId(buf, pos),
    producerEpoch: producerEpoch(buf, pos),
    baseSequence: baseSequence(buf, pos),
    records,
  }
}

/** Iterates the records of the batch at `pos` with absolute offsets and timestamps. */
export function* iterateRecords(
  buf: Buffer,
  pos = 0,
  options: DecodeBatchOptions = {},
): Generator<Record & { offset: number; timestamp: number }> {
  const batch = decodeRecordBatch(buf, pos, options)
  for (const r of batch.records) yield { ...r, offset: recordOffset(batch, r), timestamp: recordTimestamp(batch, r) }
}
