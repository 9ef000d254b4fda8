// Size-prefixed frames (Kafka's 4-byte length, then the message) received straight into their
// own buffers: the socket reads through `nextBuffer()` (node's `onread` option), which hands out
// the unfilled rest of the frame being received (recycling: plus room past it), so a large
// frame — a follower's fetch response, a megabyte of record batches — costs the kernel's copy
// and nothing more (no chunk list, no Buffer.concat, no fresh pages faulted in per response). Small frames and frame starts arrive in
// a scratch buffer and are copied out. A consumer done with the last large frame (nothing of it is
// referenced any more) may `recycle()` it: the next large frame reuses its memory.
import { Buffer } from 'node:buffer'

/** Reads into the scratch buffer are at most this large; frames at least this large are received in place. */
const SCRATCH_BYTES = 64 * 1024
/** Large frame buffers are allocated in multiples of this (so one fits the next response of a similar size). */
const FRAME_ROUNDING = 256 * 1024
/**
 * Frames that are not recycled are fresh memory each, and glibc hands fresh memory back to the
 * kernel whenever more than twice its mmap threshold lies free at the top of the heap; a GC frees
 * a dozen dead 8 MiB fetch responses at once, so the next ones were faulted in again page by page
 * (measured: 50-120 faults per MB received, the consumer's CPU per MB doubled). glibc raises that
 * threshold to the size of the largest mmapped block freed (up to 32 MiB): one such block, never
 * touched (so never resident), allocated and dropped before the first large frame, lets up to
 * 64 MiB of freed frames be reused. Other allocators ignore it.
 */
const MALLOC_THRESHOLD_BYTES = 32 * 1024 * 1024 - 64 * 1024
/** Frames at least this large raise the threshold first. */
const RAISE_AT_BYTES = 1024 * 1024
let thresholdRaised = false

export class FrameReceiver {
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES)
  /** Bytes at the start of `scratch` kept from the last read (an incomplete size prefix). */
  private kept = 0
  /** The frame being received in place, and how much of it has arrived. */
  private frame: Buffer | undefined
  private filled = 0
  /** Room past the end of `frame` in its own allocation that a read may fill too (see nextBuffer). */
  private slack = 0
  /** The memory of the last large frame handed out, and a recycled one ready for reuse. */
  private lastLarge: Buffer | undefined
  private spare: Buffer | undefined

  /**
   * @param onFrame told of each complete frame (without its size prefix), in order.
   * @param recycling large frames get room to spare (multiples of 256 KiB) so a recycled one fits
   *   the next; without it (a reader whose frames live on, as samsa/client's messages are views
   *   of their fetch response) each is allocated at its size.
   */
  constructor(private readonly onFrame: (frame: Buffer) => void, private readonly maxFrameBytes = 2 ** 31 - 1,
    private readonly recycling = true) {}

  /** Where the socket's next read goes. */
  nextBuffer(): Buffer {
    const f = this.frame
    if (!f) return this.scratch.subarray(this.kept)
    // The rest of the frame and, in a recycling receiver's rounded allocation, up to 64 KiB past
    // it: libuv reads until a read comes back short, so a buffer the frame's rest exactly fills
    // costs one more read that fails with EAGAIN per response; with room to spare the last read
    // comes back short (any bytes of the next frame are moved to the scratch buffer).
    return Buffer.from(f.buffer, f.byteOffset + this.filled, f.length - this.filled + this.slack)
  }

  /** The socket read `n` bytes into `buf` (the buffer `nextBuffer()` returned). */
  received(n: number, buf: Uint8Array): void {
    const frame = this.frame
    if (frame && buf.buffer === frame.buffer) {
      const extra = this.filled + n - frame.length
      if (extra < 0) {
        this.filled += n
        return
      }
      // Bytes past the frame (the next frame's start) go to the scratch buffer, empty while a
      // frame is received in place (`kept` is 0), before the frame is handed out.
      if (extra > 0) this.scratch.set(new Uint8Array(frame.buffer, frame.byteOffset + frame.length, extra))
      this.filled = frame.length
      this.deliver()
      if (extra > 0) this.received(extra, this.scratch)
      return
    }
    const end = this.kept + n
    let pos = 0
    while (end - pos >= 4) {
      const size = this.scratch.readInt32BE(pos)
      if (size < 0 || size > this.maxFrameBytes) throw new Error(`invalid frame size ${size}`)
      const have = end - pos - 4
      if (have >= size) {
        // Complete in the scratch buffer: a copy of its own (the scratch is read into again).
        const copy = Buffer.allocUnsafe(size)
        this.scratch.copy(copy, 0, pos + 4, pos + 4 + size)
        pos += 4 + size
        this.onFrame(copy)
        continue
      }
      // The start of a larger frame: the rest is read into its own buffer.
      const frame = this.frame = this.allocate(size)
      // Only a recycling receiver's own rounded allocations have room it may read into.
      this.slack = this.recycling && size >= SCRATCH_BYTES ? Math.min(SCRATCH_BYTES, frame.buffer.byteLength - frame.byteOffset - size) : 0
      this.scratch.copy(frame, 0, pos + 4, end)
      this.filled = have
      this.kept = 0
      return
    }
    // An incomplete size prefix (or nothing) stays at the start of the scratch buffer.
    this.kept = end - pos
    if (this.kept > 0 && pos > 0) this.scratch.copyWithin(0, pos, end)
  }

  /** The consumer no longer references the last large frame: its memory may take the next one. */
  recycle(): void {
    if (this.lastLarge) this.spare = this.lastLarge
    this.lastLarge = undefined
  }

  private allocate(size: number): Buffer {
    if (size < SCRATCH_BYTES) return Buffer.allocUnsafe(size)
    if (!this.recycling) {
      if (!thresholdRaised && size >= RAISE_AT_BYTES) {
        thresholdRaised = true
        Buffer.allocUnsafeSlow(MALLOC_THRESHOLD_BYTES)
      }
      return Buffer.allocUnsafeSlow(size)
    }
    const spare = this.spare
    if (spare && spare.length >= size) {
      this.spare = undefined
      return spare.subarray(0, size)
    }
    return Buffer.allocUnsafeSlow(Math.ceil(size / FRAME_ROUNDING) * FRAME_ROUNDING).subarray(0, size)
  }

  private deliver(): void {
    const frame = this.frame!
    this.frame = undefined
    this.filled = 0
    // The whole allocation (not just this frame's view) is what a recycle hands back.
    if (this.recycling && frame.length >= SCRATCH_BYTES) this.lastLarge = Buffer.from(frame.buffer, frame.byteOffset, frame.buffer.byteLength - frame.byteOffset)
    this.onFrame(frame)
  }
}
