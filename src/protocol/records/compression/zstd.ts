// zstd through zstd-napi. Frames that state their content size (librdkafka and the Java client
// write it) are inflated in one native call after checking the size; frames without it are
// streamed chunk by chunk so a zip bomb stops at the caller's limit.
import { compress as zstdCompress } from 'zstd-napi'
import { createRequire } from 'node:module'
import type * as Binding from 'zstd-napi/binding.js'
import { RecordsError } from '../records-error.ts'
import type { Codec } from './codec.ts'

// The low-level binding is a CommonJS module whose exports ESM cannot see statically.
const binding = createRequire(import.meta.url)('zstd-napi/binding.js') as typeof Binding

let dctx: Binding.DCtx | undefined

const bad = (err: unknown): RecordsError =>
  new RecordsError('bad-compressed-data', `zstd: ${(err as Error).message}`, { cause: err })

/** Sum of the content sizes the frames declare, or null when a frame does not say. */
function declaredSize(data: Buffer): number | null {
  let total = 0
  let pos = 0
  while (pos < data.length) {
    const frame = data.subarray(pos)
    const size = binding.getFrameContentSize(frame)
    if (size === null) return null
    total += size
    pos += binding.findFrameCompressedSize(frame)
  }
  return total
}

function streamed(ctx: Binding.DCtx, data: Buffer, maxSize: number): Buffer {
  const chunks: Buffer[] = []
  let total = 0
  let input = data
  let pending = 1
  const chunkSize = binding.dStreamOutSize()
  while (input.length > 0 || pending !== 0) {
    // One byte beyond the budget is enough to notice an overflow.
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, maxSize - total + 1))
    const [ret, produced, consumed] = ctx.decompressStream(chunk, input)
    pending = ret
    total += produced
    if (total > maxSize) throw new RecordsError('too-large', `zstd data inflates past ${maxSize} bytes`)
    chunks.push(chunk.subarray(0, produced))
    input = input.subarray(consumed)
    if (produced === 0 && consumed === 0) {
      if (input.length === 0) throw new RecordsError('bad-compressed-data', 'zstd: truncated frame')
      throw new RecordsError('bad-compressed-data', 'zstd: decoder made no progress')
    }
  }
  return Buffer.concat(chunks, total)
}

export const zstdCodec: Codec = {
  id: 4,
  name: 'zstd',
  compress: (data, options) => zstdCompress(data, { compressionLevel: options?.level ?? 3 }),
  decompress(data, maxSize) {
    if (data.length === 0) throw new RecordsError('bad-compressed-data', 'zstd: empty input')
    dctx ??= new binding.DCtx()
    try {
      const size = declaredSize(data)
      if (size !== null) {
        if (size > maxSize) throw new RecordsError('too-large', `zstd data inflates past ${maxSize} bytes`)
        const out = Buffer.allocUnsafe(size)
        const n = dctx.decompress(out, data)
        if (n !== size) throw new RecordsError('bad-compressed-data', 'zstd: content shorter than declared')
        return out
      }
      return streamed(dctx, data, maxSize)
    } catch (err) {
      // A failed streaming call leaves the context mid-frame; start clean next time.
      dctx = undefined
      if (err instanceof RecordsError) throw err
      throw bad(err)
    }
  },
}
