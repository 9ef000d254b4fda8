// One segment: a `.log` file of record batches plus its in-memory sparse indexes. It appends whole
// batches and then publishes them (indexes, `size`, `nextOffset` together), so readers never see a
// batch still being written; it reads whole batches by offset and finds batches by timestamp.
import { writevSync } from 'node:fs'
import { open, readFile, rename } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import {
  RECORD_BATCH_OVERHEAD,
  baseOffset as batchBase,
  batchSize,
  lastOffsetDelta,
  maxTimestamp as batchMaxTs,
} from '../protocol/records/batch-header.ts'
import type { LogConfig } from './config.ts'
import { INDEX_SUFFIX, LOG_SUFFIX, SEGMENT_SUFFIXES, TIME_INDEX_SUFFIX, segmentFile } from './file-names.ts'
import { isNotFound, unlinkIfExists, unlinkIfExistsSync } from './fs-util.ts'
import { OffsetIndex } from './offset-index.ts'
import { readAt, scanSegment } from './scan.ts'
import type { ScanResult } from './scan.ts'
import { TimeIndex } from './time-index.ts'
import type { SegmentSpare } from './segment-spare.ts'

const MAX_REL = 0x7fffffff
const WRITEV_MAX = 512
const WRITEV_BYTES = 1024 * 1024

/** A batch found by timestamp: its base offset and max timestamp. */
export interface TimestampOffset {
  offset: number
  timestamp: number
}

export class Segment {
  /** Bytes written and visible to readers. */
  size = 0
  /** Offset after the last batch (for segments loaded without a scan: the next segment's base). */
  nextOffset: number
  /** Largest batch max timestamp, -1 when empty or unknown. */
  maxTimestamp = -1
  index: OffsetIndex
  timeIndex: TimeIndex
  private bytesSinceIndex = 0
  private readers = 0
  private closeWaiters: (() => void)[] = []
  private closing = false
  /** Unflushed index entries are rewritten on roll/close; true when the files may be stale. */
  indexDirty = true

  constructor(
    readonly dir: string,
    readonly baseOffset: number,
    public fh: FileHandle,
    /** Clock time the segment was created (segment.ms); restarts reset it. */
    readonly createdAt: number,
    readonly maxIndexEntries: number,
  ) {
    this.nextOffset = baseOffset
    this.index = new OffsetIndex(baseOffset, maxIndexEntries)
    this.timeIndex = new TimeIndex(baseOffset)
  }

  get logPath(): string {
    return segmentFile(this.dir, this.baseOffset, LOG_SUFFIX)
  }
  get isEmpty(): boolean {
    return this.size === 0
  }

  /**
   * Whether an append of `bytes` ending at `lastOffset` must start a new segment (Kafka's roll
   * rule): segment.bytes, segment.ms, a full offset index, or offsets beyond int32 of the base.
   * `pendingBytes` are already queued for this segment but not yet written. Never when empty.
   */
  shouldRoll(pendingBytes: number, bytes: number, lastOffset: number, now: number, c: LogConfig): boolean {
    const size = this.size + pendingBytes
    if (size === 0) return false
    return size + bytes > c.segmentBytes || now - this.createdAt >= c.segmentMs || this.index.isFull || lastOffset - this.baseOffset > MAX_REL
  }

  /** A new empty segment at `base`: the spare's file when one is ready (segment-spare.ts), else a new file. */
  static async create(dir: string, base: number, now: number, maxIndexEntries: number, spare?: SegmentSpare): Promise<Segment> {
    // Stale index files at this base go synchronously (ENOENT as a rule): a roll runs inside the
    // append queue, where each thread-pool round trip may queue behind fsyncs.
    for (const s of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) unlinkIfExistsSync(segmentFile(dir, base, s))
    const path = segmentFile(dir, base, LOG_SUFFIX)
    const fh = spare?.take(path) ?? await open(path, 'w+')
    return new Segment(dir, base, fh, now, maxIndexEntries)
  }

  static async openExisting(dir: string, base: number, now: number, maxIndexEntries: number): Promise<Segment> {
    const fh = await open(segmentFile(dir, base, LOG_SUFFIX), 'r+')
    const seg = new Segment(dir, base, fh, now, maxIndexEntries)
    seg.size = (await fh.stat()).size
    return seg
  }

