// Legacy MessageSets (magic 0 and 1), flattened to records with absolute offsets. A compressed
// message is a wrapper whose value is a compressed MessageSet of inner messages:
//  - magic 0: inner messages carry absolute offsets,
//  - magic 1: inner offsets are relative; the wrapper carries the absolute offset of the last
//    inner message, so absolute = wrapper.offset - lastInner.offset + inner.offset;
//    a LogAppendTime wrapper gives its timestamp to every inner message.
import type { CompressOptions } from '../compression/index.ts'
import { getCodec } from '../compression/index.ts'
import { DEFAULT_MAX_DECOMPRESSED } from '../batch-decoder.ts'
import { RecordsError } from '../records-error.ts'
import { splitBatches } from '../split-batches.ts'
import type { LegacyMessage } from './message.ts'
import {
  LEGACY_COMPRESSION_MASK,
  LEGACY_TIMESTAMP_TYPE_BIT,
  NO_TIMESTAMP,
  readMessage,
  sizeOfMessage,
  writeMessage,
} from './message.ts'

export interface LegacyRecord {
  offset: number
  magic: 0 | 1
  /** NO_TIMESTAMP (-1) for magic 0. */
  timestamp: number
  logAppendTime: boolean
  key: Buffer | null
  value: Buffer | null
  /** Codec of the wrapper this record came in (0 when it was not compressed). */
  compression: number
  /** Index of the top-level entry (wrapper or plain message) the record came from. */
  entry: number
}

export interface DecodeMessageSetOptions {
  verifyCrc?: boolean
  maxDecompressedSize?: number
}

export interface DecodedMessageSet {
  records: LegacyRecord[]
  /** Bytes of a trailing partial message (normal at the end of a Fetch response). */
  partialBytes: number
}

function legacyCodec(id: number): number {
  if (id > 3) throw new RecordsError('unsupported-compression', `compression type ${id} is not valid before magic 2`)
  return id
}

export function decodeMessageSet(buf: Buffer, options: DecodeMessageSetOptions = {}): DecodedMessageSet {
  const verify = options.verifyCrc !== false
  let budget = options.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED
  const { batches, partialBytes } = splitBatches(buf)
  const records: LegacyRecord[] = []
  batches.forEach(({ pos, size }, entry) => {
    const m = readMessage(buf, pos, size, verify)
    const codec = legacyCodec(m.attributes & LEGACY_COMPRESSION_MASK)
    const logAppendTime = m.magic === 1 && (m.attributes & LEGACY_TIMESTAMP_TYPE_BIT) !== 0
    if (codec === 0) {
      records.push({ ...pick(m), logAppendTime, compression: 0, entry })
      return
    }
    if (m.value === null) throw new RecordsError('invalid', 'compressed legacy message without a value')
    const inner = getCodec(codec).decompress(m.value, budget)
    budget -= inner.length
    const split = splitBatches(inner)
    if (split.partialBytes !== 0) throw new RecordsError('truncated', 'partial message inside a compressed wrapper')
    const messages = split.batches.map((s) => readMessage(inner, s.pos, s.size, verify))
    if (messages.length === 0) throw new RecordsError('invalid', 'compressed legacy message with no inner messages')
    const lastInner = messages[messages.length - 1]!.offset
    for (const im of messages) {
      if ((im.attributes & LEGACY_COMPRESSION_MASK) !== 0) throw new RecordsError('invalid', 'nested compressed messages')
      if (im.magic > m.magic) throw new RecordsError('invalid', 'inner message has a newer magic than its wrapper')
      const offset = m.magic === 0 ? im.offset : m.offset - lastInner + im.offset
      const timestamp = m.magic === 0 ? NO_TIMESTAMP : logAppendTime ? m.timestamp : im.timestamp
      records.push({ ...pick(im), offset, timestamp, logAppendTime, compression: codec, entry })
    }
  })
  return { records, partialBytes }
}

const pick = (m: LegacyMessage): Pick<LegacyRecord, 'offset' | 'magic' | 'timestamp' | 'key' | 'value'> => ({
  offset: m.offset,
  magic: m.magic,
  timestamp: m.timestamp,
  key: m.key,
  value: m.value,
})

export interface EncodeMessageSetOptions {
  magic: 0 | 1
  /** 0 none (one message per record), or 1-3: all records in one compressed wrapper. */
  compression?: number
  compressOptions?: CompressOptions
  logAppendTime?: boolean
}

export interface LegacyRecordInput {
  offset: number
  /** Ignored for magic 0. */
  timestamp?: number
  key: Buffer | null
  value: Buffer | null
}

function concatMessages(messages: LegacyMessage[]): Buffer {
  let size = 0
  for (const m of messages) size += sizeOfMessage(m)
  const buf = Buffer.allocUnsafe(size)
  let pos = 0
  for (const m of messages) pos = writeMessage(buf, pos, m)
  return buf
}

/** Encodes records as a MessageSet: plain messages, or one compressed wrapper. */
export function encodeMessageSet(records: readonly LegacyRecordInput[], options: EncodeMessageSetOptions): Buffer {
  const { magic } = options
  const codec = legacyCodec(options.compression ?? 0)
  const tsBit = magic === 1 && options.logAppendTime ? LEGACY_TIMESTAMP_TYPE_BIT : 0
  const ts = (r: LegacyRecordInput): number => (magic === 0 ? NO_TIMESTAMP : (r.timestamp ?? NO_TIMESTAMP))
  if (codec === 0 || records.length === 0) {
    return concatMessages(
      records.map((r) => ({ offset: r.offset, magic, attributes: tsBit, timestamp: ts(r), key: r.key, value: r.value })),
    )
  }
  const first = records[0]!.offset
  const inner = concatMessages(
    records.map((r) => ({
      offset: magic === 0 ? r.offset : r.offset - first,
      magic,
      attributes: 0,
      timestamp: ts(r),
      key: r.key,
      value: r.value,
    })),
  )
  // Old (magic 0) readers expect the LZ4 header checksum that KAFKA-1493 got wrong.
  const compressOptions = { ...options.compressOptions, lz4LegacyHeaderChecksum: magic === 0 }
  let maxTs = ts(records[0]!)
  for (const r of records) maxTs = Math.max(maxTs, ts(r))
  return concatMessages([
    {
      offset: records[records.length - 1]!.offset,
      magic,
      attributes: codec | tsBit,
      timestamp: maxTs,
      key: null,
      value: getCodec(codec).compress(inner, compressOptions),
    },
  ])
}
