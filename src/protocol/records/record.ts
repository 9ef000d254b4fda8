// One record inside a RecordBatch v2 (after decompression):
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint | key | valueLength varint | value | headerCount varint |
//   [headerKeyLength varint | headerKey utf8 | headerValueLength varint | headerValue]*
// A length of -1 means null. Header keys are never null.
import { RecordsError } from './records-error.ts'
import type { VarintResult } from './varint.ts'
import { readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.ts'

export interface RecordHeader {
  key: string
  value: Buffer | null
}

export interface Record {
  attributes: number
  timestampDelta: number
  offsetDelta: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

const sizeOfBytes = (b: Buffer | null): number => (b === null ? 1 : sizeOfVarint(b.length) + b.length)

/** Bytes of the record body, i.e. everything after its own length varint. */
export function sizeOfRecordBody(r: Record): number {
  let n = 1 + sizeOfVarlong(r.timestampDelta) + sizeOfVarint(r.offsetDelta) + sizeOfBytes(r.key) + sizeOfBytes(r.value)
  n += sizeOfVarint(r.headers.length)
  for (const h of r.headers) {
    const kl = Buffer.byteLength(h.key, 'utf8')
    n += sizeOfVarint(kl) + kl + sizeOfBytes(h.value)
  }
  return n
}

/** Whole encoded size of the record, length prefix included. */
export function sizeOfRecord(r: Record): number {
  const body = sizeOfRecordBody(r)
  return sizeOfVarint(body) + body
}

function writeBytes(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, pos, -1)
  pos = writeVarint(buf, pos, b.length)
  pos += b.copy(buf, pos)
  return pos
}

/** Writes the record at `pos` (buf must have room: see sizeOfRecord); returns the end position. */
export function writeRecord(buf: Buffer, pos: number, r: Record, bodySize = sizeOfRecordBody(r)): number {
  pos = writeVarint(buf, pos, bodySize)
  buf.writeInt8(r.attributes, pos++)
  pos = writeVarlong(buf, pos, r.timestampDelta)
  pos = writeVarint(buf, pos, r.offsetDelta)
  pos = writeBytes(buf, pos, r.key)
  pos = writeBytes(buf, pos, r.value)
  pos = writeVarint(buf, pos, r.headers.length)
  for (const h of r.headers) {
    const kl = Buffer.byteLength(h.key, 'utf8')
    pos = writeVarint(buf, pos, kl)
    pos += buf.write(h.key, pos, kl, 'utf8')
    pos = writeBytes(buf, pos, h.value)
  }
  return pos
}

export function encodeRecord(r: Record): Buffer {
  const body = sizeOfRecordBody(r)
  const buf = Buffer.allocUnsafe(sizeOfVarint(body) + body)
  writeRecord(buf, 0, r, body)
  return buf
}

function readBytes(buf: Buffer, end: number, v: VarintResult, what: string): Buffer | null {
  readVarint(buf, v.pos, end, v)
  const len = v.value
  if (len === -1) return null
  if (len < -1) throw new RecordsError('bad-length', `negative ${what} length ${len}`)
  if (v.pos + len > end) throw new RecordsError('truncated', `${what} runs past the end of the record`)
  const b = buf.subarray(v.pos, v.pos + len)
  v.pos += len
  return b
}

/**
 * Decodes the record at `pos`, which must end at or before `end`. Keys, values and header
 * values are views into `buf` (no copy). Returns the record; `v.pos` is left after it.
 */
export function readRecord(buf: Buffer, pos: number, end: number, v: VarintResult): Record {
  readVarint(buf, pos, end, v)
  const length = v.value
  if (length < 0) throw new RecordsError('bad-length', `negative record length ${length}`)
  const recEnd = v.pos + length
  if (recEnd > end) throw new RecordsError('truncated', 'record runs past the end of the batch')
  if (length < 1) throw new RecordsError('truncated', 'record shorter than its attributes')
  const attributes = buf.readInt8(v.pos)
  readVarlong(buf, v.pos + 1, recEnd, v)
  const timestampDelta = v.value
  readVarint(buf, v.pos, recEnd, v)
  const offsetDelta = v.value
  const key = readBytes(buf, recEnd, v, 'key')
  const value = readBytes(buf, recEnd, v, 'value')
  readVarint(buf, v.pos, recEnd, v)
  const count = v.value
  if (count < 0) throw new RecordsError('bad-length', `negative header count ${count}`)
  // Each header takes at least 2 bytes, so a count beyond that is a lie; check before allocating.
  if (count * 2 > recEnd - v.pos) throw new RecordsError('bad-length', `header count ${count} exceeds the record`)
  const headers: RecordHeader[] = new Array(count)
  for (let i = 0; i < count; i++) {
    const k = readBytes(buf, recEnd, v, 'header key')
    if (k === null) throw new RecordsError('invalid', 'null header key')
    headers[i] = { key: k.toString('utf8'), value: readBytes(buf, recEnd, v, 'header value') }
  }
  if (v.pos !== recEnd) throw new RecordsError('bad-length', 'record length does not match its fields')
  return { attributes, timestampDelta, offsetDelta, key, value, headers }
}

/** Decodes one record from a buffer holding exactly it (or more). */
export function decodeRecord(buf: Buffer, pos = 0): Record {
  return readRecord(buf, pos, buf.length, { value: 0, pos: 0 })
}
