// LZ4 in Kafka's framing: the standard LZ4 frame format (magic 0x184D2204) with independent
// 64 KiB blocks. lz4-napi does the block work; this file walks the frame first because
//  - lz4-napi returns an empty result for a truncated frame instead of failing,
//  - Kafka before 0.10 computed the header checksum over the magic too (KAFKA-1493), and old
//    magic-0 messages still carry that checksum, which lz4-napi rejects,
//  - the frame states block sizes, which lets us bound the output before inflating,
//  - lz4-napi's frame decoder is ~7x slower than its block decoder, so frames without checksums
//    (what Kafka clients write) are inflated block by block.
import { compressFrameSync, decompressFrameSync, uncompressSync } from 'lz4-napi'
import { RecordsError } from '../records-error.ts'
import type { Codec } from './codec.ts'
import { xxhash32 } from './xxhash32.ts'

const MAGIC = 0x184d2204
const BLOCK_INDEPENDENT = 0x20
const BLOCK_CHECKSUM = 0x10
const CONTENT_SIZE = 0x08
const CONTENT_CHECKSUM = 0x04
const DICT_ID = 0x01

interface Frame {
  start: number
  end: number
  /** Offset of the header checksum byte. */
  hcPos: number
  flg: number
  bd: number
  blockMax: number
  /** [start, end) of each block including its size word and checksum. */
  blocks: [number, number][]
  /** Upper bound of the decompressed size. */
  bound: number
  legacyChecksum: boolean
}

const headerChecksum = (data: Buffer, from: number, to: number): number => (xxhash32(data.subarray(from, to)) >>> 8) & 0xff

const bad = (msg: string): RecordsError => new RecordsError('bad-compressed-data', `lz4: ${msg}`)

function parseFrame(data: Buffer, start: number): Frame {
  if (start + 7 > data.length) throw bad('truncated frame header')
  if (data.readUInt32LE(start) !== MAGIC) throw bad('wrong magic number')
  const flg = data[start + 4]!
  const bd = data[start + 5]!
  if (flg >> 6 !== 1) throw bad('unsupported frame version')
  const sizeId = (bd >> 4) & 0x07
  if (sizeId < 4) throw bad('invalid block size id')
  const blockMax = 1 << (8 + 2 * sizeId)
  let hcPos = start + 6
  if (flg & CONTENT_SIZE) hcPos += 8
  if (flg & DICT_ID) hcPos += 4
  if (hcPos >= data.length) throw bad('truncated frame header')
  const hc = data[hcPos]!
  let legacyChecksum = false
  if (hc !== headerChecksum(data, start + 4, hcPos)) {
    if (hc !== headerChecksum(data, start, hcPos)) throw bad('header checksum mismatch')
    legacyChecksum = true
  }
  let bound = 0
  if (flg & CONTENT_SIZE) {
    const size = data.readUInt32LE(start + 6) + data.readUInt32LE(start + 10) * 4294967296
    bound = size
  }
  const blocks: [number, number][] = []
  let blockBound = 0
  let pos = hcPos + 1
  const checksum = flg & BLOCK_CHECKSUM ? 4 : 0
  while (true) {
    if (pos + 4 > data.length) throw bad('truncated frame (no end mark)')
    const word = data.readUInt32LE(pos)
    if (word === 0) {
      pos += 4
      break
    }
    const size = word & 0x7fffffff
    if (size > blockMax) throw bad('block larger than the frame block size')
    const end = pos + 4 + size + checksum
    if (end > data.length) throw bad('truncated block')
    blocks.push([pos, end])
    blockBound += word & 0x80000000 ? size : blockMax
    pos = end
  }
  if (flg & CONTENT_CHECKSUM) {
    if (pos + 4 > data.length) throw bad('truncated content checksum')
    pos += 4
  }
  if (!(flg & CONTENT_SIZE)) bound = blockBound
  return { start, end: pos, hcPos, flg, bd, blockMax, blocks, bound, legacyChecksum }
}

function inflate(frame: Buffer): Buffer {
  try {
    return decompressFrameSync(frame)
  } catch (err) {
    throw new RecordsError('bad-compressed-data', `lz4: ${(err as Error).message}`, { cause: err })
  }
}

