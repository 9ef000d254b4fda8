// Recent appends kept in memory so that readers at the log end (consumers, and a leader's
// followers) are served without a file read: copies of small appends (up to 4 KiB each:
// low-latency producers), and larger appends by reference when their owner lends them with a
// BufferHold (the broker's pooled produce frames: no copy, and a follower fetch at the log end
// needs no thread-pool read). The file stays the source of truth: the cached bytes are the very
// buffers that were written (stamped before the write), and truncation or a segment roll drops
// the cache. Kafka relies on the page cache here; what this trades is memory held for reads
// (bounded by the budget) against a pool round trip per fetch. One shared byte budget across
// all logs (a LogManager owns it); eviction is oldest-first globally, which is also oldest-first
// within each log, so every log's cache stays a contiguous run of batches ending at its log end.
import { baseOffset, batchSize, lastOffsetDelta } from '../protocol/records/batch-header.ts'

/**
 * A reference count on bytes lent to the cache instead of copied. The lender's buffer is not
 * reused before every `retain` has been matched by a `release`; the cache retains once per cached
 * append, and each reader that receives a view of it retains once more (ReadOptions.holder).
 */
export interface BufferHold {
  retain(): void
  release(): void
}

/** Takes a hold on behalf of a reader until the reader is done with the bytes (a response written). */
export interface HoldCollector {
  keep(hold: BufferHold): void
}

export interface CachedChunk {
  /** Whole batches, exactly as written. */
  buf: Buffer
  firstOffset: number
  lastOffset: number
  owner: LogTailCache
  evicted: boolean
  /** Lent bytes (not a copy): released when the chunk leaves the cache. */
  hold: BufferHold | null
}

const NO_BYTES = Buffer.alloc(0)

export class TailCacheBudget {
  private queue: CachedChunk[] = []
  private head = 0
  used = 0
  constructor(readonly maxBytes: number) {}

  add(chunk: CachedChunk): void {
    this.queue.push(chunk)
    this.grow(chunk.buf.length)
  }

  /** A queued chunk grew by `n` bytes (small appends coalesced into it); evicts as needed. */
  grow(n: number): void {
    this.used += n
    while (this.used > this.maxBytes && this.head < this.queue.length) {
      const old = this.queue[this.head++]!
      if (!old.evicted) old.owner.evictOldest(old)
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
  }

  /** Called by an owner that drops chunks itself (truncation, close). */
  forget(chunk: CachedChunk): void {
    if (!chunk.evicted) {
      chunk.evicted = true
      this.used -= chunk.buf.length
      // The queue may reference the chunk a while longer; the bytes must not live that long.
      chunk.buf = NO_BYTES
      const hold = chunk.hold
      chunk.hold = null
      hold?.release()
    }
  }
}

/** Appends up to this size are copied into slab chunks; larger ones are not cached. */
const SMALL_APPEND = 4096
const SLAB_BYTES = 16 * 1024

export class LogTailCache {
  private chunks: CachedChunk[] = []
  private head = 0
  /**
   * The chunk small appends are being copied into. Without it, a flood of tiny appends kept one
   * chunk object (and buffer view) per append for as long as the byte budget allowed — hundreds
   * of thousands of old-generation objects whose marking paused the event loop ~10 ms every few
   * seconds (broker bench, e2e at 5,000 msg/s).
   */
  private slab: { chunk: CachedChunk; bytes: Buffer; used: number } | null = null

  constructor(private readonly budget: TailCacheBudget | undefined) {}

  /** First cached offset, or Infinity when empty. */
  get firstOffset(): number {
    return this.head < this.chunks.length ? this.chunks[this.head]!.firstOffset : Infinity
  }

