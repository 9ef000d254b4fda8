// Zigzag varints as RecordBatch v2 uses them (record lengths, deltas, key/value/header sizes).
// Values are JS numbers: varint is int32, varlong is exact within the safe-integer range and a
// larger varlong is a typed error (Samsa keeps offsets and timestamps below 2^53).
import { RecordsError } from './records-error.ts'

/** A decoded value and the position just after it. Reused by callers in loops; do not keep it. */
export interface VarintResult {
  value: number
  pos: number
}

/** Reads a zigzag varint (int32, at most 5 bytes) into `out`. */
export function readVarint(buf: Buffer, pos: number, end: number, out: VarintResult): VarintResult {
  let raw = 0
  let shift = 0
  for (let i = 0; i < 5; i++) {
    if (pos >= end) throw new RecordsError('truncated', 'varint runs past the end of the data')
    const b = buf[pos++]!
    raw |= (b & 0x7f) << shift
    if ((b & 0x80) === 0) {
      if (i === 4 && b > 0x0f) throw new RecordsError('bad-varint', 'varint does not fit in 32 bits')
      out.value = (raw >>> 1) ^ -(raw & 1)
      out.pos = pos
      return out
    }
    shift += 7
  }
  throw new RecordsError('bad-varint', 'varint longer than 5 bytes')
}

/** Reads a zigzag varlong (at most 10 bytes) into `out`; rejects values beyond the safe-integer range. */
export function readVarlong(buf: Buffer, pos: number, end: number, out: VarintResult): VarintResult {
  // The low 28 bits are gathered with 32-bit operators, the rest as a float multiple of 2^28,
  // so every value up to 2^53 in magnitude decodes exactly.
  let lo = 0
  let hi = 0
  let hiMul = 1
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new RecordsError('truncated', 'varlong runs past the end of the data')
    const b = buf[pos++]!
    if (i < 4) lo |= (b & 0x7f) << (7 * i)
    else {
      hi += (b & 0x7f) * hiMul
      hiMul *= 128
    }
    if ((b & 0x80) === 0) {
      // raw = hi * 2^28 + lo; zigzag: magnitude = raw >> 1, sign = raw & 1.
      const mag = hi * 134217728 + (lo >>> 1)
      if (mag > Number.MAX_SAFE_INTEGER || (lo & 1 && mag === Number.MAX_SAFE_INTEGER)) throw new RecordsError('bad-varint', 'varlong beyond the safe-integer range')
      out.value = lo & 1 ? -mag - 1 : mag
      out.pos = pos
      return out
    }
  }
  throw new RecordsError('bad-varint', 'varlong longer than 10 bytes')
}

/** Bytes of a zigzag varint (int32). */
export function sizeOfVarint(v: number): number {
  const z = ((v << 1) ^ (v >> 31)) >>> 0
  if (z < 0x80) return 1
  if (z < 0x4000) return 2
  if (z < 0x200000) return 3
  if (z < 0x10000000) return 4
  return 5
}

/** Bytes of a zigzag varlong for a safe integer. */
export function sizeOfVarlong(v: number): number {
  // zigzag = 2m + sign where m = v or -v-1; 2m can pass 2^53, so shift m by 6 instead.
  let q = Math.floor((v >= 0 ? v : -v - 1) / 64)
  let n = 1
  while (q > 0) {
    q = Math.floor(q / 128)
    n++
  }
  return n
}

/** Writes a zigzag varint (int32); returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80
    z >>>= 7
  }
  buf[pos++] = z
  return pos
}

/** Writes a zigzag varlong for a safe integer; returns the position after it. */
export function writeVarlong(buf: Buffer, pos: number, v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) return writeVarint(buf, pos, v)
  // The first byte holds the sign and the low 6 bits of the magnitude; the rest is plain base 128.
  const sign = v < 0 ? 1 : 0
  const m = sign ? -v - 1 : v
  let q = Math.floor(m / 64)
  buf[pos++] = ((m % 64) << 1) | sign | (q > 0 ? 0x80 : 0)
  while (q > 0) {
    const next = Math.floor(q / 128)
    buf[pos++] = (q % 128) | (next > 0 ? 0x80 : 0)
    q = next
  }
  return pos
}
