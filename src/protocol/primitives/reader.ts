// Bounds-checked big-endian reader over a Buffer window [pos, end). Every length or count read
// from the wire is checked against the bytes that remain BEFORE anything is allocated, so
// hostile input fails fast with a ProtocolDecodeError instead of hanging or exhausting memory.
// Byte fields are returned as zero-copy subarrays of the input buffer.
import { ProtocolDecodeError } from './errors.ts'

export class Reader {
  buf: Buffer
  pos: number
  end: number

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    if (pos < 0 || end > buf.length || pos > end) throw new RangeError(`bad reader window [${pos}, ${end}) of ${buf.length}`)
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  get remaining(): number {
    return this.end - this.pos
  }

  /** Throws unless `n` more bytes can be read. */
  need(n: number): void {
    if (this.pos + n > this.end) {
      throw new ProtocolDecodeError('truncated', `need ${n} bytes at ${this.pos}, only ${this.end - this.pos} left`, this.pos)
    }
  }

  int8(): number {
    if (this.pos + 1 > this.end) this.need(1)
    return (this.buf[this.pos++]! << 24) >> 24
  }

  uint8(): number {
    if (this.pos + 1 > this.end) this.need(1)
    return this.buf[this.pos++]!
  }

  bool(): boolean {
    if (this.pos + 1 > this.end) this.need(1)
    return this.buf[this.pos++] !== 0
  }

  int16(): number {
    const p = this.pos
    if (p + 2 > this.end) this.need(2)
    const b = this.buf
    this.pos = p + 2
    return ((b[p]! << 24) | (b[p + 1]! << 16)) >> 16
  }

  uint16(): number {
    const p = this.pos
    if (p + 2 > this.end) this.need(2)
    const b = this.buf
    this.pos = p + 2
    return (b[p]! << 8) | b[p + 1]!
  }

  int32(): number {
    const p = this.pos
    if (p + 4 > this.end) this.need(4)
    const b = this.buf
    this.pos = p + 4
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
  }

  uint32(): number {
    const p = this.pos
    if (p + 4 > this.end) this.need(4)
    const b = this.buf
    this.pos = p + 4
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0
  }

  int64(): bigint {
    if (this.pos + 8 > this.end) this.need(8)
    const v = this.buf.readBigInt64BE(this.pos)
    this.pos += 8
    return v
  }

  float64(): number {
    if (this.pos + 8 > this.end) this.need(8)
    const v = this.buf.readDoubleBE(this.pos)
    this.pos += 8
    return v
  }

  /** 16 raw bytes as Kafka's 22-character base64url string. */
  uuid(): string {
    if (this.pos + 16 > this.end) this.need(16)
    const s = this.buf.toString('base64url', this.pos, this.pos + 16)
    this.pos += 16
    return s
  }

  /** Unsigned varint of at most 5 bytes, value 0 .. 2^32-1. */
  uvarint(): number {
    const buf = this.buf
    const end = this.end
    let p = this.pos
    let b: number
    if (p >= end) this.need(1)
    b = buf[p++]!
    if (b < 0x80) {
      this.pos = p
      return b
    }
    let v = b & 0x7f
    for (let shift = 7; shift < 28; shift += 7) {
      if (p >= end) this.truncatedVarint(p)
      b = buf[p++]!
      v |= (b & 0x7f) << shift
      if (b < 0x80) {
        this.pos = p
        return v
      }
    }
    if (p >= end) this.truncatedVarint(p)
    b = buf[p++]!
    if (b > 0x0f) {
      throw new ProtocolDecodeError(b & 0x80 ? 'varint-too-long' : 'value-out-of-range', `varint at ${this.pos} is longer than 5 bytes or exceeds 32 bits`, this.pos)
    }
    this.pos = p
    return (v | (b << 28)) >>> 0
  }

  /** Zigzag-encoded signed varint (int32). */
  varint(): number {
    const raw = this.uvarint()
    return (raw >>> 1) ^ -(raw & 1)
  }

