// Byte counts of variable-length integers, used by generated size functions.

/** Bytes needed for an unsigned varint of a uint32 value. */
export function sizeOfUvarint(v: number): number {
  if (v < 0x80) return 1
  if (v < 0x4000) return 2
  if (v < 0x200000) return 3
  if (v < 0x10000000) return 4
  return 5
}

/** Bytes needed for a zigzag varint of an int32 value. */
export function sizeOfVarint(v: number): number {
  return sizeOfUvarint(((v << 1) ^ (v >> 31)) >>> 0)
}

/** Bytes needed for a zigzag varlong of an int64 value. */
export function sizeOfVarlong(v: bigint): number {
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
  let n = 1
  while (z >= 0x80n) {
    z >>= 7n
    n++
  }
  return n
}

/** Bytes needed for a zigzag varlong of a safe-integer value (records use it for deltas). */
export function sizeOfVarlongNumber(v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1
  let n = 1
  while (z >= 0x80) {
    z = Math.floor(z / 128)
    n++
  }
  return n
}

/** UTF-8 byte length of a string. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}
