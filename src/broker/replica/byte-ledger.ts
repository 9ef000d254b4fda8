// How many bytes were appended between two offsets, for delayed fetches: a read_committed fetch
// must count only the bytes its bound (the last stable offset) has passed, not every appended
// byte. The ledger keeps (end offset, cumulative bytes) after each acknowledged append, for the
// most recent appends only; bytes below the oldest kept entry count as zero (such a fetch may
// then wait until its deadline: late, never wrong).

const CAPACITY = 4096

export class ByteLedger {
  private ends: number[] = []
  private cums: number[] = []
  private head = 0
  /** Cumulative bytes before the oldest kept entry. */
  private base = 0
  private total = 0

  /** An append ending at `endOffset` (exclusive) of `bytes` bytes was acknowledged. */
  record(endOffset: number, bytes: number): void {
    this.total += bytes
    const n = this.ends.length
    if (n > this.head && this.ends[n - 1]! >= endOffset) {
      this.cums[n - 1] = this.total
      return
    }
    this.ends.push(endOffset)
    this.cums.push(this.total)
    if (n + 1 - this.head > CAPACITY) {
      this.base = this.cums[this.head]!
      this.head++
      if (this.head > CAPACITY) {
        this.ends = this.ends.slice(this.head)
        this.cums = this.cums.slice(this.head)
        this.head = 0
      }
    }
  }

  /** Cumulative bytes of the appends that end at or below `offset`. */
  private cumAt(offset: number): number {
    let lo = this.head
    let hi = this.ends.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (this.ends[mid]! <= offset) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found < 0 ? this.base : this.cums[found]!
  }

  /** Bytes appended in [from, to) as far as the ledger remembers. */
  bytesBetween(from: number, to: number): number {
    return to <= from ? 0 : Math.max(0, this.cumAt(to) - this.cumAt(from))
  }
}
