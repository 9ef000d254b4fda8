// Buffers for fetch reads from segment files, reused once the response that carried them has
// been handed to the kernel. Every off-heap allocation counts towards V8's external memory, and a
// fresh 1 MiB buffer per partition read made the consumer path start a major GC every ~64 MB
// served (and fault in new pages for each). A lease collects what one request took; the
// connection releases it from the write callback of the response's last buffer.
//
// Each read also gets a little free room before and after it, so the response's own bytes around
// the records (size, header and fields before them, tagged fields after) can be laid down in place
// and the frame leaves as one buffer. Over TLS every buffer is a write of its own (tls-writes.ts)
// and node completes each TLS write one event-loop turn later; a 1 MiB fetch response went out
// as three writes (header, records, trailer), now as one.
import type { BufferPool } from './buffer-pool.ts'
import type { BufferHold, HoldCollector } from '../../storage/index.ts'

/** Free bytes kept before each read (the fields before a partition's records fit easily). */
export const ROOM_BEFORE = 512
/** Free bytes kept after each read (besides whatever the size class rounds up). */
export const ROOM_AFTER = 256

/**
 * The buffers one request took, and the holds on tail-cache bytes (lent produce frames) its
 * response refers to. `release` gives them back (once; later calls do nothing).
 */
export class ReadBufferLease implements HoldCollector {
  private taken: Buffer[] = []
  private held: BufferHold[] | null = null
  constructor(private readonly pool: BufferPool) {}

  keep(hold: BufferHold): void {
    hold.retain()
    ;(this.held ??= []).push(hold)
  }

  readonly allocate = (size: number): Buffer => {
    const buf = this.pool.take(size + ROOM_BEFORE + ROOM_AFTER)
    this.taken.push(buf)
    return buf.subarray(ROOM_BEFORE, ROOM_BEFORE + size)
  }

  /**
   * The response frame `chunks` with the small chunks (at most ROOM_BEFORE bytes) next to records read into this lease's
   * buffers copied into the free room around them: small chunks before such records go just before
   * them (as many as fit), small ones after go just after, and the result is one view per records buffer. Chunks of
   * other memory are kept as they are. Only a buffer that exactly one chunk refers to is written
   * into: the bytes around that chunk are then the unused rest of its read.
   */
  frameInPlace(chunks: Buffer[]): Buffer[] {
    if (this.taken.length === 0 || chunks.length < 2) return chunks
    const out: Buffer[] = []
    /** How many chunks at the end of `out` are small ones waiting to be placed. */
    let pending = 0
    /** The last chunk of `out` is a records view that may grow into its buffer's room after it. */
    let growable = false
    for (const c of chunks) {
      if (this.owns(c, chunks)) {
        // The last small chunks that fit go into the room before the records.
        let start = c.byteOffset
        let take = 0
        let bytes = 0
        while (take < pending && bytes + out[out.length - 1 - take]!.length <= start) bytes += out[out.length - 1 - take++]!.length
        if (take > 0) {
          const ab = Buffer.from(c.buffer)
          let at = start - bytes
          for (const p of out.splice(out.length - take, take)) at += p.copy(ab, at)
          start -= bytes
        }
        out.push(Buffer.from(c.buffer, start, c.byteOffset + c.length - start))
        pending = 0
        growable = true
        continue
      }
      if (c.length > ROOM_BEFORE) {
        // Not small (records kept elsewhere): left as it is, and nothing before it moves past it.
        out.push(c)
        growable = false
        pending = 0
        continue
      }
      const last = out[out.length - 1]
      if (growable && last !== undefined && last.byteOffset + last.length + c.length <= last.buffer.byteLength) {
        c.copy(Buffer.from(last.buffer), last.byteOffset + last.length)
        out[out.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + c.length)
        continue
      }
      out.push(c)
      growable = false
      pending++
    }
    return out
  }

  /** `c` lies in a buffer of this lease and no other chunk lies in that buffer. */
  private owns(c: Buffer, chunks: readonly Buffer[]): boolean {
    if (!this.taken.some((t) => t.buffer === c.buffer)) return false
    for (const o of chunks) if (o !== c && o.buffer === c.buffer) return false
    return true
  }

  release(): void {
    const taken = this.taken
    this.taken = []
    for (const b of taken) this.pool.put(b)
    const held = this.held
    this.held = null
    if (held !== null) for (const h of held) h.release()
  }
}

/** Idle read buffers kept per broker (the broker's pool is made in broker.ts). */
export const READ_BUFFER_POOL_BYTES = 64 * 1024 * 1024
