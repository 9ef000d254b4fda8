// Builds a RecordBatch v2 one record at a time, as a producer fills a batch: each record is
// written straight into the batch buffer (no intermediate Record objects, strings encoded in
// place), and the header, compression and CRC are done once when the batch is closed.
// buildRecordBatch (batch-builder.ts) is the one-shot form for callers holding all records.
import { Writer, sizeOfVarint, sizeOfVarlongNumber } from '../primitives/index.ts'
import {
  ATTRIBUTES, BASE_OFFSET, BASE_SEQUENCE, BASE_TIMESTAMP, BATCH_LENGTH, CRC, LAST_OFFSET_DELTA, LOG_OVERHEAD, MAGIC,
  MAX_TIMESTAMP, PARTITION_LEADER_EPOCH, PRODUCER_EPOCH, PRODUCER_ID, RECORD_BATCH_OVERHEAD, RECORD_COUNT, TRANSACTIONAL_BIT,
  writeInt64,
} from './batch-header.ts'
import { getCodec } from './compression/index.ts'
import type { CompressOptions } from './compression/index.ts'
import { crc32c } from './crc32c.ts'

/** A header as a producer gives it: the value may be a string (UTF-8) or bytes. */
export interface AppendHeader {
  key: string
  value: Buffer | string | null
}

export interface CloseOptions {
  compression?: number
  compressOptions?: CompressOptions
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
  transactional?: boolean
}

const lengthOf = (v: Buffer | string | null): number => (v === null ? -1 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length)
const sizeOfField = (len: number): number => (len < 0 ? 1 : sizeOfVarint(len) + len)

export class RecordBatchAppender {
  private readonly w: Writer
  /** Records appended so far. */
  count = 0
  readonly baseTimestamp: number
  maxTimestamp: number

  /**
   * `buffer`: build the batch in this buffer while it fits (a producer's pool of batch buffers,
   * as the Java client keeps: writing into fresh memory costs a page fault per 4 KiB).
   */
  constructor(baseTimestamp: number, initialCapacity = 1024, buffer?: Buffer) {
    this.w = buffer !== undefined && buffer.length >= RECORD_BATCH_OVERHEAD + 64 ? Writer.over(buffer) : new Writer(Math.max(initialCapacity, RECORD_BATCH_OVERHEAD + 64))
    this.w.pos = RECORD_BATCH_OVERHEAD
    this.baseTimestamp = baseTimestamp
    this.maxTimestamp = baseTimestamp
  }

  /** Bytes of the batch so far (uncompressed, header included). */
  get size(): number {
    return this.w.pos
  }

  /** Appends one record; returns its encoded size. */
  append(timestamp: number, key: Buffer | string | null, value: Buffer | string | null, headers?: readonly AppendHeader[]): number {
    const w = this.w
    const delta = timestamp - this.baseTimestamp
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp
    const offsetDelta = this.count++
    const kl = lengthOf(key)
    const vl = lengthOf(value)
    let body = 1 + sizeOfVarlongNumber(delta) + sizeOfVarint(offsetDelta) + sizeOfField(kl) + sizeOfField(vl)
    const hn = headers === undefined ? 0 : headers.length
    body += sizeOfVarint(hn)
    let hlens: number[] | undefined
    if (hn > 0) {
      hlens = new Array<number>(hn * 2)
      for (let i = 0; i < hn; i++) {
        const h = headers![i]!
        const hk = Buffer.byteLength(h.key, 'utf8')
        const hv = lengthOf(h.value)
        hlens[2 * i] = hk
        hlens[2 * i + 1] = hv
        body += sizeOfField(hk) + sizeOfField(hv)
      }
    }
    const total = sizeOfVarint(body) + body
    w.reserve(total)
    w.varint(body)
    w.int8(0)
    w.varlongNumber(delta)
    w.varint(offsetDelta)
    writeField(w, key, kl)
    writeField(w, value, vl)
    w.varint(hn)
    for (let i = 0; i < hn; i++) {
      const h = headers![i]!
      writeField(w, h.key, hlens![2 * i]!)
      writeField(w, h.value, hlens![2 * i + 1]!)
    }
    return total
  }

  /** Finishes the batch (header, optional compression, CRC). The appender must not be used after. */
  close(o: CloseOptions = {}): Buffer {
    const compression = o.compression ?? 0
    let buf: Buffer
    if (compression === 0) {
      buf = this.w.buf.subarray(0, this.w.pos)
    } else {
      const records = this.w.buf.subarray(RECORD_BATCH_OVERHEAD, this.w.pos)
      const payload = getCodec(compression).compress(records, o.compressOptions)
      buf = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + payload.length)
      payload.copy(buf, RECORD_BATCH_OVERHEAD)
    }
    let attributes = compression
    if (o.transactional) attributes |= TRANSACTIONAL_BIT
    writeInt64(buf, BASE_OFFSET, 0)
    buf.writeInt32BE(buf.length - LOG_OVERHEAD, BATCH_LENGTH)
    buf.writeInt32BE(-1, PARTITION_LEADER_EPOCH)
    buf[MAGIC] = 2
    buf.writeInt16BE(attributes, ATTRIBUTES)
    buf.writeInt32BE(this.count - 1, LAST_OFFSET_DELTA)
    writeInt64(buf, BASE_TIMESTAMP, this.baseTimestamp)
    writeInt64(buf, MAX_TIMESTAMP, this.maxTimestamp)
    writeInt64(buf, PRODUCER_ID, o.producerId ?? -1)
    buf.writeInt16BE(o.producerEpoch ?? -1, PRODUCER_EPOCH)
    buf.writeInt32BE(o.baseSequence ?? -1, BASE_SEQUENCE)
    buf.writeInt32BE(this.count, RECORD_COUNT)
    buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES)), CRC)
    return buf
  }
}

/** Rewrites producer id, epoch and base sequence of a closed batch (a retry after an epoch bump). */
export function restampBatch(buf: Buffer, producerId: number, producerEpoch: number, baseSequence: number): void {
  writeInt64(buf, PRODUCER_ID, producerId)
  buf.writeInt16BE(producerEpoch, PRODUCER_EPOCH)
  buf.writeInt32BE(baseSequence, BASE_SEQUENCE)
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES)), CRC)
}

/** The caller reserved room for the whole record, so bytes are set in place. */
function writeField(w: Writer, v: Buffer | string | null, len: number): void {
  w.varint(len)
  if (v === null) return
  if (typeof v === 'string') w.utf8(v, len)
  else {
    // TypedArray#set: Buffer#copy's argument checks cost more than a 100-byte copy.
    w.buf.set(v, w.pos)
    w.pos += len
  }
}
