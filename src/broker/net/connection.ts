// One client connection: frames in, responses out in request order. Requests may finish out of
// order (a long-polling fetch behind a produce), so each gets a slot in a FIFO; a slot is written
// when it and every slot before it are done. A request without a response (acks=0 produce) frees
// its slot without writing. Reading pauses while too many request bytes or requests are in
// flight, or while the socket's send buffer is full, so a flood cannot grow memory.
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import { FrameReader, FrameSizeError } from './frame-reader.ts'
import type { FrameCopies } from './frame-reader.ts'
import { FrameAssembler } from './frame-assembler.ts'
import { SHARED, readIntoSharedBuffer, readIntoTargets } from './socket-reads.ts'
import { writeMerged, writeOneByOne } from './tls-writes.ts'
import type { Outgoing } from './tls-writes.ts'
import { RequestBudget } from './request-budget.ts'
import type { BudgetWaiter } from './request-budget.ts'
import type { LogLimiter } from './log-limiter.ts'
import { PooledFrame } from './produce-frames.ts'

/**
 * What a request produced: the response frame as buffers (size prefix included), or null for none.
 * `onWritten` runs once the socket has taken every buffer of the frame (or failed): buffers
 * borrowed from a pool go back then.
 */
export type FrameResult = (Buffer[] & { onWritten?: () => void }) | null

/**
 * Handles one request frame (body without size prefix). May answer synchronously. Throwing or
 * rejecting means the request was unacceptable: the connection is closed.
 */
export type FrameHandler = (frame: Buffer, conn: Connection) => FrameResult | Promise<FrameResult>

export interface ConnectionLimits {
  /** socket.request.max.bytes */
  readonly maxFrameBytes: number
  /** queued.max.request.bytes (per connection; < 0 = unbounded) */
  readonly maxInFlightBytes: number
  /** queued.max.requests (per connection) */
  readonly maxInFlightRequests: number
  /** connections.max.idle.ms (< 0 = never) */
  readonly idleMs: number
  /**
   * How long a client that half-closed waits for answers still in flight (default 10 s). Kafka
   * closes at once; Samsa answers what is quick, but a parked request (a JoinGroup waiting for a
   * rebalance) must not hold the socket of a client that is gone.
   */
  readonly halfClosedGraceMs?: number
}

const HALF_CLOSED_GRACE_MS = 10_000

/**
 * Request frames copied out of socket chunks into pooled buffers, for APIs whose handlers keep no
 * view of the request once it completes (Produce: storage writes the records and caches only
 * copies). Every off-heap allocation counts towards V8's external memory, which starts a major
 * GC per ~64 MB: a fresh buffer per produce request was half of that traffic.
 */
export interface FrameRecycling extends FrameCopies {
  /** Takes back a buffer from `take` (the whole buffer: `Buffer.from(frame.buffer)`). */
  put(buf: Buffer): void
}

interface Slot {
  done: boolean
  result: FrameResult
  bytes: number
  /** The request frame, when it lives in a pooled buffer to give back once nothing holds it. */
  pooled: PooledFrame | null
}

const UNBOUNDED = new RequestBudget(-1)

export class Connection implements BudgetWaiter {
  readonly id: number
  readonly socket: Socket
  readonly remote: string
  /** Per-connection state handlers may keep (e.g. SASL progress, client software name). */
  readonly attributes = new Map<string, unknown>()
  private reader: FrameReader | FrameAssembler
  private readonly slots: Slot[] = []
  private slotHead = 0
  private inFlightBytes = 0
  private closed = false
  private pausedForLimits = false
  private pausedForDrain = false
  private pausedForBudget = false
  /** Muted by a client quota (Kafka's channel throttling): nothing is read until unmuted. */
  private pausedForQuota = false
  /** One request at a time, as Kafka's channels (a client under a quota: a pipeline would outrun its throttle). */
  private serial = false
  /** The client half-closed its side; close ours once everything it sent is answered. */
  private peerEnded = false
  /** Budget bytes reserved for a frame whose body is still arriving (moves to its slot when complete). */
  private reserved = 0
  private draining: (() => void) | null = null
  /**
   * Whether we paused reading. Tracked here, not read back from socket.isPaused(): with reads into
   * the shared buffer, node's stream state and the handle's reading state can disagree.
   */
  private readPaused = false
  /** TLS: the responses of one flush, written by writeMerged. */
  private tlsOut: Outgoing[] | null = null
  private readonly handler: FrameHandler
  private readonly limits: ConnectionLimits
  private readonly log: Logger
  private readonly onClose: (conn: Connection) => void
  private readonly budget: RequestBudget
  private readonly limiter: LogLimiter | undefined

