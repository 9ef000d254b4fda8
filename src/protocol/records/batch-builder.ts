// Builds a complete RecordBatch v2 (header, optionally compressed records, CRC32C). For
// clients, tests, compaction and down-conversion; the broker's produce path never rebuilds
// batches, it only stamps headers in place (batch-header.ts).
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  CONTROL_BIT,
  CRC,
  DELETE_HORIZON_BIT,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
  writeInt64,
} from './batch-header.ts'
import { sizeOfVarint, Writer } from '../primitives/index.ts'
import type { CompressOptions } from './compression/index.ts'
import { getCodec } from './compression/index.ts'
import { crc32c } from './crc32c.ts'
import type { Record, RecordHeader } from './record.ts'
import { sizeOfRecordBody, writeRecord } from './record.ts'
import { RecordsError } from './records-error.ts'

/** A record to put in a batch: give an absolute `timestamp` or a `timestampDelta`. */
export interface RecordInput {
  key?: Buffer | null
  value?: Buffer | null
  headers?: RecordHeader[]
  /** Absolute timestamp (ms); the delta is computed from the batch's base timestamp. */
  timestamp?: number
  timestampDelta?: number
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number
  attributes?: number
}

export interface BatchOptions {
  records: readonly RecordInput[]
  baseOffset?: number
  partitionLeaderEpoch?: number
  /** Kafka's codec id (CompressionType): 0 none (default) ... 4 zstd. */
  compression?: number
  compressOptions?: CompressOptions
  logAppendTime?: boolean
  transactional?: boolean
  control?: boolean
  /** Marks baseTimestamp as the delete horizon (set by compaction on tombstone-bearing batches). */
  deleteHorizon?: boolean
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
  /** Defaults to the first record's timestamp, or now when no record gives one. */
  baseTimestamp?: number
  /** Defaults to baseTimestamp + the largest timestamp delta. */
  maxTimestamp?: number
  /** Defaults to the largest offset delta (compaction keeps the original one). */
  lastOffsetDelta?: number
  /**
   * Build an uncompressed batch in this buffer when it fits (a producer's pool of batch buffers,
   * as the Java client keeps): the result is then a subarray of it, valid until it is reused.
   */
  buffer?: Buffer
}

/**
 * A decoded record as builder input, as it was (offset delta, attributes, timestamp from its
 * batch's base timestamp): for rebuilding batches, e.g. compaction.
 */
export function recordInputOf(baseTimestamp: number, r: Record): RecordInput {
  return {
    key: r.key,
    value: r.value,
    headers: r.headers,
    attributes: r.attributes,
    offsetDelta: r.offsetDelta,
    timestamp: baseTimestamp + r.timestampDelta,
  }
}

/** Resolves inputs to records with deltas, against the batch's base timestamp. */
export function toRecords(inputs: readonly RecordInput[], baseTimestamp: number): Record[] {
  return inputs.map((r, i) => ({
    attributes: r.attributes ?? 0,
    timestampDelta: r.timestampDelta ?? (r.timestamp !== undefined ? r.timestamp - baseTimestamp : 0),
    offsetDelta: r.offsetDelta ?? i,
    key: r.key ?? null,
    value: r.value ?? null,
    headers: r.headers ?? [],
  }))
}

/** Writes the records after `at` placeholder bytes (room for a batch header, or 0). */
function encodeRecords(records: readonly Record[], at: number, into?: Buffer): Buffer {
  const bodies = records.map(sizeOfRecordBody)
  let size = at
  for (const b of bodies) size += sizeOfVarint(b) + b
  const w = into && into.length >= size ? Writer.over(into) : new Writer(size)
  w.pos = at
  for (let i = 0; i < records.length; i++) writeRecord(w, records[i]!, bodies[i])
  return w.finish()
}

export function buildRecordBatch(options: BatchOptions): Buffer {
  const inputs = options.records
  const firstTs = inputs.find((r) => r.timestamp !== undefined)?.timestamp
  const baseTimestamp = options.baseTimestamp ?? firstTs ?? Date.now()
  const records = toRecords(inputs, baseTimestamp)
  const compression = options.compression ?? 0
  if ((compression & COMPRESSION_MASK) !== compression) {
    throw new RecordsError('unsupported-compression', `unknown compression type ${compression}`)
  }
  let maxDelta = records.length ? -Infinity : 0
  let lastOffsetDelta = records.length ? -Infinity : 0
  for (const r of records) {
    if (r.timestampDelta > maxDelta) maxDelta = r.timestampDelta
    if (r.offsetDelta > lastOffsetDelta) lastOffsetDelta = r.offsetDelta
  }

  let buf: Buffer
  if (compression === 0) {
    buf = encodeRecords(records, RECORD_BATCH_OVERHEAD, options.buffer)
  } else {
    const payload = getCodec(compression).compress(encodeRecords(records, 0), options.compressOptions)
    buf = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + payload.length)
    payload.copy(buf, RECORD_BATCH_OVERHEAD)
  }

  let attributes = compression
  if (options.logAppendTime) attributes |= TIMESTAMP_TYPE_BIT
  if (options.transactional) attributes |= TRANSACTIONAL_BIT
  if (options.control) attributes |= CONTROL_BIT
  if (options.deleteHorizon) attributes |= DELETE_HORIZON_BIT

  writeInt64(buf, BASE_OFFSET, options.baseOffset ?? 0)
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, BATCH_LENGTH)
  buf.writeInt32BE(options.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH)
  buf.writeInt8(2, MAGIC)
  buf.writeInt16BE(attributes, ATTRIBUTES)
  buf.writeInt32BE(options.lastOffsetDelta ?? lastOffsetDelta, LAST_OFFSET_DELTA)
  writeInt64(buf, BASE_TIMESTAMP, baseTimestamp)
  writeInt64(buf, MAX_TIMESTAMP, options.maxTimestamp ?? baseTimestamp + maxDelta)
  writeInt64(buf, PRODUCER_ID, options.producerId ?? -1)
  buf.writeInt16BE(options.producerEpoch ?? -1, PRODUCER_EPOCH)
  buf.writeInt32BE(options.baseSequence ?? -1, BASE_SEQUENCE)
  buf.writeInt32BE(records.length, RECORD_COUNT)
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES)), CRC)
  return buf
}
