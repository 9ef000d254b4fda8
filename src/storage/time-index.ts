// Sparse time index of one segment: (max timestamp so far) int64 -> (last offset of the batch that
// raised it - segment base) int32, 12 bytes per entry. Timestamps are strictly increasing, so every
// batch up to an entry's offset has max timestamp <= the entry's timestamp: a lookup for t starts
// scanning just after the last entry whose timestamp is < t.
import { readInt64, writeInt64 } from '../protocol/records/batch-header.ts'

export class TimeIndex {
  private ts: number[] = []
  private rel: number[] = []

  constructor(readonly baseOffset: number) {}

  get entries(): number {
    return this.ts.length
  }
  /** Largest timestamp recorded, -1 when empty. */
  get lastTimestamp(): number {
    return this.ts.length ? this.ts[this.ts.length - 1]! : -1
  }
  get lastOffset(): number {
    return this.rel.length ? this.baseOffset + this.rel[this.rel.length - 1]! : -1
  }

  /** Records (timestamp, offset) if it raises the maximum; returns whether it did. */
  maybeAppend(timestamp: number, offset: number): boolean {
    if (timestamp <= this.lastTimestamp) return false
    const rel = offset - this.baseOffset
    if (this.rel.length && rel <= this.rel[this.rel.length - 1]!) return false
    this.ts.push(timestamp)
    this.rel.push(rel)
    return true
  }

  /**
   * Where batches with max timestamp >= t may start: just after the last entry whose timestamp is
   * < t, else the base offset.
   */
  startOffsetFor(t: number): number {
    let lo = 0
    let hi = this.ts.length - 1
    let ans = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.ts[mid]! < t) {
        ans = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return ans < 0 ? this.baseOffset : this.baseOffset + this.rel[ans]! + 1
  }

  /** Drops entries whose offset is >= offset. */
  truncateTo(offset: number): void {
    while (this.rel.length && this.baseOffset + this.rel[this.rel.length - 1]! >= offset) {
      this.rel.pop()
      this.ts.pop()
    }
  }

  clear(): void {
    this.ts = []
    this.rel = []
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.ts.length * 12)
    for (let i = 0; i < this.ts.length; i++) {
      writeInt64(buf, i * 12, this.ts[i]!)
      buf.writeInt32BE(this.rel[i]!, i * 12 + 8)
    }
    return buf
  }

  static fromBuffer(baseOffset: number, buf: Buffer): TimeIndex | undefined {
    if (buf.length % 12 !== 0) return undefined
    const idx = new TimeIndex(baseOffset)
    for (let i = 0; i < buf.length; i += 12) {
      const rel = buf.readInt32BE(i + 8)
      if (rel < 0 || !idx.maybeAppend(readInt64(buf, i), baseOffset + rel)) return undefined
    }
    return idx
  }
}
