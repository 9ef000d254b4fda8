// Snappy in both forms Kafka meets: the Java client's xerial framing
//   magic 0x82 'SNAPPY' 0x00 | version int32 | compatible int32 | ([length int32][raw block])*
// and a plain raw snappy block (librdkafka writes this). Each raw block starts with its
// uncompressed length as a uvarint, so limits are checked before anything is inflated.
import { compressSync, uncompressSync } from 'snappy'
import { ProtocolDecodeError, Reader } from '../../primitives/index.ts'
import { RecordsError } from '../records-error.ts'
import type { Codec } from './codec.ts'

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER = 16
/** Kafka's Java producer frames 32 KiB blocks. */
const XERIAL_BLOCK = 32 * 1024

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER && XERIAL_MAGIC.equals(data.subarray(0, 8))
}

/** The uncompressed length a raw snappy block declares (a uvarint preamble, at most 2^32-1). */
function rawLength(data: Buffer, start: number, end: number): number {
  try {
    return new Reader(data, start, end).uvarint()
  } catch (err) {
    if (!(err instanceof ProtocolDecodeError)) throw err
    throw new RecordsError('bad-compressed-data', `snappy: bad length preamble (${err.message})`, { cause: err })
  }
}

function uncompressRaw(block: Buffer): Buffer {
  try {
    return uncompressSync(block, { asBuffer: true }) as Buffer
  } catch (err) {
    throw new RecordsError('bad-compressed-data', `snappy: ${(err as Error).message}`, { cause: err })
  }
}

function decompressXerial(data: Buffer, maxSize: number): Buffer {
  const blocks: [number, number][] = []
  let total = 0
  let pos = XERIAL_HEADER
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new RecordsError('bad-compressed-data', 'snappy: truncated xerial block length')
    const len = data.readInt32BE(pos)
    pos += 4
    if (len < 0 || pos + len > data.length) throw new RecordsError('bad-compressed-data', 'snappy: xerial block past the end')
    total += rawLength(data, pos, pos + len)
    if (total > maxSize) throw new RecordsError('too-large', `snappy data inflates past ${maxSize} bytes`)
    blocks.push([pos, pos + len])
    pos += len
  }
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (const [s, e] of blocks) {
    const part = uncompressRaw(data.subarray(s, e))
    if (at + part.length > total) throw new RecordsError('bad-compressed-data', 'snappy: block longer than declared')
    at += part.copy(out, at)
  }
  if (at !== total) throw new RecordsError('bad-compressed-data', 'snappy: blocks shorter than declared')
  return out
}

export const snappyCodec: Codec = {
  id: 2,
  name: 'snappy',
  compress(data, options) {
    if (options?.snappyFraming === 'raw') return compressSync(data)
    const parts: Buffer[] = [XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])]
    for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK) {
      const block = compressSync(data.subarray(pos, pos + XERIAL_BLOCK))
      const len = Buffer.allocUnsafe(4)
      len.writeInt32BE(block.length, 0)
      parts.push(len, block)
    }
    return Buffer.concat(parts)
  },
  decompress(data, maxSize) {
    if (isXerialFramed(data)) return decompressXerial(data, maxSize)
    const declared = rawLength(data, 0, data.length)
    if (declared > maxSize) throw new RecordsError('too-large', `snappy data inflates past ${maxSize} bytes`)
    const out = uncompressRaw(data)
    if (out.length !== declared) throw new RecordsError('bad-compressed-data', 'snappy: length differs from preamble')
    return out
  },
}
