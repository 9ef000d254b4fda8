// Giving appended batches their place in the log: offsets, leader epoch and LogAppendTime are
// written into the batch headers in place (the CRC does not cover them), and the offset helpers
// of the append path.
import {
  baseOffset as batchBase,
  batchSize,
  lastOffsetDelta,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '../protocol/records/batch-header.ts'

export interface Stamp {
  /** Replicated batches keep the leader's offsets and epochs: nothing is written. */
  replicated: boolean
  leaderEpoch: number | undefined
  /** Broker time for LogAppendTime topics, else -1. */
  appendTime: number
}

/**
 * Stamps every batch of `buf`, the first at offset `first` (ignored for replicated batches), and
 * calls `onBatch` for each once it has its offset. Returns the offset after the last batch.
 */
export function stampBatches(buf: Buffer, first: number, stamp: Stamp, onBatch: (pos: number, base: number) => void): number {
  let pos = 0
  let off = first
  while (pos < buf.length) {
    if (!stamp.replicated) {
      setBaseOffset(buf, pos, off)
      if (stamp.leaderEpoch !== undefined) setPartitionLeaderEpoch(buf, pos, stamp.leaderEpoch)
      if (stamp.appendTime >= 0) setLogAppendTime(buf, pos, stamp.appendTime)
    } else {
      off = batchBase(buf, pos)
    }
    onBatch(pos, off)
    off += lastOffsetDelta(buf, pos) + 1
    pos += batchSize(buf, pos)
  }
  return off
}

/** True when every batch's base offset is above the previous batch's last offset, starting at `next`. */
export function increasingFrom(buf: Buffer, next: number): boolean {
  for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
    const base = batchBase(buf, pos)
    if (base < next) return false
    next = base + lastOffsetDelta(buf, pos) + 1
  }
  return true
}

/** Last offset of the last batch in `buf` (-1 when empty). */
export function lastOffsetIn(buf: Buffer): number {
  let pos = 0
  let last = -1
  while (pos < buf.length) {
    last = batchBase(buf, pos) + lastOffsetDelta(buf, pos)
    pos += batchSize(buf, pos)
  }
  return last
}