  constructor(id: number, socket: Socket, handler: FrameHandler, limits: ConnectionLimits, log: Logger,
    onClose: (conn: Connection) => void, budget: RequestBudget = UNBOUNDED, limiter?: LogLimiter,
    private readonly recycling?: FrameRecycling) {
    this.id = id
    this.socket = socket
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`
    this.handler = handler
    this.limits = limits
    this.log = log
    this.onClose = onClose
    this.budget = budget
    this.limiter = limiter
    this.reader = new FrameReader(limits.maxFrameBytes, recycling)
    socket.setNoDelay(true)
    if (limits.idleMs > 0) socket.setTimeout(limits.idleMs)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('timeout', () => this.onIdle())
    socket.on('drain', () => this.onDrain())
    socket.on('error', (err) => this.close(`socket error: ${err.message}`, 'debug'))
    socket.on('close', () => this.finalize())
    socket.on('end', () => this.onEnd())
    // Bytes are read into a shared buffer and copied straight into their frames (socket-reads.ts):
    // no Buffer per read (for TLS one per record) nor chunk queue. Measured: broker CPU per MB of
    // produce 2.43 -> 1.78 ms plaintext, about -35% over SASL_SSL.
    const assembler = new FrameAssembler(limits.maxFrameBytes, recycling)
    const encrypted = (socket as { encrypted?: boolean }).encrypted === true
    // Over TLS each record is decrypted straight into its frame (socket-reads.ts, readIntoTargets).
    const switched = encrypted
      ? readIntoTargets(socket, () => assembler.readTarget(SHARED), (n, buf) => this.onBytesAt(n, buf))
      : readIntoSharedBuffer(socket, (bytes) => this.onBytes(bytes))
    if (switched) this.reader = assembler
    if (encrypted) {
      // Large buffers are encrypted where they lie, not gathered into a fresh copy (tls-writes.ts).
      writeOneByOne(socket)
      this.tlsOut = []
    }
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Requests read but not yet answered. */
  get inFlightRequests(): number {
    return this.slots.length - this.slotHead
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return
    if (this.reader instanceof FrameReader) this.reader.push(chunk)
    this.readFrames()
  }

  /** Reads into the shared buffer: `bytes` must be taken (copied) before returning. */
  private onBytes(bytes: Buffer): void {
    // A paused socket in this mode can be restarted by node's stream internals (a resume's
    // deferred read(0) reaching _read after we paused again): stop it again.
    if (this.readPaused) this.socket.pause()
    if (this.closed || this.draining) return
    if (this.reader instanceof FrameAssembler) this.reader.received(bytes)
    this.readFrames()
  }

  /** Reads into the targets the assembler names: `n` bytes at the start of `buf`. */
  private onBytesAt(n: number, buf: Buffer): void {
    if (this.readPaused) this.socket.pause()
    if (this.closed || this.draining) return
    if (this.reader instanceof FrameAssembler) this.reader.receivedAt(n, buf)
    this.readFrames()
  }

  private readFrames(): void {
    while (!this.closed && !this.pausedForLimits && !this.pausedForDrain && !this.pausedForBudget && !this.pausedForQuota && !this.draining) {
      let frame: Buffer | null
      try {
        frame = this.reader.next()
      } catch (err) {
        if (err instanceof FrameSizeError) this.close(err.message)
        else this.close(`frame error: ${(err as Error).message}`)
        return
      }
      if (frame === null) {
        this.reservePartial()
        return
      }
      this.dispatch(frame, this.reader.lastFramePooled)
    }
  }

  /**
   * Like Kafka's memory pool: the bytes of a frame still arriving count against the broker-wide
   * budget from the moment its size is known, and its body is not read while the budget is
   * exhausted — so many connections announcing large frames cannot exhaust memory.
   */
  private reservePartial(): void {
    const need = this.reader.pendingFrameBytes
    if (need < 0 || this.reserved > 0 || this.pausedForBudget) return
    if (this.budget.exhausted) {
      this.pausedForBudget = true
      this.budget.wait(this)
      this.pauseReading()
      return
    }
    this.budget.acquire(need)
    this.reserved = need
  }

  /** The pooled frame being dispatched (read by the request context while the handler starts). */
  dispatchingHold: PooledFrame | undefined = undefined

  private dispatch(frame: Buffer, pooled: boolean): void {
    const hold = pooled ? new PooledFrame(frame, this.recycling!) : null
    const slot: Slot = { done: false, result: null, bytes: frame.length + 4, pooled: hold }
    this.slots.push(slot)
    this.inFlightBytes += slot.bytes
    if (this.reserved > 0) this.reserved = 0 // the reservation was exactly this frame's size
    else this.budget.acquire(slot.bytes)
    let out: FrameResult | Promise<FrameResult>
    this.dispatchingHold = hold ?? undefined
    try {
      out = this.handler(frame, this)
    } catch (err) {
      this.fail(err)
      return
    } finally {
      this.dispatchingHold = undefined
    }
    if (out instanceof Promise) {
      out.then((result) => this.complete(slot, result, true), (err: unknown) => this.fail(err))
    } else {
      this.complete(slot, out, false)
    }
    this.checkLimits()
  }

  /**
   * `later`: the result came from a promise. Answers that settle in the same tick (a group commit
   * acknowledges many produces at once) are then written together in one writev at the end of it;
   * synchronous answers are written at once, so the read loop sees send-buffer back-pressure.
   */
  private complete(slot: Slot, result: FrameResult, later: boolean): void {
    // The handler is done with its request: a pooled frame goes back (even if the connection
    // closed) once the tail cache and fetch responses holding its bytes are done too.
    if (slot.pooled) {
      slot.pooled.release()
      slot.pooled = null
    }
    if (this.closed) return
    slot.done = true
    slot.result = result
    if (this.slots[this.slotHead] !== slot) return
    if (!later) this.flush()
    else if (!this.flushQueued) {
      this.flushQueued = true
      process.nextTick(this.queuedFlush)
    }
  }

  private flushQueued = false
  private readonly queuedFlush = (): void => {
    this.flushQueued = false
    if (!this.closed) this.flush()
  }

  /** Writes every finished response at the head of the queue, in request order. */
  private flush(): void {
    const socket = this.socket
    let corked = false
    while (this.slotHead < this.slots.length) {
      const slot = this.slots[this.slotHead]
      if (!slot.done) break
      this.slotHead++
      this.inFlightBytes -= slot.bytes
      this.budget.release(slot.bytes)
      const bufs = slot.result
      if (bufs !== null && this.tlsOut !== null) {
        this.tlsOut.push({ bufs, onWritten: bufs.onWritten })
      } else if (bufs !== null) {
        if (!corked) {
          socket.cork()
          corked = true
        }
        const last = bufs.length - 1
        for (let i = 0; i < last; i++) socket.write(bufs[i])
        if (last >= 0) socket.write(bufs[last], bufs.onWritten)
      }
    }
    if (this.slotHead === this.slots.length) {
      this.slots.length = 0
      this.slotHead = 0
    } else if (this.slotHead >= 1024) {
      this.slots.splice(0, this.slotHead)
      this.slotHead = 0
    }
    if (corked) socket.uncork()
    if (this.tlsOut !== null && this.tlsOut.length > 0) {
      writeMerged(socket, this.tlsOut)
      this.tlsOut.length = 0
    }
    // Back-pressure only while bytes wait in the stream: a write the kernel took whole still sets
    // needDrain (above highWaterMark), and pausing then costs a read-interest round trip (two
    // epoll_ctl calls) per large response for nothing.
    if (socket.writableNeedDrain && socket.writableLength > 0) this.pausedForDrain = true
    this.checkLimits()
    if (this.draining && this.inFlightRequests === 0) this.draining()
    else if (this.peerEnded) this.finishHalfClose()
  }

  private overLimits(): boolean {
    const { maxInFlightBytes, maxInFlightRequests } = this.limits
    if ((maxInFlightBytes >= 0 && this.inFlightBytes > maxInFlightBytes) || this.inFlightRequests >= maxInFlightRequests) return true
    if (this.serial && this.inFlightRequests > 0) return true
    // Broker-wide bound; a connection with nothing in flight may always take one frame.
    if (this.budget.exhausted && this.inFlightRequests > 0) {
      this.budget.wait(this)
      return true
    }
    return false
  }

  budgetAvailable(): void {
    this.pausedForBudget = false
    this.checkLimits()
    // Not paused by anything else: take the reservation the partial frame was waiting for.
    if (!this.closed && !this.readPaused) this.readFrames()
  }

  /** Pauses or resumes reading to keep in-flight work and unsent output bounded. */
  private checkLimits(): void {
    if (this.closed) return
    const over = this.overLimits()
    if (over && !this.pausedForLimits) {
      this.pausedForLimits = true
    } else if (!over && this.pausedForLimits) {
      this.pausedForLimits = false
    }
    const shouldPause = this.pausedForLimits || this.pausedForDrain || this.pausedForBudget || this.pausedForQuota
    if (shouldPause && !this.readPaused) this.pauseReading()
    else if (!shouldPause && this.readPaused && !this.draining) {
      this.resumeReading()
      // Frames that arrived before the pause are still queued in the reader.
      this.readFrames()
    }
  }

  private pauseReading(): void {
    this.readPaused = true
    this.socket.pause()
  }

  private resumeReading(): void {
    this.readPaused = false
    this.socket.resume()
  }

  get oneAtATime(): boolean {
    return this.serial
  }

  /** From now on, the next request is read only once the previous one is answered. */
  serialize(): void {
    this.serial = true
  }

  /** Stops reading requests (a client over its quota) until `unmute`; answers still go out. */
  mute(): void {
    if (this.pausedForQuota) return
    this.pausedForQuota = true
    this.checkLimits()
  }

  unmute(): void {
    if (!this.pausedForQuota) return
    this.pausedForQuota = false
    this.checkLimits()
  }

  private onDrain(): void {
    if (!this.pausedForDrain) return
    this.pausedForDrain = false
    this.checkLimits()
  }

  private onIdle(): void {
    if (this.peerEnded) {
      this.close(`half-closed by the client; ${this.inFlightRequests} requests not answered in time`, 'debug')
      return
    }
    if (this.inFlightRequests > 0) return
    this.close(`idle for more than ${this.limits.idleMs} ms`, 'info')
  }

  private onEnd(): void {
    // The client half-closed: answer every request it sent (some may still wait in the reader
    // behind the in-flight limits), then close.
    this.peerEnded = true
    this.finishHalfClose()
    if (!this.closed) this.socket.setTimeout(this.limits.halfClosedGraceMs ?? HALF_CLOSED_GRACE_MS)
  }

  private finishHalfClose(): void {
    if (!this.peerEnded || this.closed || this.inFlightRequests > 0) return
    this.readFrames()
    if (this.inFlightRequests === 0 && !this.closed) this.end()
  }

  /**
   * Stops reading new requests and resolves once every in-flight request has been answered
   * (used by broker shutdown). The socket stays open; call close() or end afterwards.
   */
  drain(): Promise<void> {
    if (this.closed || this.inFlightRequests === 0) {
      this.pauseReading()
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.pauseReading()
      this.draining = () => {
        this.draining = null
        resolve()
      }
    })
  }

  /**
   * Graceful end: flushes written responses, sends FIN, and keeps reading (and discarding) so the
   * client's own FIN is seen and the socket closes as soon as the client closes its side. A paused
   * socket would not see it (shutdown pauses every connection to drain it), and would wait for
   * the timeout below; destroying at once instead could reset the connection (unread input makes
   * the kernel send RST) and lose the responses still on their way.
   */
  end(): void {
    if (this.closed) return
    this.closed = true
    this.socket.end()
    // Through resumeReading: with shared-buffer reads, onBytes re-pauses a socket still marked
    // paused, and requests that arrived while draining would stop it before the client's FIN.
    this.resumeReading()
    // A client that never closes or does not read: give up after a while.
    this.socket.setTimeout(5000, () => this.socket.destroy())
  }

  /** A rejected request: one log line (with the stack when our own code failed, i.e. a cause is attached). */
  private fail(err: unknown): void {
    if (this.closed) return
    // Answers that finished before this request still go out, as when they were written at once.
    if (this.flushQueued) this.flush()
    const message = (err as Error)?.message ?? String(err)
    const cause = (err as { cause?: unknown })?.cause
    if (cause !== undefined) {
      this.log.error({ conn: this.id, remote: this.remote, err: cause }, `closing connection: ${message}`)
      this.close(message, 'silent')
    } else {
      this.close(message)
    }
  }

  /** Closes the connection at once with one log line (bad input, handler failure, idle). */
  close(reason: string, level: 'warn' | 'info' | 'debug' | 'silent' = 'warn'): void {
    if (this.closed) return
    this.closed = true
    if (level === 'silent') {
      // already logged by the caller
    } else if (this.limiter && level !== 'debug') {
      this.limiter[level]({ conn: this.id, remote: this.remote }, `closing connection: ${reason}`)
    } else {
      this.log[level]({ conn: this.id, remote: this.remote }, `closing connection: ${reason}`)
    }
    this.socket.destroy()
    this.finalize()
  }

  private finalized = false

  private finalize(): void {
    if (this.finalized) return
    this.finalized = true
    this.closed = true
    const draining = this.draining
    this.budget.release(this.inFlightBytes + this.reserved)
    this.reserved = 0
    this.budget.cancel(this)
    this.slots.length = 0
    this.slotHead = 0
    this.inFlightBytes = 0
    // Requests still parked (a JoinGroup) keep this object: not the socket chunks queued in it.
    this.reader.clear()
    if (draining) draining()
    this.onClose(this)
  }
}