  /** Unsigned varlong of at most 10 bytes, as a bigint 0 .. 2^64-1. */
  uvarlong(): bigint {
    const start = this.pos
    // The first 7 bytes (49 bits) are accumulated exactly in a double; bigint only beyond that.
    let lo = 0
    let mul = 1
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) this.truncatedVarint(this.pos)
      const b = this.buf[this.pos++]!
      lo += (b & 0x7f) * mul
      if (b < 0x80) return BigInt(lo)
      mul *= 128
    }
    let v = BigInt(lo)
    for (let shift = 49n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) this.truncatedVarint(this.pos)
      const b = this.buf[this.pos++]!
      if (shift === 63n && b > 0x01) {
        this.pos = start
        throw new ProtocolDecodeError(b & 0x80 ? 'varint-too-long' : 'value-out-of-range', `varlong at ${start} is longer than 10 bytes or exceeds 64 bits`, start)
      }
      v |= BigInt(b & 0x7f) << shift
      if (b < 0x80) return v
    }
    /* c8 ignore next */
    throw new ProtocolDecodeError('varint-too-long', `varlong at ${start} is longer than 10 bytes`, start)
  }

  /** Zigzag-encoded signed varlong (int64). */
  varlong(): bigint {
    const raw = this.uvarlong()
    return (raw >> 1n) ^ -(raw & 1n)
  }

  /**
   * Zigzag varlong as a JS number, for record deltas and timestamps that are < 2^53 by
   * invariant. Values outside the safe-integer range are a decode error, never rounded.
   */
  varlongNumber(): number {
    const start = this.pos
    let raw = 0
    let mul = 1
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) this.truncatedVarint(this.pos)
      const b = this.buf[this.pos++]!
      raw += (b & 0x7f) * mul
      if (b < 0x80) {
        // raw < 2^56 may be inexact above 2^53; reject what we cannot represent.
        if (raw > Number.MAX_SAFE_INTEGER) break
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
      }
      mul *= 128
    }
    this.pos = start
    const v = this.varlong()
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.pos = start
      throw new ProtocolDecodeError('value-out-of-range', `varlong at ${start} is outside the safe-integer range`, start)
    }
    return Number(v)
  }

  private truncatedVarint(p: number): never {
    throw new ProtocolDecodeError('truncated', `varint truncated at ${p}`, p)
  }

  /** `n` raw bytes as a zero-copy subarray. */
  raw(n: number): Buffer {
    if (this.pos + n > this.end) this.need(n)
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }

  skip(n: number): void {
    if (this.pos + n > this.end) this.need(n)
    this.pos += n
  }

  // ---- lengths -------------------------------------------------------------------------

  /** Checks a decoded length of a nullable item: -1 means null, other negatives are errors. */
  private checkLength(len: number, at: number, nullable: boolean): void {
    if (len < 0) {
      if (len !== -1) throw new ProtocolDecodeError('negative-length', `negative length ${len} at ${at}`, at)
      if (!nullable) throw new ProtocolDecodeError('null-not-allowed', `null in a non-nullable field at ${at}`, at)
    } else if (len > this.end - this.pos) {
      throw new ProtocolDecodeError('truncated', `length ${len} at ${at} exceeds the ${this.end - this.pos} bytes left`, at)
    }
  }

  /** Checks an array count: every element takes at least one byte, so count <= remaining. */
  private checkCount(n: number, at: number, nullable: boolean): void {
    if (n < 0) {
      if (n !== -1) throw new ProtocolDecodeError('negative-length', `negative array count ${n} at ${at}`, at)
      if (!nullable) throw new ProtocolDecodeError('null-not-allowed', `null array in a non-nullable field at ${at}`, at)
    } else if (n > this.end - this.pos) {
      throw new ProtocolDecodeError('count-too-large', `array count ${n} at ${at} exceeds the ${this.end - this.pos} bytes left`, at)
    }
  }

  /** int32 array count (non-flexible); -1 = null when `nullable`. */
  arrayLength(nullable = false): number {
    const at = this.pos
    const n = this.int32()
    this.checkCount(n, at, nullable)
    return n
  }

  /** uvarint (count + 1) array count (flexible); returns -1 for null. */
  compactArrayLength(nullable = false): number {
    const at = this.pos
    const n = this.uvarint() - 1
    this.checkCount(n, at, nullable)
    return n
  }

  // ---- strings -------------------------------------------------------------------------

  private utf8(len: number): string {
    const s = this.buf.toString('utf8', this.pos, this.pos + len)
    this.pos += len
    return s
  }

  /** int16 length + UTF-8. */
  string(): string {
    const at = this.pos
    const len = this.int16()
    this.checkLength(len, at, false)
    return this.utf8(len)
  }

  nullableString(): string | null {
    const at = this.pos
    const len = this.int16()
    this.checkLength(len, at, true)
    return len < 0 ? null : this.utf8(len)
  }

  /** uvarint (length + 1) + UTF-8. */
  compactString(): string {
    const at = this.pos
    const len = this.uvarint() - 1
    this.checkLength(len, at, false)
    if (len > 0x7fff) this.stringTooLong(len, at)
    return this.utf8(len)
  }

  compactNullableString(): string | null {
    const at = this.pos
    const len = this.uvarint() - 1
    this.checkLength(len, at, true)
    if (len > 0x7fff) this.stringTooLong(len, at)
    return len < 0 ? null : this.utf8(len)
  }

  /** Kafka strings are at most 32767 bytes in both encodings. */
  private stringTooLong(len: number, at: number): never {
    throw new ProtocolDecodeError('value-out-of-range', `string length ${len} at ${at} exceeds 32767`, at)
  }

  // ---- bytes (zero-copy) ---------------------------------------------------------------

  /** int32 length + bytes, as a subarray of the input. */
  bytes(): Buffer {
    const at = this.pos
    const len = this.int32()
    this.checkLength(len, at, false)
    return this.raw(len)
  }

  nullableBytes(): Buffer | null {
    const at = this.pos
    const len = this.int32()
    this.checkLength(len, at, true)
    return len < 0 ? null : this.raw(len)
  }

  compactBytes(): Buffer {
    const at = this.pos
    const len = this.uvarint() - 1
    this.checkLength(len, at, false)
    return this.raw(len)
  }

  compactNullableBytes(): Buffer | null {
    const at = this.pos
    const len = this.uvarint() - 1
    this.checkLength(len, at, true)
    return len < 0 ? null : this.raw(len)
  }

  // ---- tagged fields -------------------------------------------------------------------

  /**
   * Reads the header of one tagged field and returns its size, checked against the bytes
   * left. The caller reads `size` bytes of value next (or takes them raw).
   */
  taggedFieldSize(): number {
    const at = this.pos
    const size = this.uvarint()
    if (size > this.end - this.pos) {
      throw new ProtocolDecodeError('truncated', `tagged field of ${size} bytes at ${at} exceeds the ${this.end - this.pos} bytes left`, at)
    }
    return size
  }

  /** Throws unless a tagged field's value ended exactly where its size said it would. */
  endTaggedField(expectedEnd: number): void {
    if (this.pos !== expectedEnd) {
      throw new ProtocolDecodeError('bad-tagged-field', `tagged field value ended at ${this.pos}, expected ${expectedEnd}`, this.pos)
    }
  }

  /** Number of entries in a tagged-field section; each takes at least 2 bytes. */
  taggedFieldCount(): number {
    const at = this.pos
    const n = this.uvarint()
    if (n * 2 > this.end - this.pos) throw new ProtocolDecodeError('count-too-large', `tagged field count ${n} at ${at} exceeds the bytes left`, at)
    return n
  }

  /** Throws the decode error for a version the codec does not know. */
  static unsupportedVersion(what: string, version: number): never {
    throw new ProtocolDecodeError('unsupported-version', `${what} has no version ${version}`)
  }

  /** Skips a whole tagged-field section (for callers that do not need its contents). */
  skipTaggedFields(): void {
    const n = this.taggedFieldCount()
    for (let i = 0; i < n; i++) {
      this.uvarint()
      this.skip(this.taggedFieldSize())
    }
  }
}