  /** Records a batch just written at `position` in the in-memory indexes. */
  onBatch(base: number, last: number, maxTs: number, position: number, size: number, indexInterval: number): void {
    if (maxTs > this.maxTimestamp) this.maxTimestamp = maxTs
    if (this.bytesSinceIndex > indexInterval) {
      this.index.append(base, position)
      this.timeIndex.maybeAppend(this.maxTimestamp, last)
      this.bytesSinceIndex = 0
    }
    this.bytesSinceIndex += size
    this.nextOffset = last + 1
    this.indexDirty = true
  }

  /** Same as onBatch for every batch in `buf`, which was written at file position `position`. */
  onBatches(buf: Buffer, position: number, indexInterval: number): void {
    let pos = 0
    while (pos < buf.length) {
      const size = batchSize(buf, pos)
      const base = batchBase(buf, pos)
      this.onBatch(base, base + lastOffsetDelta(buf, pos), batchMaxTs(buf, pos), position + pos, size, indexInterval)
      pos += size
    }
  }

  /**
   * Loads index files; false when missing or implausible (caller rebuilds by scanning). The last
   * offset index entry must point at a batch with that base offset.
   */
  async loadIndexes(): Promise<boolean> {
    try {
      const [ib, tb] = await Promise.all([
        readFile(segmentFile(this.dir, this.baseOffset, INDEX_SUFFIX)),
        readFile(segmentFile(this.dir, this.baseOffset, TIME_INDEX_SUFFIX)),
      ])
      const index = OffsetIndex.fromBuffer(this.baseOffset, this.maxIndexEntries, ib, this.size)
      const timeIndex = TimeIndex.fromBuffer(this.baseOffset, tb)
      if (!index || !timeIndex) return false
      if (index.entries > 0) {
        const head = await readAt(this.fh, index.lastPosition, 12)
        if (head.length < 12 || batchBase(head, 0) !== index.lastOffset) return false
      }
      this.index = index
      this.timeIndex = timeIndex
      this.maxTimestamp = timeIndex.lastTimestamp
      this.indexDirty = false
      return true
    } catch (e) {
      if (isNotFound(e)) return false
      throw e
    }
  }

  /**
   * Scans from `position` (0 or an indexed batch) to the end, adding index entries for what it
   * finds. Returns where the sound data ends; the caller decides whether to truncate.
   */
  async scanFrom(
    position: number,
    indexInterval: number,
    expectedNext: number,
    upperBound = Infinity,
  ): Promise<ScanResult> {
    if (position === 0) {
      this.index.clear()
      this.timeIndex.clear()
      this.maxTimestamp = -1
    }
    this.bytesSinceIndex = position === 0 ? 0 : indexInterval + 1
    let first = position !== 0
    const res = await scanSegment(this.fh, position, this.size, this.baseOffset, expectedNext, (b) => {
      if (first) {
        // The indexed batch itself already has its entry.
        first = false
        this.bytesSinceIndex = 0
        if (b.maxTimestamp > this.maxTimestamp) this.maxTimestamp = b.maxTimestamp
        this.bytesSinceIndex += b.size
        this.nextOffset = b.lastOffset + 1
        return
      }
      this.onBatch(b.baseOffset, b.lastOffset, b.maxTimestamp, b.position, b.size, indexInterval)
    }, upperBound)
    if (res.validEnd === position) this.nextOffset = Math.max(this.nextOffset, expectedNext)
    return res
  }

  /** Cuts the file at `position` (a batch boundary) and drops index entries past it. */
  async truncateToPosition(position: number, nextOffset: number): Promise<void> {
    await this.fh.truncate(position)
    this.size = position
    this.index.truncateToPosition(position)
    this.timeIndex.truncateTo(nextOffset)
    this.nextOffset = nextOffset
    this.indexDirty = true
  }

  /**
   * After truncation: recomputes the largest timestamp and the last offset from the indexes and a
   * scan of the few batches after the last index entry.
   */
  async refreshTail(indexInterval: number): Promise<void> {
    this.maxTimestamp = this.timeIndex.lastTimestamp
    if (this.index.entries === 0) await this.scanFrom(0, indexInterval, this.baseOffset)
    else await this.scanFrom(this.index.lastPosition, indexInterval, this.index.lastOffset)
  }

