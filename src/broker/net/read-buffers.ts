// Buffers for fetch reads from segment files, reused once the response that carried them has
// been handed to the kernel. Every off-heap allocation counts towards V8's external memory, and a
// fresh 1 MiB buffer per partition read made the consumer path start a major GC every ~64 MB
// served (and fault in new pages for each). A lease collects what one request took; the
// connection releases it from the write callback of the response's last buffer.
import type { BrokerContext } from '../context.ts'

/** Size classes are powers of two from MIN_CLASS to MAX_CLASS; larger reads are not pooled. */
const MIN_CLASS = 64 * 1024
const MAX_CLASS = 8 * 1024 * 1024

function classOf(size: number): number {
  let c = MIN_CLASS
  while (c < size) c *= 2
  return c
}

export class ReadBufferPool {
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

/** The buffers one request took. `release` gives them back (once; later calls do nothing). */
export class ReadBufferLease {
  private taken: Buffer[] = []
  constructor(private readonly pool: ReadBufferPool) {}

  readonly allocate = (size: number): Buffer => {
    const buf = this.pool.take(size)
    this.taken.push(buf)
    return buf
  }

  release(): void {
    const taken = this.taken
    this.taken = []
    for (const b of taken) this.pool.put(b)
  }
}

/** Idle read buffers kept per broker. */
const POOL_BYTES = 64 * 1024 * 1024
const pools = new WeakMap<BrokerContext, ReadBufferPool>()

export function readBufferPoolOf(broker: BrokerContext): ReadBufferPool {
  let pool = pools.get(broker)
  if (!pool) pools.set(broker, (pool = new ReadBufferPool(POOL_BYTES)))
  return pool
}
