// Request frames (int32 size + body) assembled from bytes that are only valid during the call
// that hands them over: a socket that reads into one buffer shared by every connection
// (socket-reads.ts). Each frame gets a buffer of its own as soon as its size (and API key) is known,
// as Kafka's NetworkReceive allocates on the size prefix, and every later read is copied straight
// into it: one copy per byte, no chunk queue, no allocation per read. Complete frames wait in
// order until the connection takes them (it may be paused while a read is still being delivered).
// A TLS socket can skip that copy: it decrypts into `readTarget`, the rest of the frame itself.
import { FrameSizeError } from './frame-reader.ts'
import type { FrameCopies } from './frame-reader.ts'

/** Frames smaller than this are not worth pooling (as FrameReader). */
const POOL_MIN = 16 * 1024

export class FrameAssembler {
  private readonly ready: Buffer[] = []
  private readonly readyPooled: boolean[] = []
  private readyHead = 0
  /** The size prefix and API key of the frame being started (they may arrive split). */
  private readonly header = Buffer.alloc(6)
  private headerLen = 0
  /** Body size of the frame being received, or -1 before its prefix has arrived. */
  private size = -1
  private frame: Buffer | null = null
  private framePooled = false
  private filled = 0
  private error: Error | null = null
  /** The frame `next` returned last lives in a buffer from `copies`. */
  lastFramePooled = false

  constructor(private readonly maxFrameBytes: number, private readonly copies?: FrameCopies) {}

  /** Size (prefix included) of a frame whose prefix has arrived but whose body has not, else -1. */
  get pendingFrameBytes(): number {
    return this.size < 0 ? -1 : this.size + 4
  }

  /** Takes `bytes` (valid only during this call): complete frames are queued for `next`. */
  received(bytes: Buffer): void {
    if (this.error) return
    let pos = 0
    const end = bytes.length
    while (pos < end) {
      if (this.frame !== null) {
        const take = Math.min(end - pos, this.size - this.filled)
        bytes.copy(this.frame, this.filled, pos, pos + take)
        this.filled += take
        pos += take
        if (this.filled === this.size) this.complete()
        continue
      }
      // A frame starting whole in these bytes (the common case for small requests): one copy out.
      if (this.headerLen === 0 && end - pos >= 6) {
        const size = bytes.readInt32BE(pos)
        if (!this.checkSize(size)) return
        this.start(size, bytes.readInt16BE(pos + 4))
        pos += 4
        if (size === 0) this.complete()
        continue
      }
      // A prefix split across reads: gather it.
      const want = this.headerLen < 4 ? 4 : Math.min(6, 4 + this.size)
      const take = Math.min(end - pos, want - this.headerLen)
      bytes.copy(this.header, this.headerLen, pos, pos + take)
      this.headerLen += take
      pos += take
      if (this.headerLen === 4 && this.size < 0) {
        const size = this.header.readInt32BE(0)
        if (!this.checkSize(size)) return
        this.size = size
      }
      if (this.size >= 0 && this.headerLen === Math.min(6, 4 + this.size)) {
        const apiKey = this.size >= 2 ? this.header.readInt16BE(4) : -1
        const size = this.size
        const have = this.headerLen - 4
        this.headerLen = 0
        this.start(size, apiKey)
        this.header.copy(this.frame!, 0, 4, 4 + have)
        this.filled = have
        if (this.filled === size) this.complete()
      }
    }
  }

  /**
   * Where the next read may go: the unfilled rest of the frame being received, else `scratch`
   * (whose bytes `receivedAt` then copies out).
   */
  readTarget(scratch: Buffer): Buffer {
    return this.frame !== null ? this.frame.subarray(this.filled) : scratch
  }

  /** `n` bytes arrived at the start of `buf`, a buffer `readTarget` returned. */
  receivedAt(n: number, buf: Buffer): void {
    const frame = this.frame
    if (frame !== null && !this.error && buf.buffer === frame.buffer && buf.byteOffset === frame.byteOffset + this.filled) {
      this.filled += n
      if (this.filled === this.size) this.complete()
      return
    }
    this.received(buf.subarray(0, n))
  }

  /** The next complete frame body (without its size prefix), or null. Throws a bad size. */
  next(): Buffer | null {
    if (this.readyHead === this.ready.length) {
      if (this.error) throw this.error
      return null
    }
    const frame = this.ready[this.readyHead]!
    this.lastFramePooled = this.readyPooled[this.readyHead]!
    this.ready[this.readyHead] = EMPTY
    this.readyHead++
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0
      this.readyPooled.length = 0
      this.readyHead = 0
    }
    return frame
  }

  /** Drops everything (the connection closed). */
  clear(): void {
    this.ready.length = 0
    this.readyPooled.length = 0
    this.readyHead = 0
    this.frame = null
    this.size = -1
    this.headerLen = 0
  }

  private checkSize(size: number): boolean {
    if (size >= 0 && size <= this.maxFrameBytes) return true
    this.error = new FrameSizeError(size, this.maxFrameBytes)
    return false
  }

  private start(size: number, apiKey: number): void {
    const copies = this.copies
    this.size = size
    this.filled = 0
    this.framePooled = copies !== undefined && size >= POOL_MIN && copies.recyclable(apiKey)
    this.frame = this.framePooled ? copies!.take(size).subarray(0, size) : Buffer.allocUnsafe(size)
  }

  private complete(): void {
    this.ready.push(this.frame!)
    this.readyPooled.push(this.framePooled)
    this.frame = null
    this.size = -1
    this.filled = 0
  }
}

const EMPTY = Buffer.alloc(0)