  /**
   * Writes whole batches (`bytes` in all, offsets stamped) at the end of the file, then publishes
   * them: index entries, `size` and `nextOffset` change together, synchronously, after the write.
   */
  async append(bufs: Buffer[], bytes: number, indexInterval: number): Promise<void> {
    const position = this.size
    let written = 0
    // One writev per ~1 MiB: a group of large batches written in one multi-MiB call measured
    // markedly slower here than the same bytes in 1 MiB calls (one fsync still covers the group).
    for (let i = 0; i < bufs.length; ) {
      let j = i
      let partBytes = 0
      while (j < bufs.length && j - i < WRITEV_MAX && (j === i || partBytes + bufs[j]!.length <= WRITEV_BYTES)) {
        partBytes += bufs[j++]!.length
      }
      const part = i === 0 && j === bufs.length ? bufs : bufs.slice(i, j)
      // Parts of up to WRITEV_BYTES are written on the event loop (see writeSync); a single larger
      // batch goes through the thread pool so the loop is never blocked for long.
      let done = partBytes <= WRITEV_BYTES
        ? this.writeSync(part, position + written)
        : (await this.fh.writev(part, position + written)).bytesWritten
      while (done < partBytes) {
        // Short write (rare on regular files): finish it in one piece.
        const rest = Buffer.concat(part).subarray(done)
        done += (await this.fh.write(rest, 0, rest.length, position + written + done)).bytesWritten
      }
      written += partBytes
      i = j
    }
    let pos = position
    for (const b of bufs) {
      this.onBatches(b, pos, indexInterval)
      pos += b.length
    }
    this.size = position + bytes
  }

  /**
   * Whole batches from the one holding `offset`: up to `maxBytes` (the first one even if larger),
   * none whose last offset is >= `maxOffset`. Empty when no batch at or after `offset` is in this
   * segment; undefined when the first such batch lies at or beyond `maxOffset`. `slack` is read
   * beyond maxBytes so that the index lookup's distance to `offset` rarely needs a second read.
   */
  async readBatches(
    offset: number,
    maxBytes: number,
    maxOffset: number,
    slack: number,
    allocate: ((size: number) => Buffer) | undefined,
  ): Promise<Buffer | undefined> {
    this.acquire()
    try {
      const end = this.size
      let pos = this.index.lookup(offset)
      while (pos < end) {
        let buf = await this.read(pos, Math.min(end - pos, Math.max(maxBytes, 65536) + slack), allocate)
        let off = 0
        // Skip batches that end before `offset`.
        while (off + RECORD_BATCH_OVERHEAD <= buf.length && batchBase(buf, off) + lastOffsetDelta(buf, off) < offset) {
          off += batchSize(buf, off)
        }
        if (off + RECORD_BATCH_OVERHEAD > buf.length) {
          if (off === 0) return Buffer.alloc(0)
          pos += off
          continue
        }
        const firstSize = batchSize(buf, off)
        if (batchBase(buf, off) + lastOffsetDelta(buf, off) >= maxOffset) return undefined
        let bufPos = pos
        if (off + firstSize > buf.length) {
          bufPos = pos + off
          buf = await this.read(bufPos, Math.max(firstSize, maxBytes), allocate)
          off = 0
          if (buf.length < firstSize) return Buffer.alloc(0)
        }
        const start = off
        const limit = Math.min(buf.length, start + Math.max(firstSize, maxBytes))
        off += firstSize
        // When no batch of this segment can reach maxOffset, jump over whole batches with the
        // offset index (its positions are batch starts) instead of walking every header.
        if (maxOffset >= this.nextOffset) {
          const jump = this.index.floorPosition(bufPos + limit) - bufPos
          if (jump > off) off = jump
        }
        while (off + RECORD_BATCH_OVERHEAD <= limit) {
          const size = batchSize(buf, off)
          if (off + size > limit) break
          if (batchBase(buf, off) + lastOffsetDelta(buf, off) >= maxOffset) break
          off += size
        }
        return buf.subarray(start, off)
      }
      return Buffer.alloc(0)
    } finally {
      this.release()
    }
  }

