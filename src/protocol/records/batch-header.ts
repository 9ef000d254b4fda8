// Zero-copy access to the fixed 61-byte header of a RecordBatch (magic 2). Functions take
// (buf, pos) instead of wrapping each batch in an object: the produce and fetch paths touch
// thousands of batches per second and must not allocate per batch.
//
// Offsets, timestamps and producer ids are returned as JS numbers. Invariant (see docs/adr):
// inside Samsa an offset or timestamp is < 2^53, so the conversion is exact; values read from
// the wire that exceed that range are rejected by validation before they reach storage.
import { crc32c } from './crc32c.ts'

export const BASE_OFFSET = 0
export const BATCH_LENGTH = 8
export const PARTITION_LEADER_EPOCH = 12
export const MAGIC = 16
export const CRC = 17
export const ATTRIBUTES = 21
export const LAST_OFFSET_DELTA = 23
export const BASE_TIMESTAMP = 27
export const MAX_TIMESTAMP = 35
export const PRODUCER_ID = 43
export const PRODUCER_EPOCH = 51
export const BASE_SEQUENCE = 53
export const RECORD_COUNT = 57
/** Size of the batch header; the records follow. */
export const RECORD_BATCH_OVERHEAD = 61
/** baseOffset + batchLength: the part of a batch not counted in batchLength. */
export const LOG_OVERHEAD = 12

export const COMPRESSION_MASK = 0x07
export const TIMESTAMP_TYPE_BIT = 0x08
export const TRANSACTIONAL_BIT = 0x10
export const CONTROL_BIT = 0x20
export const DELETE_HORIZON_BIT = 0x40

export const enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export const enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

/** Reads a big-endian int64 as a number (exact below 2^53). */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4)
}

/** Writes a number as a big-endian int64 (exact below 2^53; negative values included). */
export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / 4294967296)
  buf.writeInt32BE(hi, pos)
  buf.writeUInt32BE(value - hi * 4294967296, pos + 4)
}

export const baseOffset = (buf: Buffer, pos = 0): number => readInt64(buf, pos + BASE_OFFSET)
export const batchLength = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + BATCH_LENGTH)
/** Whole size of the batch in bytes, header included. */
export const batchSize = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + BATCH_LENGTH) + LOG_OVERHEAD
export const partitionLeaderEpoch = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + PARTITION_LEADER_EPOCH)
export const magic = (buf: Buffer, pos = 0): number => buf.readInt8(pos + MAGIC)
export const storedCrc = (buf: Buffer, pos = 0): number => buf.readUInt32BE(pos + CRC)
export const attributes = (buf: Buffer, pos = 0): number => buf.readInt16BE(pos + ATTRIBUTES)
export const compression = (buf: Buffer, pos = 0): CompressionType => attributes(buf, pos) & COMPRESSION_MASK
export const timestampType = (buf: Buffer, pos = 0): TimestampType =>
  attributes(buf, pos) & TIMESTAMP_TYPE_BIT ? TimestampType.LogAppendTime : TimestampType.CreateTime
export const isTransactional = (buf: Buffer, pos = 0): boolean => (attributes(buf, pos) & TRANSACTIONAL_BIT) !== 0
export const isControl = (buf: Buffer, pos = 0): boolean => (attributes(buf, pos) & CONTROL_BIT) !== 0
export const lastOffsetDelta = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + LAST_OFFSET_DELTA)
export const lastOffset = (buf: Buffer, pos = 0): number => baseOffset(buf, pos) + lastOffsetDelta(buf, pos)
export const baseTimestamp = (buf: Buffer, pos = 0): number => readInt64(buf, pos + BASE_TIMESTAMP)
export const maxTimestamp = (buf: Buffer, pos = 0): number => readInt64(buf, pos + MAX_TIMESTAMP)
export const producerId = (buf: Buffer, pos = 0): number => readInt64(buf, pos + PRODUCER_ID)
export const producerEpoch = (buf: Buffer, pos = 0): number => buf.readInt16BE(pos + PRODUCER_EPOCH)
export const baseSequence = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + BASE_SEQUENCE)
export const recordCount = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + RECORD_COUNT)

/** CRC32C over attributes..end of batch, as Kafka defines it. */
export function computeCrc(buf: Buffer, pos = 0): number {
  return crc32c(buf.subarray(pos + ATTRIBUTES, pos + batchSize(buf, pos)))
}

export function verifyCrc(buf: Buffer, pos = 0): boolean {
  return computeCrc(buf, pos) === storedCrc(buf, pos)
}

/** Stamps the base offset in place. The CRC does not cover it, so nothing else changes. */
export function setBaseOffset(buf: Buffer, pos: number, offset: number): void {
  writeInt64(buf, pos + BASE_OFFSET, offset)
}

/** Stamps the partition leader epoch in place (not covered by the CRC either). */
export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH)
}

/**
 * Marks the batch as LogAppendTime with the broker's timestamp in maxTimestamp, as Kafka does
 * (records keep their own deltas; readers use maxTimestamp for every record), and recomputes
 * the CRC because attributes and maxTimestamp are covered by it.
 */
export function setLogAppendTime(buf: Buffer, pos: number, timestampMs: number): void {
  buf.writeInt16BE(attributes(buf, pos) | TIMESTAMP_TYPE_BIT, pos + ATTRIBUTES)
  writeInt64(buf, pos + MAX_TIMESTAMP, timestampMs)
  buf.writeUInt32BE(computeCrc(buf, pos), pos + CRC)
}