  /** `hold`: `buf` is lent, not copied (a large append is cached only so); it is retained while cached. */
  add(buf: Buffer, firstOffset: number, lastOffset: number, hold?: BufferHold): void {
    if (!this.budget) return
    if (buf.length > SMALL_APPEND) {
      // Large appends are cached only when lent: keeping unpooled request buffers made every one
      // of them survive into V8's old generation, and freeing them cost the produce path a major
      // GC per ~64 MB (a quarter of the broker's CPU at 1 KiB records); copying them cost as much
      // (session 8). Lent buffers go back to their pool once released. Otherwise readers of large
      // appends read the page cache, and the cache stays contiguous by starting over.
      if (!hold) {
        this.clear()
        return
      }
      hold.retain()
      const chunk: CachedChunk = { buf, firstOffset, lastOffset, owner: this, evicted: false, hold }
      this.slab = null
      this.chunks.push(chunk)
      this.budget.add(chunk)
      return
    }
    const slab = this.slab
    if (slab && !slab.chunk.evicted && slab.used + buf.length <= slab.bytes.length && slab.chunk.lastOffset + 1 === firstOffset) {
      // Bytes below `used` never change: views handed out by read() stay valid.
      buf.copy(slab.bytes, slab.used)
      slab.used += buf.length
      slab.chunk.buf = slab.bytes.subarray(0, slab.used)
      slab.chunk.lastOffset = lastOffset
      this.budget.grow(buf.length)
      return
    }
    const bytes = Buffer.allocUnsafe(SLAB_BYTES)
    buf.copy(bytes, 0)
    const chunk: CachedChunk = { buf: bytes.subarray(0, buf.length), firstOffset, lastOffset, owner: this, evicted: false, hold: null }
    this.slab = { chunk, bytes, used: buf.length }
    this.chunks.push(chunk)
    this.budget.add(chunk)
  }

  evictOldest(chunk: CachedChunk): void {
    // Budget eviction order matches ours; anything before `chunk` has been evicted already.
    while (this.head < this.chunks.length) {
      const c = this.chunks[this.head++]!
      this.budget!.forget(c)
      if (c === chunk) break
    }
    if (this.head > 256 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
  }

  clear(): void {
    this.slab = null
    for (let i = this.head; i < this.chunks.length; i++) this.budget?.forget(this.chunks[i]!)
    this.chunks = []
    this.head = 0
  }

  /**
   * Whole batches starting with the one that contains `offset`, up to `maxBytes` (the first batch
   * always) and only batches whose last offset is < `maxOffset`. Undefined when `offset` is not cached,
   * or when the answer includes lent bytes and there is no `holder` to keep them for the reader.
   */
  read(offset: number, maxBytes: number, maxOffset: number, holder?: HoldCollector): Buffer[] | undefined {
    if (offset < this.firstOffset) return undefined
    // Binary search the chunk holding offset.
    let lo = this.head
    let hi = this.chunks.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.chunks[mid]!.lastOffset < offset) lo = mid + 1
      else hi = mid
    }
    const out: Buffer[] = []
    let bytes = 0
    let i = lo
    scan: for (; i < this.chunks.length; i++) {
      const { buf, firstOffset, lastOffset } = this.chunks[i]!
      if (firstOffset >= offset && lastOffset < maxOffset && bytes + buf.length <= maxBytes) {
        // The whole chunk qualifies: no need to look at its batches one by one.
        out.push(buf)
        bytes += buf.length
        if (bytes >= maxBytes) break
        continue
      }
      let pos = 0
      let start = -1
      while (pos < buf.length) {
        const size = batchSize(buf, pos)
        const base = baseOffset(buf, pos)
        const last = base + lastOffsetDelta(buf, pos)
        if (last >= offset) {
          if (last >= maxOffset || (bytes > 0 && bytes + size > maxBytes)) {
            if (start >= 0) out.push(buf.subarray(start, pos))
            else i--
            break scan
          }
          if (start < 0) start = pos
          bytes += size
        }
        pos += size
      }
      if (start >= 0) out.push(start === 0 ? buf : buf.subarray(start))
    }
    // Chunks lo..i (those that gave bytes) may be lent: the reader keeps each until it is done.
    const end = Math.min(i, this.chunks.length - 1)
    if (out.length > 0) {
      for (let k = lo; k <= end; k++) if (this.chunks[k]!.hold !== null && holder === undefined) return undefined
      for (let k = lo; k <= end; k++) {
        const h = this.chunks[k]!.hold
        if (h !== null) holder!.keep(h)
      }
    }
    return out
  }
}
