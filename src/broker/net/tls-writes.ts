// Responses over TLS without node's gathering copy. Several buffers written at once (writev)
// reach node's TLS layer as one write, which first copies them all into a freshly allocated
// buffer and encrypts that; for a fetch response (megabytes of record batches read from segment
// files) that copy was an eighth of the broker's CPU while serving a TLS consumer. A single buffer
// is encrypted where it lies. So a TLS connection writes each large buffer on its own (the socket
// writes them one after another instead of gathering them) and merges only runs of small ones
// (headers between record batches, small responses answered in the same tick), which are cheap
// to copy and would otherwise each become a TLS record and a send of their own.
import type { Socket } from 'node:net'

/** Buffers at least this large are written as they are; smaller neighbours are merged. */
export const WRITE_ALONE_BYTES = 16 * 1024

/** The socket writes queued buffers one by one rather than gathered (node's `_writev`). */
export function writeOneByOne(socket: Socket): void {
  (socket as unknown as { _writev: unknown })._writev = null
}

/** One response's buffers and what to call once the socket has taken all of them. */
export interface Outgoing {
  readonly bufs: readonly Buffer[]
  readonly onWritten?: () => void
}

/**
 * Writes the responses in order: large buffers alone, runs of small ones merged; each response's
 * `onWritten` rides on the write that carries its last byte.
 */
export function writeMerged(socket: Socket, responses: readonly Outgoing[]): void {
  let run: Buffer[] = []
  let runBytes = 0
  let runCallbacks: (() => void)[] = []
  const flushRun = (): void => {
    if (run.length === 0) return
    const buf = run.length === 1 ? run[0]! : Buffer.concat(run, runBytes)
    socket.write(buf, callbackOf(runCallbacks))
    run = []
    runBytes = 0
    runCallbacks = []
  }
  for (const { bufs, onWritten } of responses) {
    const last = bufs.length - 1
    for (let i = 0; i <= last; i++) {
      const b = bufs[i]!
      const cb = i === last ? onWritten : undefined
      if (b.length >= WRITE_ALONE_BYTES) {
        flushRun()
        socket.write(b, cb)
      } else {
        run.push(b)
        runBytes += b.length
        if (cb) runCallbacks.push(cb)
        if (runBytes >= WRITE_ALONE_BYTES) flushRun()
      }
    }
  }
  flushRun()
}

function callbackOf(callbacks: (() => void)[]): (() => void) | undefined {
  if (callbacks.length === 0) return undefined
  if (callbacks.length === 1) return callbacks[0]
  return () => { for (const cb of callbacks) cb() }
}
