// Produce request frames that span socket reads are copied into pooled buffers and given back
// when the request completes (connection.ts, FrameRecycling). Safe for Produce only: its path
// keeps no view of the request once the appends are done (storage writes the records and its
// tail cache copies what it keeps); other APIs' state may hold views of their frames (e.g. group
// member metadata), so their frames are never recycled.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { BufferPool } from './buffer-pool.ts'
import type { FrameRecycling } from './connection.ts'

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
