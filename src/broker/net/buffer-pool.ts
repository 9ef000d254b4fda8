// A pool of large buffers in size classes (multiples of 16 KiB from 64 KiB to 16 MiB + 64 KiB), for buffers
// whose end of use is known: fetch reads (read-buffers.ts) and produce request frames (connection.ts).
// Reusing them keeps V8's external memory steady; every fresh off-heap buffer counts towards the
// ~64 MB after which V8 starts a major GC.

/**
 * Size classes: multiples of STEP from MIN_CLASS to MAX_CLASS; larger buffers are not pooled.
 * The requests are few distinct sizes (a fetch reads max.partition.fetch.bytes plus a little; a
 * produce frame is batch.size plus headers), so fine classes waste little and still get reused.
 */
const STEP = 16 * 1024
const MIN_CLASS = 64 * 1024
// A read of max.partition.fetch.bytes takes the log's read slack (16 KiB) and the lease's room on
// top: samsa/client's default 8 MiB fetches read 8 MiB + 17 KiB, so the largest class must be
// above a power of two, or every such read is fresh memory (page faults, external-memory GCs).
const MAX_CLASS = 16 * 1024 * 1024 + 64 * 1024

function classOf(size: number): number {
  return Math.max(MIN_CLASS, Math.ceil(size / STEP) * STEP)
}

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>()
  private pooledBytes = 0

  /** `maxBytes`: most bytes kept idle in the pool (buffers out on loan are not counted). */
  constructor(readonly maxBytes: number) {}

  get idleBytes(): number {
    return this.pooledBytes
  }

  /** A buffer of at least `size` bytes (its whole length belongs to the caller until `put`). */
  take(size: number): Buffer {
    if (size > MAX_CLASS) return Buffer.allocUnsafeSlow(size)
    const c = classOf(size)
    const list = this.free.get(c)
    const buf = list?.pop()
    if (buf) {
      this.pooledBytes -= buf.length
      return buf
    }
    return Buffer.allocUnsafeSlow(c)
  }

  /** Returns a buffer from `take`; nothing may use it afterwards. */
  put(buf: Buffer): void {
    if (buf.length > MAX_CLASS || buf.length !== classOf(buf.length)) return
    if (this.pooledBytes + buf.length > this.maxBytes) return
    let list = this.free.get(buf.length)
    if (!list) this.free.set(buf.length, (list = []))
    list.push(buf)
    this.pooledBytes += buf.length
  }
}
