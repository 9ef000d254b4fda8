// One buffer per producer lane holding its whole Produce request: the record batches are built
// where the request carries them and the codec's small chunks around them (header and fields
// before, partition fields between, tagged fields after) are copied into the gaps left for them,
// so the request leaves as one buffer. Over TLS that matters: several buffers written at once
// reach node's TLS layer as one write that first copies them all into a fresh buffer (measured:
// a seventh of the load generator's memmove); one buffer is encrypted where it lies. As a Java
// client's SSL transport encrypts straight from its buffers. The gaps are learnt from the lane's
// previous request (the chunks' lengths do not change between requests of one job); a request
// that does not fit them is sent as its chunks, as before.

/** Room kept before the first batch until the lane's first request has told the real size. */
const FIRST_GUESS = 512

export class RequestSpace {
  private readonly buf: Buffer
  /** Lengths of the small chunks of the last request: before the first batch, after each batch. */
  private gaps: number[] | null = null
  private pos = 0
  private built: Buffer[] = []

  constructor(bytes: number) {
    this.buf = Buffer.allocUnsafeSlow(bytes + FIRST_GUESS)
  }

  /** Starts a request: its batches are built into the buffers `nextBatch` hands out, in order. */
  begin(): void {
    this.built = []
    this.pos = this.gaps?.[0] ?? FIRST_GUESS
  }

  /** Where the next batch may be built (the builder writes at its start, or allocates if too small). */
  nextBatch(): Buffer {
    return this.buf.subarray(Math.min(this.pos, this.buf.length))
  }

  /** The batch the builder returned (in the buffer of `nextBatch`, or elsewhere if that was too small). */
  add(batch: Buffer): void {
    this.built.push(batch)
    this.pos += batch.length + (this.gaps?.[this.built.length] ?? 0)
  }

  /**
   * The encoded request's chunks as one buffer when each small chunk fits the gap left for it,
   * else the chunks as they are. Either way the chunks' lengths are kept for the next request.
   */
  place(chunks: Buffer[]): Buffer[] {
    const built = this.built
    // Expected: small, batch, small, ..., batch, small (each batch referenced, not copied).
    if (chunks.length !== 2 * built.length + 1) return chunks
    const gaps: number[] = []
    let fits = true
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!
      if (i % 2 === 1) {
        const b = built[(i - 1) / 2]!
        if (c.buffer !== b.buffer || c.byteOffset !== b.byteOffset || c.length !== b.length) return chunks
        continue
      }
      gaps.push(c.length)
      const before = built[i / 2]
      const after = built[i / 2 - 1]
      if (i === 0) fits &&= before!.buffer === this.buf.buffer && before!.byteOffset - this.buf.byteOffset === c.length
      else if (before !== undefined) fits &&= before.buffer === this.buf.buffer && after!.buffer === this.buf.buffer && before.byteOffset === after!.byteOffset + after!.length + c.length
      else fits &&= after!.buffer === this.buf.buffer && after!.byteOffset + after!.length + c.length <= this.buf.byteOffset + this.buf.length
    }
    this.gaps = gaps
    if (!fits) return chunks
    let at = 0
    for (let i = 0; i < chunks.length; i += 2) {
      const c = chunks[i]!
      c.copy(this.buf, at)
      at += c.length + (i + 1 < chunks.length ? chunks[i + 1]!.length : 0)
    }
    return [this.buf.subarray(0, at)]
  }
}