/** A frame with a correct header checksum (copies only when the legacy checksum must be fixed). */
function normalized(data: Buffer, f: Frame): Buffer {
  const frame = data.subarray(f.start, f.end)
  if (!f.legacyChecksum) return frame
  const copy = Buffer.from(frame)
  copy[f.hcPos - f.start] = headerChecksum(copy, 4, f.hcPos - f.start)
  return copy
}

/** Inflates an independent-block frame one block at a time, stopping at the limit. */
function inflateByBlock(data: Buffer, f: Frame, maxSize: number, parts: Buffer[], total: number): number {
  const head = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40 | BLOCK_INDEPENDENT | (f.flg & BLOCK_CHECKSUM), f.bd, 0])
  head[6] = headerChecksum(head, 4, 6)
  const endMark = Buffer.alloc(4)
  for (const [s, e] of f.blocks) {
    const part = inflate(Buffer.concat([head, data.subarray(s, e), endMark]))
    total += part.length
    if (total > maxSize) throw new RecordsError('too-large', `lz4 data inflates past ${maxSize} bytes`)
    parts.push(part)
  }
  return total
}

/**
 * Inflates the blocks of an independent-block frame with the block decoder. lz4-napi's block
 * format is [uncompressed size u32 LE][block]; the size is an upper bound for it, so the
 * frame's block maximum works.
 */
function inflateBlocks(data: Buffer, f: Frame, maxSize: number, parts: Buffer[], total: number): number {
  for (const [s, e] of f.blocks) {
    const word = data.readUInt32LE(s)
    let part: Buffer
    if (word & 0x80000000) {
      part = data.subarray(s + 4, e)
    } else {
      const input = Buffer.allocUnsafe(e - s)
      input.writeUInt32LE(f.blockMax, 0)
      data.copy(input, 4, s + 4, e)
      try {
        part = uncompressSync(input)
      } catch (err) {
        throw new RecordsError('bad-compressed-data', `lz4: ${(err as Error).message}`, { cause: err })
      }
    }
    total += part.length
    if (total > maxSize) throw new RecordsError('too-large', `lz4 data inflates past ${maxSize} bytes`)
    parts.push(part)
  }
  return total
}

export const lz4Codec: Codec = {
  id: 3,
  name: 'lz4',
  compress(data, options) {
    const out = compressFrameSync(data)
    // lz4-napi writes FLG 0x60 (version 1, independent blocks, no checksums) like Kafka's Java
    // client; its block size grows with the input (BD 0x40..0x70), which every Kafka reader accepts.
    if (options?.lz4LegacyHeaderChecksum) out[6] = headerChecksum(out, 0, 6)
    return out
  },
  decompress(data, maxSize) {
    const parts: Buffer[] = []
    let total = 0
    let pos = 0
    while (pos < data.length) {
      const f = parseFrame(data, pos)
      pos = f.end
      if (f.flg & BLOCK_INDEPENDENT && !(f.flg & (BLOCK_CHECKSUM | CONTENT_CHECKSUM))) {
        if (f.flg & CONTENT_SIZE && total + f.bound > maxSize) {
          throw new RecordsError('too-large', `lz4 data inflates past ${maxSize} bytes`)
        }
        const before = total
        total = inflateBlocks(data, f, maxSize, parts, total)
        if (f.flg & CONTENT_SIZE && total - before !== f.bound) throw bad('content size differs from the frame header')
      } else if (total + f.bound <= maxSize) {
        const part = inflate(normalized(data, f))
        total += part.length
        parts.push(part)
      } else if (f.flg & BLOCK_INDEPENDENT && !(f.flg & CONTENT_SIZE)) {
        total = inflateByBlock(data, f, maxSize, parts, total)
      } else {
        throw new RecordsError('too-large', `lz4 data may inflate past ${maxSize} bytes`)
      }
      if (total > maxSize) throw new RecordsError('too-large', `lz4 data inflates past ${maxSize} bytes`)
    }
    if (data.length === 0) throw bad('empty input')
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total)
  },
}
