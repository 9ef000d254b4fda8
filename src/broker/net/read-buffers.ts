// Buffers for fetch reads from segment files, reused once the response that carried them has
// been handed to the kernel. Every off-heap allocation counts towards V8's external memory, and a
// fresh 1 MiB buffer per partition read made the consumer path start a major GC every ~64 MB
// served (and fault in new pages for each). A lease collects what one request took; the
// connection releases it from the write callback of the response's last buffer.
import type { BufferPool } from './buffer-pool.ts'

/** The buffers one request took. `release` gives them back (once; later calls do nothing). */
export class ReadBufferLease {
  private taken: Buffer[] = []
  constructor(private readonly pool: BufferPool) {}

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

/** Idle read buffers kept per broker (the broker's pool is made in broker.ts). */
export const READ_BUFFER_POOL_BYTES = 64 * 1024 * 1024
