// Confluent's wire format: magic byte 0, the schema id as a big-endian int32, then the payload;
// Protobuf payloads are preceded by the message's index path in the schema as zigzag varints
// (count, then indexes), with the first message ([0]) written as a single 0 byte.

export const MAGIC = 0

export function frame(id: number, payload: Buffer, indexes?: readonly number[]): Buffer {
  const prefix = indexes === undefined ? [] : encodeIndexes(indexes)
  const out = Buffer.allocUnsafe(5 + prefix.length + payload.length)
  out[0] = MAGIC
  out.writeInt32BE(id, 1)
  for (let i = 0; i < prefix.length; i++) out[5 + i] = prefix[i]!
  payload.copy(out, 5 + prefix.length)
  return out
}

export class WireFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WireFormatError'
  }
}

/** The schema id and where the payload starts; throws when the bytes are not in the format. */
export function unframe(buf: Buffer): { id: number; offset: number } {
  if (buf.length < 5 || buf[0] !== MAGIC) throw new WireFormatError(`not in Confluent's wire format (magic byte ${buf[0] ?? 'missing'}, ${buf.length} bytes)`)
  return { id: buf.readInt32BE(1), offset: 5 }
}

function zigzagVarint(n: number, out: number[]): void {
  let v = ((n << 1) ^ (n >> 31)) >>> 0
  while (v > 0x7f) { out.push((v & 0x7f) | 0x80); v >>>= 7 }
  out.push(v)
}

export function encodeIndexes(indexes: readonly number[]): number[] {
  if (indexes.length === 1 && indexes[0] === 0) return [0]
  const out: number[] = []
  zigzagVarint(indexes.length, out)
  for (const i of indexes) zigzagVarint(i, out)
  return out
}

/** Reads the index path at `offset`; returns it and the offset after it. */
export function decodeIndexes(buf: Buffer, offset: number): { indexes: number[]; offset: number } {
  const read = (): number => {
    let v = 0
    let shift = 0
    for (;;) {
      if (offset >= buf.length || shift > 28) throw new WireFormatError('truncated Protobuf message indexes')
      const b = buf[offset++]!
      v |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) break
      shift += 7
    }
    return (v >>> 1) ^ -(v & 1)
  }
  const count = read()
  if (count === 0) return { indexes: [0], offset }
  if (count < 0 || count > 100) throw new WireFormatError(`bad Protobuf message index count ${count}`)
  const indexes: number[] = []
  for (let i = 0; i < count; i++) indexes.push(read())
  return { indexes, offset }
}
