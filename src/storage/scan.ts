// Sequential scan of a segment file: reads large chunks, walks batch headers, checks each batch
// (structure, CRC, increasing offsets) and reports the first bad one. Used by recovery, index
// rebuilds and truncation.
import type { FileHandle } from 'node:fs/promises'
import { LOG_OVERHEAD, baseOffset, batchSize, lastOffsetDelta, maxTimestamp } from '../protocol/records/batch-header.ts'
import { batchProblem, describeProblem } from './batch-check.ts'

const CHUNK = 1024 * 1024
const MAX_REL = 0x7fffffff

export interface ScannedBatch {
  baseOffset: number
  lastOffset: number
  maxTimestamp: number
  position: number
  size: number
}

export interface ScanResult {
  /** File position just after the last sound batch. */
  validEnd: number
  /** Offset after the last sound batch (the `expectedNext` passed in when there was none). */
  nextOffset: number
  /** Why scanning stopped before the end of the file, if it did. */
  problem?: string
}

/** Reads `length` bytes at `position`; returns fewer only at end of file. */
export async function readAt(fh: FileHandle, position: number, length: number, into?: Buffer): Promise<Buffer> {
  const buf = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done === length ? buf : buf.subarray(0, done)
}

/**
 * Visits sound batches from `start` to `end` (file positions). `segmentBase` bounds offsets from
 * below and relative offsets from above (int32 in the indexes); `expectedNext` is the smallest
 * acceptable base offset of the first batch; `upperBound` (the next segment's base) bounds every
 * offset from above. `visit` may return true to stop early.
 */
export async function scanSegment(
  fh: FileHandle,
  start: number,
  end: number,
  segmentBase: number,
  expectedNext: number,
  visit: (b: ScannedBatch) => boolean | void,
  upperBound = Infinity,
): Promise<ScanResult> {
  let pos = start
  let next = expectedNext
  // The base offset is not covered by the CRC: a batch whose offset is too low may instead mean
  // the previous batch's offset was damaged upwards. Remember where that batch started.
  let prevPos = -1
  let prevNext = expectedNext
  let chunk: Buffer = Buffer.allocUnsafe(0)
  let chunkPos = start
  const stop = (problem: string): ScanResult => ({ validEnd: pos, nextOffset: next, problem })
  while (pos < end) {
    let off = pos - chunkPos
    if (off + LOG_OVERHEAD > chunk.length || off + batchSize(chunk, off) > chunk.length) {
      // Refill from pos, large enough for the whole batch when its length is plausible.
      let want = Math.min(CHUNK, end - pos)
      if (off + LOG_OVERHEAD <= chunk.length) {
        const need = batchSize(chunk, off)
        if (need > 0 && need <= end - pos) want = Math.max(want, need)
      }
      chunk = await readAt(fh, pos, want, chunk.length >= want ? chunk : undefined)
      chunkPos = pos
      off = 0
      if (chunk.length < LOG_OVERHEAD) return stop(describeProblem.truncated)
      const need = batchSize(chunk, 0)
      if (need > chunk.length && need <= end - pos) {
        chunk = await readAt(fh, pos, need)
      }
    }
    const problem = batchProblem(chunk, off, Math.min(chunk.length, end - chunkPos))
    if (problem) return stop(describeProblem[problem])
    const base = baseOffset(chunk, off)
    const last = base + lastOffsetDelta(chunk, off)
    if (base < next && base >= prevNext && prevPos >= 0) {
      return { validEnd: prevPos, nextOffset: prevNext, problem: `offset of the batch at byte ${prevPos} out of order` }
    }
    if (base < next || base < segmentBase || last - segmentBase > MAX_REL || !Number.isSafeInteger(last)) {
      return stop(`offset ${base} out of order (expected >= ${next})`)
    }
    if (last >= upperBound) return stop(`offset ${last} reaches into the next segment (${upperBound})`)
    const size = batchSize(chunk, off)
    const maxTs = maxTimestamp(chunk, off)
    const stopHere = visit({ baseOffset: base, lastOffset: last, maxTimestamp: maxTs, position: pos, size })
    prevPos = pos
    prevNext = next
    next = last + 1
    pos += size
    if (stopHere === true) break
  }
  return { validEnd: pos, nextOffset: next }
}
