// Sparse offset index of one segment: (offset - segment base) int32 -> file position int32, one
// entry per `index.interval.bytes` of log, keyed by the base offset of the batch at that position.
// Kept in memory as growable typed arrays; persisted whole (8 bytes per entry, big-endian) when the
// segment rolls or closes. Entries are strictly increasing in both columns.
export class OffsetIndex {
  private rel: Int32Array
  private pos: Int32Array
  private n = 0

  constructor(
    readonly baseOffset: number,
    readonly maxEntries: number,
  ) {
    this.rel = new Int32Array(64)
    this.pos = new Int32Array(64)
  }

  get entries(): number {
    return this.n
  }
  get isFull(): boolean {
    return this.n >= this.maxEntries
  }
  get lastPosition(): number {
    return this.n ? this.pos[this.n - 1]! : 0
  }
  get lastOffset(): number {
    return this.n ? this.baseOffset + this.rel[this.n - 1]! : this.baseOffset
  }

  append(offset: number, position: number): void {
    if (this.n === this.rel.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2)
        b.set(a)
        return b
      }
      this.rel = grow(this.rel)
      this.pos = grow(this.pos)
    }
    this.rel[this.n] = offset - this.baseOffset
    this.pos[this.n] = position
    this.n++
  }

  /** Position of the last indexed batch whose base offset is <= offset (0 when none). */
  lookup(offset: number): number {
    const i = this.floor(this.rel, offset - this.baseOffset)
    return i < 0 ? 0 : this.pos[i]!
  }

  /** Largest indexed position <= `position` (a batch start), or 0. */
  floorPosition(position: number): number {
    const i = this.floor(this.pos, position)
    return i < 0 ? 0 : this.pos[i]!
  }

  /** Drops entries at or after file position `position` (truncation). */
  truncateToPosition(position: number): void {
    while (this.n > 0 && this.pos[this.n - 1]! >= position) this.n--
  }

  clear(): void {
    this.n = 0
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.n * 8)
    for (let i = 0; i < this.n; i++) {
      buf.writeInt32BE(this.rel[i]!, i * 8)
      buf.writeInt32BE(this.pos[i]!, i * 8 + 4)
    }
    return buf
  }

  /** Loads an index file's bytes; undefined when they cannot be a valid index for a log of `logSize` bytes. */
  static fromBuffer(baseOffset: number, maxEntries: number, buf: Buffer, logSize: number): OffsetIndex | undefined {
    if (buf.length % 8 !== 0) return undefined
    const idx = new OffsetIndex(baseOffset, Math.max(maxEntries, buf.length / 8))
    let prevRel = -1
    let prevPos = -1
    for (let i = 0; i < buf.length; i += 8) {
      const rel = buf.readInt32BE(i)
      const pos = buf.readInt32BE(i + 4)
      if (rel <= prevRel || pos <= prevPos || pos >= logSize) return undefined
      idx.append(baseOffset + rel, pos)
      prevRel = rel
      prevPos = pos
    }
    return idx
  }

  /** Index of the last entry with key <= k, -1 if none. */
  private floor(keys: Int32Array, k: number): number {
    let lo = 0
    let hi = this.n - 1
    let ans = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (keys[mid]! <= k) {
        ans = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return ans
  }
}
