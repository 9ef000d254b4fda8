// The segments of one partition log, sorted by base offset (Kafka's LogSegments): lookups by offset
// (floor, higher) and by timestamp, and the few mutations the Log, retention, truncation and the
// cleaner make. The last segment is the active one and there is always at least one. Callers that
// await between a lookup and its use must look up again: retention may shift the list meanwhile.
import { DELETED_SUFFIX } from './file-names.ts'
import { Segment } from './segment.ts'
import type { TimestampOffset } from './segment.ts'

export class LogSegments {
  private readonly list: Segment[]

  constructor(
    /** The partition directory. */
    readonly dir: string,
    segments: Segment[],
  ) {
    if (segments.length === 0) throw new Error('a log has at least one segment')
    this.list = segments
  }

  /** The live list (oldest first); read-only for callers. */
  get all(): readonly Segment[] {
    return this.list
  }
  get count(): number {
    return this.list.length
  }
  get first(): Segment {
    return this.list[0]!
  }
  /** The segment receiving appends. */
  get active(): Segment {
    return this.list[this.list.length - 1]!
  }
  /** Total bytes of all segments. */
  get size(): number {
    let n = 0
    for (const s of this.list) n += s.size
    return n
  }
  get baseOffsets(): number[] {
    return this.list.map((s) => s.baseOffset)
  }
  includes(seg: Segment): boolean {
    return this.list.includes(seg)
  }

  // ---------------------------------------------------------------- lookups

  /** The last segment whose base offset is <= offset (the first one if none). */
  floor(offset: number): Segment {
    let lo = 0
    let hi = this.list.length - 1
    let ans = 0
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.list[mid]!.baseOffset <= offset) {
        ans = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return this.list[ans]!
  }

  /** The first segment whose base offset is > base, if any. */
  higher(base: number): Segment | undefined {
    let lo = 0
    let hi = this.list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.list[mid]!.baseOffset > base) hi = mid
      else lo = mid + 1
    }
    return this.list[lo]
  }

  /**
   * Segments that may hold a batch with max timestamp >= `timestamp`, oldest first. Lazy: each is
   * checked when reached, so a caller awaiting between steps skips segments deleted meanwhile.
   */
  *reachingTimestamp(timestamp: number): Generator<Segment> {
    for (const seg of [...this.list]) {
      if (seg.maxTimestamp >= timestamp && !seg.isEmpty && this.list.includes(seg)) yield seg
    }
  }

  /** The non-empty segment with the largest timestamp (the oldest one on ties). */
  withLargestTimestamp(): Segment | undefined {
    let best: Segment | undefined
    for (const seg of this.list) if (!seg.isEmpty && (!best || seg.maxTimestamp > best.maxTimestamp)) best = seg
    return best
  }

  /** ListOffsets by time: the earliest batch whose max timestamp is >= `timestamp`, not below the log start. */
  async offsetForTimestamp(timestamp: number, logStart: () => number): Promise<TimestampOffset | undefined> {
    for (const seg of this.reachingTimestamp(timestamp)) {
      const found = await seg.findByTimestamp(timestamp, logStart)
      if (found) return { offset: Math.max(found.offset, logStart()), timestamp: found.timestamp }
    }
    return undefined
  }

  /** ListOffsets MAX_TIMESTAMP: the batch holding the largest timestamp, not below the log start. */
  async maxTimestamp(logStart: () => number): Promise<TimestampOffset | undefined> {
    const best = this.withLargestTimestamp()
    if (!best || best.maxTimestamp < 0) return undefined
    const found = await best.findByTimestamp(best.maxTimestamp, logStart)
    return found && { offset: Math.max(found.offset, logStart()), timestamp: found.timestamp }
  }

  // ---------------------------------------------------------------- changes

  /** A new active segment (roll). */
  add(seg: Segment): void {
    this.list.push(seg)
  }

  /** Takes the oldest segment out (it must not be the only one). */
  removeFirst(): Segment {
    if (this.list.length < 2) throw new Error('cannot remove the only segment')
    return this.list.shift()!
  }

  /** Takes the active segment out (truncation); the caller adds a new one if it was the only one. */
  removeLast(): Segment {
    return this.list.pop()!
  }

  /** Takes `seg` out wherever it is; false if it is not in the list. */
  remove(seg: Segment): boolean {
    const i = this.list.indexOf(seg)
    if (i < 0) return false
    this.list.splice(i, 1)
    return true
  }

  /** Puts `replacement` where `old` is (compaction swap). */
  replace(old: Segment, replacement: Segment): void {
    const i = this.list.indexOf(old)
    if (i < 0) throw new Error('segment no longer in the log')
    this.list[i] = replacement
  }

  /** Unlinks a segment already taken out of the list, once its readers are done (`.deleted` first). */
  async deleteFiles(seg: Segment): Promise<void> {
    await seg.renameAll(DELETED_SUFFIX)
    await seg.close()
    await Segment.deleteFiles(this.dir, seg.baseOffset, DELETED_SUFFIX)
  }
}
