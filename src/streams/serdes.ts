// Serdes: how keys and values become bytes on topics and in stores, and back. Kafka Streams'
// built-ins under their names (String, Integer, Long, Double, Bytes, Void) plus JSON; a null
// value is always null bytes (a tombstone), whatever the serde.
export interface Serde<T> {
  serialize(value: T | null, topic?: string): Buffer | null
  deserialize(data: Buffer | null, topic?: string): T | null
}

function serde<T>(ser: (v: T) => Buffer, de: (b: Buffer) => T): Serde<T> {
  return {
    serialize: (v) => (v === null || v === undefined ? null : ser(v)),
    deserialize: (b) => (b === null || b === undefined ? null : de(b)),
  }
}

const int32 = serde<number>((v) => {
  const b = Buffer.allocUnsafe(4)
  b.writeInt32BE(v, 0)
  return b
}, (b) => {
  if (b.length !== 4) throw new Error(`Integer serde: expected 4 bytes, got ${b.length}`)
  return b.readInt32BE(0)
})

/** Kafka's LongSerde (8 bytes big-endian) as a JS number: exact to 2^53. */
const TWO_32 = 4294967296
const int64 = serde<number>((v) => {
  // Two 32-bit halves: exact for |v| < 2^53 like the BigInt form, without a BigInt per value.
  const n = Math.trunc(v)
  const b = Buffer.allocUnsafe(8)
  if (!Number.isSafeInteger(n)) {
    b.writeBigInt64BE(BigInt(n), 0)
    return b
  }
  const hi = Math.floor(n / TWO_32)
  b.writeInt32BE(hi, 0)
  b.writeUInt32BE(n - hi * TWO_32, 4)
  return b
}, (b) => {
  if (b.length !== 8) throw new Error(`Long serde: expected 8 bytes, got ${b.length}`)
  const hi = b.readInt32BE(0)
  // Beyond 2^53 the halves would round: keep the BigInt path's (rounded) result there.
  if (hi > 0x1fffff || hi < -0x200000) return Number(b.readBigInt64BE(0))
  return hi * TWO_32 + b.readUInt32BE(4)
})

const float64 = serde<number>((v) => {
  const b = Buffer.allocUnsafe(8)
  b.writeDoubleBE(v, 0)
  return b
}, (b) => b.readDoubleBE(0))

export const Serdes = {
  String: (): Serde<string> => STRING,
  Integer: (): Serde<number> => int32,
  Long: (): Serde<number> => int64,
  Double: (): Serde<number> => float64,
  Buffer: (): Serde<Buffer> => BUFFER,
  /** Always null (Kafka's VoidSerde), for keyless topics. */
  Void: (): Serde<null> => VOID,
  /** JSON text in UTF-8; any JSON value. */
  JSON: <T = unknown>(): Serde<T> => JSON_SERDE as Serde<T>,
} as const

const STRING = serde<string>((v) => Buffer.from(v, 'utf8'), (b) => b.toString('utf8'))
const BUFFER = serde<Buffer>((v) => v, (b) => b)

/**
 * What a sink hands the producer: the String serde's strings as they are (the producer writes
 * them into its batch as UTF-8, the same bytes without a Buffer per record), anything else serialized.
 */
export function serializeForSend<T>(s: Serde<T>, v: T | null, topic: string): Buffer | string | null {
  if (s === (STRING as Serde<unknown>) && typeof v === 'string') return v
  return s.serialize(v, topic)
}
const VOID: Serde<null> = { serialize: () => null, deserialize: () => null }
const JSON_SERDE = serde<unknown>((v) => Buffer.from(JSON.stringify(v), 'utf8'), (b) => JSON.parse(b.toString('utf8')) as unknown)
