// One record inside a RecordBatch v2 (after decompression):
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint | key | valueLength varint | value | headerCount varint |
//   [headerKeyLength varint | headerKey utf8 | headerValueLength varint | headerValue]*
// A length of -1 means null. Header keys are never null.
import { ProtocolDecodeError, Reader, sizeOfVarint, sizeOfVarlongNumber, Writer } from '../primitives/index.ts'
import { RecordsError, type RecordsFailure } from './records-error.ts'

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
  let n = 1 + sizeOfVarlongNumber(r.timestampDelta) + sizeOfVarint(r.offsetDelta) + sizeOfBytes(r.key) + sizeOfBytes(r.value)
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

function writeBytes(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1)
    return
  }
  w.varint(b.length)
  w.raw(b)
}

/** Writes the record (length prefix included); `bodySize` may be passed when already known. */
export function writeRecord(w: Writer, r: Record, bodySize = sizeOfRecordBody(r)): void {
  w.varint(bodySize)
  w.int8(r.attributes)
  w.varlongNumber(r.timestampDelta)
  w.varint(r.offsetDelta)
  writeBytes(w, r.key)
  writeBytes(w, r.value)
  w.varint(r.headers.length)
  for (const h of r.headers) {
    const kl = Buffer.byteLength(h.key, 'utf8')
    w.varint(kl)
    w.utf8(h.key, kl)
    writeBytes(w, h.value)
  }
}

export function encodeRecord(r: Record): Buffer {
  const body = sizeOfRecordBody(r)
  const w = new Writer(sizeOfVarint(body) + body)
  writeRecord(w, r, body)
  return w.finish()
}

function readBytes(r: Reader, what: string): Buffer | null {
  const len = r.varint()
  if (len === -1) return null
  if (len < -1) throw new RecordsError('bad-length', `negative ${what} length ${len}`)
  if (len > r.remaining) throw new RecordsError('truncated', `${what} runs past the end of the record`)
  return r.raw(len)
}

// Varint failures from the Reader become RecordsErrors, so callers see one error type for records.
const FROM_DECODE: Partial<{ [K in ProtocolDecodeError['reason']]: RecordsFailure }> = {
  truncated: 'truncated',
  'varint-too-long': 'bad-varint',
  'value-out-of-range': 'bad-varint',
}

/** Builds what a decoder hands out from a record's fields (no intermediate Record object). */
export type RecordFactory<R> = (attributes: number, timestampDelta: number, offsetDelta: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]) => R

const makeRecord: RecordFactory<Record> = (attributes, timestampDelta, offsetDelta, key, value, headers) => ({ attributes, timestampDelta, offsetDelta, key, value, headers })

const NO_HEADERS: RecordHeader[] = []

/**
 * Decodes the record at the reader's position, within the reader's window. Keys, values and
 * header values are views into the buffer (no copy). The reader is left after the record.
 */
export function readRecord(r: Reader): Record {
  return readRecordWith(r, makeRecord)
}

/** readRecord, its fields handed to `make` (a consumer builds its messages straight from them). */
export function readRecordWith<R>(r: Reader, make: RecordFactory<R>): R {
  const outerEnd = r.end
  try {
    const length = r.varint()
    if (length < 0) throw new RecordsError('bad-length', `negative record length ${length}`)
    if (length > r.remaining) throw new RecordsError('truncated', 'record runs past the end of the batch')
    if (length < 1) throw new RecordsError('truncated', 'record shorter than its attributes')
    // Narrow the window to this record so a lying field cannot read into the next one.
    const recEnd = r.pos + length
    r.end = recEnd
    const attributes = r.int8()
    const timestampDelta = r.varlongNumber()
    const offsetDelta = r.varint()
    const key = readBytes(r, 'key')
    const value = readBytes(r, 'value')
    const count = r.varint()
    if (count < 0) throw new RecordsError('bad-length', `negative header count ${count}`)
    // Each header takes at least 2 bytes, so a count beyond that is a lie; check before allocating.
    if (count * 2 > r.remaining) throw new RecordsError('bad-length', `header count ${count} exceeds the record`)
    // Not `new Array(0)`: an Array call has an allocation site, which V8 may move to the old
    // generation for good when a decoded batch's arrays are all alive at a scavenge (pretenuring);
    // a builtin's copy has none.
    const headers: RecordHeader[] = count === 0 ? NO_HEADERS.slice() : new Array(count)
    for (let i = 0; i < count; i++) {
      const k = readBytes(r, 'header key')
      if (k === null) throw new RecordsError('invalid', 'null header key')
      headers[i] = { key: k.toString('utf8'), value: readBytes(r, 'header value') }
    }
    if (r.pos !== recEnd) throw new RecordsError('bad-length', 'record length does not match its fields')
    return make(attributes, timestampDelta, offsetDelta, key, value, headers)
  } catch (e) {
    if (e instanceof ProtocolDecodeError) throw new RecordsError(FROM_DECODE[e.reason] ?? 'invalid', e.message, { cause: e })
    throw e
  } finally {
    r.end = outerEnd
  }
}

/** Decodes one record from a buffer holding exactly it (or more). */
export function decodeRecord(buf: Buffer, pos = 0): Record {
  return readRecord(new Reader(buf, pos))
}
