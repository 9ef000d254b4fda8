// Splits a TCP byte stream into Kafka request frames (int32 size + body) without concatenating
// socket chunks on every read: chunks wait in a queue; a frame that lies inside one chunk is
// returned as a zero-copy subarray, and only a frame that spans chunks is copied, once, into a
// buffer of its exact size.

/** The size prefix is negative or larger than allowed: the connection must be closed. */
export class FrameSizeError extends Error {
  readonly size: number

  constructor(size: number, max: number) {
    super((size < 0 ? `negative frame size ${size}` : `frame size ${size} exceeds socket.request.max.bytes ${max}`) + peerHint(size))
    this.name = 'FrameSizeError'
    this.size = size
  }
}

/**
 * What a client that does not speak Kafka's protocol sent, read from the size prefix: a TLS record
 * starts 0x16 0x03 (handshake, version 3.x), HTTP with a method name.
 */
function peerHint(size: number): string {
  // Only PLAINTEXT and SASL_PLAINTEXT listeners read frames from raw bytes (TLS ones decrypt first).
  if (size >>> 16 === 0x1603) return ' (looks like a TLS client: this listener is PLAINTEXT or SASL_PLAINTEXT; TLS clients connect to an SSL or SASL_SSL listener)'
  const text = Buffer.alloc(4)
  text.writeInt32BE(size)
  if (/^(GET |POST|PUT |HEAD|PATC|DELE|OPTI)$/.test(text.toString('latin1'))) return ' (looks like an HTTP client: this port speaks the Kafka protocol)'
  return ''
}

/**
 * Where frames that span chunks are copied when their API allows it: a pool the connection gives
 * them back to once the request is complete (see FrameRecycling in connection.ts).
 */
export interface FrameCopies {
  /** A buffer of at least `size` bytes, owned by the caller until handed back. */
  take(size: number): Buffer
  /** Whether frames of this API key may be recycled when their request completes. */
  recyclable(apiKey: number): boolean
}

/** Copies smaller than this are not worth pooling. */
const POOL_MIN = 16 * 1024

export class FrameReader {
  private chunks: Buffer[] = []
  /** Index of the first unconsumed chunk in `chunks`. */
  private head = 0
  /** Bytes already consumed from chunks[head]. */
  private offset = 0
  /** Unconsumed bytes across all queued chunks. */
  private buffered = 0
  /** Size of the frame being assembled, or -1 while its prefix has not arrived. */
  private pending = -1
  private readonly maxFrameBytes: number
  private readonly copies: FrameCopies | undefined
  /** The frame `next` returned last was copied into a buffer from `copies`. */
  lastFramePooled = false

  constructor(maxFrameBytes: number, copies?: FrameCopies) {
    this.maxFrameBytes = maxFrameBytes
    this.copies = copies
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered
  }

  /** Size (prefix included) of a frame whose prefix has arrived but whose body has not, else -1. */
  get pendingFrameBytes(): number {
    return this.pending < 0 ? -1 : this.pending + 4
  }

  /** Drops every queued chunk (the connection closed). */
  clear(): void {
    this.chunks = []
    this.head = 0
    this.offset = 0
    this.buffered = 0
    this.pending = -1
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  /** The next complete frame body (without its size prefix), or null when more bytes are needed. */
  next(): Buffer | null {
    if (this.pending < 0) {
      if (this.buffered < 4) return null
      const size = this.readInt32()
      if (size < 0 || size > this.maxFrameBytes) throw new FrameSizeError(size, this.maxFrameBytes)
      this.pending = size
    }
    const size = this.pending
    if (this.buffered < size) return null
    this.pending = -1
    this.lastFramePooled = false
    return this.take(size, true)
  }

  private readInt32(): number {
    const first = this.chunks[this.head]
    if (first.length - this.offset >= 4) {
      const v = first.readInt32BE(this.offset)
      this.consume(4)
      return v
    }
    const tmp = this.take(4)
    return tmp.readInt32BE(0)
  }

  /** Removes `n` (<= buffered) bytes from the front, zero-copy when they lie in one chunk. */
  private take(n: number, frame = false): Buffer {
    const first = this.chunks[this.head]
    if (n === 0) return Buffer.alloc(0)
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n)
      this.consume(n)
      return out
    }
    let out: Buffer
    const copies = this.copies
    if (frame && copies && n >= POOL_MIN && first.length - this.offset >= 2 && copies.recyclable(first.readInt16BE(this.offset))) {
      out = copies.take(n).subarray(0, n)
      this.lastFramePooled = true
    } else {
      out = Buffer.allocUnsafe(n)
    }
    let filled = 0
    while (filled < n) {
      const chunk = this.chunks[this.head]
      const part = Math.min(chunk.length - this.offset, n - filled)
      chunk.copy(out, filled, this.offset, this.offset + part)
      filled += part
      this.consume(part)
    }
    return out
  }

  private consume(n: number): void {
    this.offset += n
    this.buffered -= n
    if (this.offset === this.chunks[this.head].length) {
      this.chunks[this.head] = EMPTY
      this.head++
      this.offset = 0
      if (this.head === this.chunks.length) {
        this.chunks.length = 0
        this.head = 0
      } else if (this.head >= 64) {
        this.chunks = this.chunks.slice(this.head)
        this.head = 0
      }
    }
  }
}

const EMPTY = Buffer.alloc(0)
