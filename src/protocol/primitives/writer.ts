// Big-endian writer. Generated encoders reserve the exact encoded size up front (from the
// generated size functions), so a message is written into one allocation with no per-field
// Buffers. Large byte payloads (`records`) can be referenced instead of copied: with a
// `zeroCopyThreshold`, payloads at least that long become separate chunks of `finishChunks()`,
// ready for writev/cork, and are not counted in the reserved size.
import { ProtocolEncodeError } from './errors.ts'
import { isUuidString } from './uuid.ts'
import { recordsLength } from './records.ts'
import type { Records } from './records.ts'

const MIN_CAPACITY = 64
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MIN_SAFE = -MAX_SAFE

type Latin1Write = (this: Buffer, s: string, offset: number, length: number) => number
/** node's Latin-1 writer (what `buf.write(s, o, n, 'latin1')` ends in, without its argument checks). */
const latin1Write: Latin1Write = (Buffer.prototype as unknown as { latin1Write?: Latin1Write }).latin1Write
  ?? function (this: Buffer, s: string, offset: number, length: number) { return this.write(s, offset, length, 'latin1') }

// Integers are written byte by byte (faster than Buffer#writeInt32BE on the hot path); the
// range check keeps the safety of the Buffer methods: nothing is silently truncated.
function outOfRange(type: string, v: number): never {
  throw new ProtocolEncodeError('value-out-of-range', `${v} is not a valid ${type}`)
}

export class Writer {
  buf: Buffer
  pos: number
  /** Payloads of at least this many bytes are referenced, not copied (see `raw`). */
  readonly zeroCopyThreshold: number
  /** Finished chunks (segments of earlier buffers and referenced payloads), or null. */
  private chunks: Buffer[] | null = null
  private chunkedBytes = 0
  /** Start of the part of `buf` not yet moved to `chunks`. */
  private segStart = 0

