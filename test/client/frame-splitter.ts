// (The test proxy's framing; samsa/client itself reads through src/protocol/framing/frame-receiver.ts.)
// Splits a TCP byte stream into Kafka frames (int32 size + payload) without concatenating chunks
// per read: a frame that lies inside one chunk is a zero-copy subarray of it; only a frame that
// spans chunks is copied, once, into a buffer of exactly its size.

export class FrameSplitter {
  private chunks: Buffer[] = []
  private buffered = 0

  constructor(
    private readonly onFrame: (frame: Buffer) => void,
    /** Frames larger than this are a protocol error (a corrupt size would otherwise allocate GBs). */
    private readonly maxFrameBytes = 512 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    if (this.buffered === 0) {
      // Fast path: frames lying wholly in this chunk are handed out as views.
      let pos = 0
      while (chunk.length - pos >= 4) {
        const size = chunk.readInt32BE(pos)
        this.checkSize(size)
        if (chunk.length - pos - 4 < size) break
        this.onFrame(chunk.subarray(pos + 4, pos + 4 + size))
        pos += 4 + size
      }
      if (pos === chunk.length) return
      chunk = chunk.subarray(pos)
    }
    this.chunks.push(chunk)
    this.buffered += chunk.length
    this.drain()
  }

  private drain(): void {
    while (this.buffered >= 4) {
      const size = this.peekSize()
      this.checkSize(size)
      if (this.buffered < 4 + size) return
      const first = this.chunks[0]!
      if (first.length >= 4 + size) {
        this.onFrame(first.subarray(4, 4 + size))
        this.consume(4 + size)
      } else {
        const frame = Buffer.allocUnsafe(size)
        this.consume(4)
        let at = 0
        while (at < size) {
          const c = this.chunks[0]!
          const take = Math.min(c.length, size - at)
          c.copy(frame, at, 0, take)
          at += take
          this.consume(take)
        }
        this.onFrame(frame)
      }
    }
  }

  private peekSize(): number {
    const first = this.chunks[0]!
    if (first.length >= 4) return first.readInt32BE(0)
    const head = Buffer.allocUnsafe(4)
    let at = 0
    for (const c of this.chunks) {
      const take = Math.min(c.length, 4 - at)
      c.copy(head, at, 0, take)
      at += take
      if (at === 4) break
    }
    return head.readInt32BE(0)
  }

  /** Drops `n` bytes from the front of the queue. */
  private consume(n: number): void {
    this.buffered -= n
    while (n > 0) {
      const c = this.chunks[0]!
      if (c.length <= n) {
        this.chunks.shift()
        n -= c.length
      } else {
        this.chunks[0] = c.subarray(n)
        n = 0
      }
    }
  }

  private checkSize(size: number): void {
    if (size < 0 || size > this.maxFrameBytes) throw new RangeError(`frame size ${size} is outside 0..${this.maxFrameBytes}`)
  }
}
