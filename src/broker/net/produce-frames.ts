// Produce request frames that span socket reads are copied into pooled buffers and given back
// when the request completes and nothing holds their bytes any more (connection.ts,
// FrameRecycling; PooledFrame counts the holders). Safe for Produce only: its path keeps no view
// of the request once the appends are done except through the frame's hold (storage's tail
// cache keeps a leader's appended batches for its followers' fetches, and each fetch response
// that carries them holds them until written); other APIs' state may hold views of their frames
// (e.g. group member metadata), so their frames are never recycled.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { BufferPool } from './buffer-pool.ts'
import type { FrameRecycling } from './connection.ts'
import type { BufferHold } from '../../storage/index.ts'

/** Idle produce frame buffers kept per broker. */
const POOL_BYTES = 64 * 1024 * 1024

export function produceFrameRecycling(): FrameRecycling {
  const pool = new BufferPool(POOL_BYTES)
  return {
    take: (size) => pool.take(size),
    put: (buf) => pool.put(buf),
    recyclable: (apiKey) => apiKey === ApiKey.Produce,
  }
}

/**
 * A pooled request frame's reference count. The request itself is the first reference (released
 * when it completes); storage's tail cache and fetch responses that carry its bytes add theirs.
 * The buffer goes back to the pool with the last release, never before.
 */
export class PooledFrame implements BufferHold {
  private refs = 1
  constructor(private readonly frame: Buffer, private readonly recycling: FrameRecycling) {}

  retain(): void {
    this.refs++
  }

  release(): void {
    if (this.refs <= 0) return
    if (--this.refs === 0) this.recycling.put(Buffer.from(this.frame.buffer))
  }
}
