// One legacy message (magic 0 and 1), as it sits in a MessageSet:
//   offset int64 | messageSize int32 | crc uint32 | magic int8 | attributes int8 |
//   [timestamp int64, magic 1 only] | key bytes (int32 length, -1 null) | value bytes
// The CRC is plain CRC32 (IEEE) over magic..end. Attributes: bits 0-2 codec (none, gzip,
// snappy, lz4; zstd never existed before magic 2), bit 3 LogAppendTime (magic 1).
import { crc32 } from '@node-rs/crc32'
import { readInt64, writeInt64 } from '../batch-header.ts'
import { RecordsError } from '../records-error.ts'

export const OFFSET_LENGTH = 8
export const SIZE_LENGTH = 4
export const LOG_OVERHEAD = OFFSET_LENGTH + SIZE_LENGTH
/** crc + magic + attributes (+ timestamp) + key length + value length. */
export const headerSize = (magic: number): number => (magic === 0 ? 14 : 22)

export const LEGACY_COMPRESSION_MASK = 0x07
export const LEGACY_TIMESTAMP_TYPE_BIT = 0x08
/** Kafka's "no timestamp" value, used for magic 0 messages seen through newer formats. */
export const NO_TIMESTAMP = -1

export interface LegacyMessage {
  offset: number
  magic: 0 | 1
  attributes: number
  /** NO_TIMESTAMP for magic 0. */
  timestamp: number
  key: Buffer | null
  value: Buffer | null
}

const plainCrc32 = (buf: Uint8Array): number => crc32(buf) >>> 0

export function sizeOfMessage(m: Pick<LegacyMessage, 'magic' | 'key' | 'value'>): number {
  return LOG_OVERHEAD + headerSize(m.magic) + (m.key?.length ?? 0) + (m.value?.length ?? 0)
}

/** Writes the message (with its log header) at `pos`; returns the end position. */
export function writeMessage(buf: Buffer, pos: number, m: LegacyMessage): number {
  const start = pos
  writeInt64(buf, pos, m.offset)
  buf.writeInt32BE(sizeOfMessage(m) - LOG_OVERHEAD, pos + 8)
  const crcPos = pos + 12
  pos += 16
  buf.writeInt8(m.magic, pos++)
  buf.writeInt8(m.attributes, pos++)
  if (m.magic === 1) {
    writeInt64(buf, pos, m.timestamp)
    pos += 8
  }
  for (const b of [m.key, m.value]) {
    if (b === null) {
      buf.writeInt32BE(-1, pos)
      pos += 4
    } else {
      buf.writeInt32BE(b.length, pos)
      pos += 4 + b.copy(buf, pos + 4)
    }
  }
  buf.writeUInt32BE(plainCrc32(buf.subarray(crcPos + 4, pos)), crcPos)
  if (pos - start !== sizeOfMessage(m)) throw new RecordsError('invalid', 'legacy message size mismatch')
  return pos
}

export function encodeMessage(m: LegacyMessage): Buffer {
  const buf = Buffer.allocUnsafe(sizeOfMessage(m))
  writeMessage(buf, 0, m)
  return buf
}

/** Decodes the message whose log entry spans [pos, pos + size) (see splitBatches). */
export function readMessage(buf: Buffer, pos: number, size: number, verifyCrc = true): LegacyMessage {
  const end = pos + size
  if (size < LOG_OVERHEAD + 14 || end > buf.length) throw new RecordsError('truncated', 'legacy message too short')
  const magic = buf.readInt8(pos + 16)
  if (magic !== 0 && magic !== 1) throw new RecordsError('unsupported-magic', `expected magic 0 or 1, got ${magic}`)
  if (size < LOG_OVERHEAD + headerSize(magic)) throw new RecordsError('truncated', 'legacy message too short')
  if (verifyCrc && plainCrc32(buf.subarray(pos + 16, end)) !== buf.readUInt32BE(pos + 12)) {
    throw new RecordsError('crc-mismatch', `legacy message at offset ${readInt64(buf, pos)} failed its CRC check`)
  }
  const attributes = buf.readInt8(pos + 17)
  let at = pos + 18
  let timestamp = NO_TIMESTAMP
  if (magic === 1) {
    timestamp = readInt64(buf, at)
    at += 8
  }
  const bytes = (): Buffer | null => {
    if (at + 4 > end) throw new RecordsError('truncated', 'legacy message field runs past its end')
    const len = buf.readInt32BE(at)
    at += 4
    if (len === -1) return null
    if (len < -1) throw new RecordsError('bad-length', `negative length ${len} in legacy message`)
    if (at + len > end) throw new RecordsError('truncated', 'legacy message field runs past its end')
    at += len
    return buf.subarray(at - len, at)
  }
  const key = bytes()
  const value = bytes()
  if (at !== end) throw new RecordsError('bad-length', 'legacy message size does not match its fields')
  return { offset: readInt64(buf, pos), magic, attributes, timestamp, key, value }
}