  constructor(capacity = 256, zeroCopyThreshold = Infinity) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, MIN_CAPACITY))
    this.pos = 0
    this.zeroCopyThreshold = zeroCopyThreshold
  }

  /**
   * A writer that starts in `buf` (a caller's reusable buffer: output that fits is a subarray of
   * it; more grows into a new buffer as usual).
   */
  static over(buf: Buffer, zeroCopyThreshold = Infinity): Writer {
    const w = new Writer(0, zeroCopyThreshold)
    if (buf.length >= MIN_CAPACITY) w.buf = buf
    return w
  }

  /** Total bytes written so far, referenced chunks included. */
  get length(): number {
    return this.chunkedBytes + this.pos - this.segStart
  }

  /** Makes room for `n` more bytes with at most one reallocation. */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n)
  }

  private grow(n: number): void {
    const used = this.pos - this.segStart
    const next = Buffer.allocUnsafe(Math.max(used + n, this.buf.length * 2, MIN_CAPACITY))
    this.buf.copy(next, 0, this.segStart, this.pos)
    this.buf = next
    this.segStart = 0
    this.pos = used
  }

  int8(v: number): void {
    if ((v << 24) >> 24 !== v) outOfRange('int8', v)
    if (this.pos + 1 > this.buf.length) this.grow(1)
    this.buf[this.pos++] = v
  }

  uint8(v: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1)
    this.buf[this.pos++] = v
  }

  bool(v: boolean): void {
    if (this.pos + 1 > this.buf.length) this.grow(1)
    this.buf[this.pos++] = v ? 1 : 0
  }

  int16(v: number): void {
    if ((v << 16) >> 16 !== v) outOfRange('int16', v)
    if (this.pos + 2 > this.buf.length) this.grow(2)
    const b = this.buf
    const p = this.pos
    b[p] = v >> 8
    b[p + 1] = v
    this.pos = p + 2
  }

  uint16(v: number): void {
    if ((v & 0xffff) !== v) outOfRange('uint16', v)
    if (this.pos + 2 > this.buf.length) this.grow(2)
    const b = this.buf
    const p = this.pos
    b[p] = v >> 8
    b[p + 1] = v
    this.pos = p + 2
  }

  int32(v: number): void {
    if ((v | 0) !== v) outOfRange('int32', v)
    if (this.pos + 4 > this.buf.length) this.grow(4)
    const b = this.buf
    const p = this.pos
    b[p] = v >> 24
    b[p + 1] = v >> 16
    b[p + 2] = v >> 8
    b[p + 3] = v
    this.pos = p + 4
  }

  uint32(v: number): void {
    if (v >>> 0 !== v) outOfRange('uint32', v)
    if (this.pos + 4 > this.buf.length) this.grow(4)
    const b = this.buf
    const p = this.pos
    b[p] = v >>> 24
    b[p + 1] = v >>> 16
    b[p + 2] = v >>> 8
    b[p + 3] = v
    this.pos = p + 4
  }

  int64(v: bigint): void {
    if (this.pos + 8 > this.buf.length) this.grow(8)
    // Buffer#writeBigInt64BE makes several intermediate BigInts (~100 bytes of garbage per call);
    // offsets and timestamps fit a double exactly, so they are written from two 32-bit halves.
    if (v <= MAX_SAFE && v >= MIN_SAFE) {
      const n = Number(v)
      const hi = Math.floor(n / 0x100000000)
      const lo = n - hi * 0x100000000
      const b = this.buf
      const p = this.pos
      b[p] = hi >> 24
      b[p + 1] = hi >> 16
      b[p + 2] = hi >> 8
      b[p + 3] = hi
      b[p + 4] = lo >>> 24
      b[p + 5] = lo >>> 16
      b[p + 6] = lo >>> 8
      b[p + 7] = lo
      this.pos = p + 8
      return
    }
    this.pos = this.buf.writeBigInt64BE(v, this.pos)
  }

  float64(v: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.pos = this.buf.writeDoubleBE(v, this.pos)
  }

  uuid(v: string): void {
    if (!isUuidString(v)) throw new ProtocolEncodeError('value-out-of-range', `not a 22-character base64url uuid: ${JSON.stringify(v)}`)
    if (this.pos + 16 > this.buf.length) this.grow(16)
    this.buf.write(v, this.pos, 16, 'base64url')
    this.pos += 16
  }

  /** Unsigned varint of a uint32 value. */
  uvarint(v: number): void {
    if (this.pos + 5 > this.buf.length) this.grow(5)
    if (v >>> 0 !== v) outOfRange('uvarint', v)
    const buf = this.buf
    let p = this.pos
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    buf[p++] = v
    this.pos = p
  }

  /** Zigzag varint of an int32 value. */
  varint(v: number): void {
    if ((v | 0) !== v) outOfRange('varint', v)
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0)
  }

  /** Unsigned varlong of a value 0 .. 2^64-1. */
  uvarlong(v: bigint): void {
    if (this.pos + 10 > this.buf.length) this.grow(10)
    const buf = this.buf
    let p = this.pos
    v = BigInt.asUintN(64, v)
    while (v >= 0x80n) {
      buf[p++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    buf[p++] = Number(v)
    this.pos = p
  }

  /** Zigzag varlong of an int64 value. */
  varlong(v: bigint): void {
    this.uvarlong((v << 1n) ^ (v >> 63n))
  }

  /** Zigzag varlong of a safe integer (record deltas); no bigint on the common path. */
  varlongNumber(v: number): void {
    if (v > 2 ** 51 || v < -(2 ** 51)) {
      this.varlong(BigInt(v))
      return
    }
    if (this.pos + 10 > this.buf.length) this.grow(10)
    const buf = this.buf
    let p = this.pos
    let z = v >= 0 ? v * 2 : -v * 2 - 1
    while (z >= 0x80) {
      buf[p++] = (z % 128) | 0x80
      z = Math.floor(z / 128)
    }
    buf[p++] = z
    this.pos = p
  }

  // ---- strings -------------------------------------------------------------------------

  /** `len` bytes of UTF-8 (the caller measured them), no length prefix. */
  utf8(v: string, len: number): void {
    if (this.pos + len > this.buf.length) this.grow(len)
    // One byte per UTF-16 unit means all ASCII (any other unit takes 2-3 bytes), where UTF-8 is
    // Latin-1: a short string is copied here, a longer one by the Latin-1 writer; both are several
    // times quicker than node's UTF-8 writer for the keys and values producers send.
    if (len === v.length) {
      const buf = this.buf
      const p = this.pos
      if (len <= 16) for (let i = 0; i < len; i++) buf[p + i] = v.charCodeAt(i)
      else latin1Write.call(buf, v, p, len)
      this.pos = p + len
    } else this.pos += this.buf.write(v, this.pos, len, 'utf8')
  }

  /** int16 length + UTF-8. */
  string(v: string): void {
    const len = Buffer.byteLength(v, 'utf8')
    if (len > 0x7fff) throw new ProtocolEncodeError('value-out-of-range', `string of ${len} bytes exceeds 32767`)
    this.int16(len)
    this.utf8(v, len)
  }

  nullableString(v: string | null): void {
    if (v === null) this.int16(-1)
    else this.string(v)
  }

  /** uvarint (length + 1) + UTF-8. */
  compactString(v: string): void {
    const len = Buffer.byteLength(v, 'utf8')
    if (len > 0x7fff) throw new ProtocolEncodeError('value-out-of-range', `string of ${len} bytes exceeds 32767`)
    this.uvarint(len + 1)
    this.utf8(v, len)
  }

  compactNullableString(v: string | null): void {
    if (v === null) this.uvarint(0)
    else this.compactString(v)
  }

  // ---- bytes ---------------------------------------------------------------------------

  /**
   * Appends a payload. At or above `zeroCopyThreshold` it is referenced as its own chunk
   * (the caller must not modify it until the output is sent); below, it is copied.
   */
  raw(v: Buffer): void {
    const n = v.length
    if (n >= this.zeroCopyThreshold) return this.reference(v, n)
    if (this.pos + n > this.buf.length) this.grow(n)
    v.copy(this.buf, this.pos)
    this.pos += n
  }

  /** Ends the current segment and appends `parts` (`n` bytes in all) as chunks of their own. */
  private reference(parts: Buffer | readonly Buffer[], n: number): void {
    const chunks = (this.chunks ??= [])
    if (this.pos > this.segStart) {
      chunks.push(this.buf.subarray(this.segStart, this.pos))
      this.chunkedBytes += this.pos - this.segStart
    }
    if (Buffer.isBuffer(parts)) chunks.push(parts)
    else for (const p of parts) chunks.push(p)
    this.chunkedBytes += n
    this.segStart = this.pos
  }

  /** int32 length + bytes. */
  bytes(v: Buffer): void {
    this.int32(v.length)
    this.raw(v)
  }

  nullableBytes(v: Buffer | null): void {
    if (v === null) this.int32(-1)
    else this.bytes(v)
  }

  compactBytes(v: Buffer): void {
    this.uvarint(v.length + 1)
    this.raw(v)
  }

  compactNullableBytes(v: Buffer | null): void {
    if (v === null) this.uvarint(0)
    else this.compactBytes(v)
  }

  // ---- records --------------------------------------------------------------------------

  /** A `records` field: int32 length (-1 = null), then the payload or its parts in order. */
  nullableRecords(v: Records | null): void {
    if (v === null) this.int32(-1)
    else if (Buffer.isBuffer(v)) this.bytes(v)
    else this.recordParts(v, 'int32')
  }

  /** A flexible-version `records` field: uvarint (length + 1, 0 = null), then the payload. */
  compactNullableRecords(v: Records | null): void {
    if (v === null) this.uvarint(0)
    else if (Buffer.isBuffer(v)) this.compactBytes(v)
    else this.recordParts(v, 'uvarint')
  }

  /**
   * Parts of one payload: referenced one by one when the payload reaches the zero-copy threshold
   * (the size functions count a records field as a whole), else copied.
   */
  private recordParts(parts: readonly Buffer[], prefix: 'int32' | 'uvarint'): void {
    const n = recordsLength(parts)
    if (prefix === 'int32') this.int32(n)
    else this.uvarint(n + 1)
    if (n >= this.zeroCopyThreshold) return this.reference(parts, n)
    if (this.pos + n > this.buf.length) this.grow(n)
    for (const p of parts) this.pos += p.copy(this.buf, this.pos)
  }

  // ---- output --------------------------------------------------------------------------

  /**
   * Overwrites an int32 at absolute output position `at` (e.g. a frame size prefix written
   * as a placeholder). The position must lie in bytes this writer wrote itself.
   */
  patchInt32(at: number, v: number): void {
    if (this.chunks === null) {
      this.buf.writeInt32BE(v, at)
      return
    }
    const tmp = Buffer.allocUnsafe(4)
    tmp.writeInt32BE(v, 0)
    let base = 0
    let i = 0
    for (const c of [...this.chunks, this.buf.subarray(this.segStart, this.pos)]) {
      while (i < 4 && at + i >= base && at + i < base + c.length) {
        c[at + i - base] = tmp[i]!
        i++
      }
      base += c.length
    }
  }

  /** The output as one Buffer (copies referenced chunks if there are any). */
  finish(): Buffer {
    const tail = this.buf.subarray(this.segStart, this.pos)
    if (this.chunks === null) return tail
    return Buffer.concat([...this.chunks, tail], this.length)
  }

  /** The output as a list of Buffers; large payloads are referenced, not copied. */
  finishChunks(): Buffer[] {
    const tail = this.buf.subarray(this.segStart, this.pos)
    if (this.chunks === null) return [tail]
    return tail.length > 0 ? [...this.chunks, tail] : [...this.chunks]
  }
}
