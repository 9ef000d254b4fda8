// Kafka's key hash: 32-bit MurmurHash2 with seed 0x9747b28c, as the Java client's
// Utils.murmur2 defines it (and librdkafka's murmur2_random partitioner reproduces). A key's
// partition is (murmur2(key) & 0x7fffffff) % partitions, so keyed records land where Java puts them.
const M = 0x5bd1e995
const SEED = 0x9747b28c

/** Of the first `length` bytes of `data` (all of it by default). */
export function murmur2(data: Uint8Array, length = data.length): number {
  let h = (SEED ^ length) | 0
  const whole = length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  const rest = length & 3
  if (rest === 3) h ^= data[whole + 2]! << 16
  if (rest >= 2) h ^= data[whole + 1]! << 8
  if (rest >= 1) {
    h ^= data[whole]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** The partition Java's default partitioner picks for a non-null key. */
export function keyPartition(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions
}

const scratch = Buffer.allocUnsafe(1024)

/** murmur2 of an ASCII string's bytes (its UTF-16 units), or null when a unit is not ASCII. */
function murmur2Ascii(s: string): number | null {
  const length = s.length
  let h = (SEED ^ length) | 0
  const whole = length & ~3
  let or = 0
  for (let i = 0; i < whole; i += 4) {
    const a = s.charCodeAt(i)
    const b = s.charCodeAt(i + 1)
    const c = s.charCodeAt(i + 2)
    const d = s.charCodeAt(i + 3)
    or |= a | b | c | d
    let k = a | (b << 8) | (c << 16) | (d << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  const rest = length & 3
  if (rest === 3) {
    const c = s.charCodeAt(whole + 2)
    or |= c
    h ^= c << 16
  }
  if (rest >= 2) {
    const b = s.charCodeAt(whole + 1)
    or |= b
    h ^= b << 8
  }
  if (rest >= 1) {
    const a = s.charCodeAt(whole)
    or |= a
    h ^= a
    h = Math.imul(h, M)
  }
  if (or > 0x7f) return null
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/**
 * keyPartition of a string key's UTF-8 bytes: an ASCII key is hashed from its characters (its
 * bytes), another is encoded into a scratch buffer first (no Buffer per record either way).
 */
export function stringKeyPartition(key: string, partitions: number): number {
  if (partitions === 1) return 0
  if (key.length <= 64) {
    const h = murmur2Ascii(key)
    if (h !== null) return (h & 0x7fffffff) % partitions
  }
  if (key.length * 3 > scratch.length) return keyPartition(Buffer.from(key, 'utf8'), partitions)
  const n = scratch.write(key, 0, 'utf8')
  return (murmur2(scratch, n) & 0x7fffffff) % partitions
}
