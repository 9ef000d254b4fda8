// A FrameHandler for listeners bound before the broker is ready (bind first, so a port in use
// fails the start before anything is written): requests that arrive early wait for the real
// handler, and fail (their connection closes) if the start fails.
import type { FrameHandler } from './connection.ts'

export class DeferredHandler {
  private target: FrameHandler | undefined
  private readonly ready: Promise<FrameHandler>
  private settle!: { resolve: (h: FrameHandler) => void, reject: (err: Error) => void }

  constructor() {
    this.ready = new Promise((resolve, reject) => { this.settle = { resolve, reject } })
    this.ready.catch(() => {}) // a failed start with no early request is not an unhandled rejection
  }

  readonly handler: FrameHandler = (frame, conn) => {
    const target = this.target
    if (target) return target(frame, conn)
    return this.ready.then((h) => h(frame, conn))
  }

  /** The broker is ready: early requests run now, later ones go straight to `target`. */
  open(target: FrameHandler): void {
    this.target = target
    this.settle.resolve(target)
  }

  /** The start failed: early requests fail and their connections close. */
  fail(reason: string): void {
    this.settle.reject(new Error(reason))
  }
}