  /**
   * The first batch whose max timestamp is >= `timestamp` and whose last offset is >= `minOffset()`
   * (the log start offset, read as the scan goes: it may move meanwhile).
   */
  async findByTimestamp(timestamp: number, minOffset: () => number): Promise<TimestampOffset | undefined> {
    const startOffset = this.timeIndex.startOffsetFor(timestamp)
    this.acquire()
    try {
      let found: TimestampOffset | undefined
      await scanSegment(this.fh, this.index.lookup(startOffset), this.size, this.baseOffset, this.baseOffset, (b) => {
        if (b.lastOffset >= startOffset && b.maxTimestamp >= timestamp && b.lastOffset >= minOffset()) {
          found = { offset: b.baseOffset, timestamp: b.maxTimestamp }
          return true
        }
        return false
      })
      return found
    } finally {
      this.release()
    }
  }

  /** Position and base offset of the batch holding `offset` (the end of the file if none). */
  async batchContaining(offset: number): Promise<{ position: number; baseOffset: number }> {
    let position = this.size
    let baseOffset = this.nextOffset
    this.acquire()
    try {
      await scanSegment(this.fh, this.index.lookup(offset), this.size, this.baseOffset, this.baseOffset, (b) => {
        if (b.lastOffset >= offset) {
          position = b.position
          baseOffset = b.baseOffset
          return true
        }
        return false
      })
    } finally {
      this.release()
    }
    return { position, baseOffset }
  }

  /** Reads up to `length` bytes at `position` (fewer at the end of the file) into `allocate(n)` or a new buffer. */
  async read(position: number, length: number, allocate?: (size: number) => Buffer): Promise<Buffer> {
    const n = Math.max(0, Math.min(length, this.size - position))
    return readAt(this.fh, position, n, n > 0 && allocate ? allocate(n) : undefined)
  }

  /**
   * Writes `bufs` at `position` on the calling thread; returns the bytes written (may be short).
   * For up to ~1 MiB this page-cache copy costs less than a thread-pool round trip (the bench
   * measured 10-30 % less broker CPU per MB); fsync stays asynchronous.
   */
  writeSync(bufs: Buffer[], position: number): number {
    return writevSync(this.fh.fd, bufs, position)
  }

  async flush(): Promise<void> {
    await this.fh.datasync()
  }

  /** Writes both index files (whole) and fsyncs them; a final time entry records the segment maximum. */
  async persistIndexes(): Promise<void> {
    if (!this.indexDirty) return
    const last = Math.max(this.nextOffset - 1, this.baseOffset)
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, last)
    for (const [suffix, data] of [
      [INDEX_SUFFIX, this.index.toBuffer()],
      [TIME_INDEX_SUFFIX, this.timeIndex.toBuffer()],
    ] as const) {
      const fh = await open(segmentFile(this.dir, this.baseOffset, suffix), 'w')
      try {
        await fh.writeFile(data)
        await fh.sync()
      } finally {
        await fh.close()
      }
    }
    this.indexDirty = false
  }

  /** Readers hold the file open across awaits; closing waits for them. */
  acquire(): void {
    this.readers++
  }
  release(): void {
    if (--this.readers === 0 && this.closing) for (const w of this.closeWaiters.splice(0)) w()
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.readers > 0) await new Promise<void>((r) => this.closeWaiters.push(r))
    await this.fh.close().catch(() => {})
  }

  /** Renames every file of the segment with `suffix` appended (e.g. `.deleted`). */
  async renameAll(suffix: string): Promise<void> {
    for (const s of SEGMENT_SUFFIXES) {
      try {
        await rename(segmentFile(this.dir, this.baseOffset, s), segmentFile(this.dir, this.baseOffset, s + suffix))
      } catch (e) {
        if (!isNotFound(e)) throw e
      }
    }
  }

  static async deleteFiles(dir: string, base: number, extraSuffix = ''): Promise<void> {
    for (const s of SEGMENT_SUFFIXES) await unlinkIfExists(segmentFile(dir, base, s + extraSuffix))
  }
}
