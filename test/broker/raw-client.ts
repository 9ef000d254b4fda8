// A raw TCP Kafka client for broker tests: send arbitrary bytes (valid frames or garbage), read
// response frames, and observe when the broker closes the connection. Requests are encoded with
// the generated codecs, as a real client would.
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { ConnectionOptions } from 'node:tls'
import { Reader, Writer } from '../../src/protocol/primitives/index.ts'
import { API_SPECS } from '../../src/protocol/generated/api-keys.ts'
import { encodeRequestHeader, decodeResponseHeader } from '../../src/protocol/generated/headers.ts'

export class RawClient {
  readonly socket: Socket
  // Chunks as they arrived; joined only when a frame is read (joining on every chunk is quadratic
  // when megabytes of responses queue up).
  private chunks: Buffer[] = []
  private bufferedBytes = 0
  private waiters: (() => void)[] = []
  private ended = false
  /** Resolves when the broker (or we) closed the connection. */
  readonly closed: Promise<void>

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d)
      this.bufferedBytes += d.length
      this.wake()
    })
    socket.on('error', () => {})
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.ended = true
      this.wake()
      resolve()
    }))
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /** `localAddress`: the source address (any 127.x.y.z on Linux loopback, to be another IP). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, localAddress }, () => resolve(new RawClient(s)))
      s.once('error', reject)
    })
  }

  /** A TLS connection (resolves once the handshake is done; rejects if it fails). */
  static connectTls(port: number, opts: ConnectionOptions = {}, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ port, host, ...opts }, () => resolve(new RawClient(s)))
      s.once('error', reject)
    })
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** The next response frame (without size prefix); rejects if the connection closes first or on timeout. */
  async readFrame(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const frame = this.takeFrame()
      if (frame) return frame
      if (this.ended) throw new Error('connection closed')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('timed out waiting for a response')
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  private takeFrame(): Buffer | null {
    if (this.bufferedBytes < 4) return null
    if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)]
    const size = this.chunks[0]!.readInt32BE(0)
    if (this.bufferedBytes < 4 + size) return null
    if (this.chunks[0]!.length < 4 + size) {
      // Join just enough chunks to hold the frame.
      let n = 0
      let bytes = 0
      while (bytes < 4 + size) bytes += this.chunks[n++]!.length
      this.chunks.splice(0, n, Buffer.concat(this.chunks.slice(0, n), bytes))
    }
    const head = this.chunks[0]!
    const frame = head.subarray(4, 4 + size)
    if (head.length === 4 + size) this.chunks.shift()
    else this.chunks[0] = head.subarray(4 + size)
    this.bufferedBytes -= 4 + size
    return frame
  }

  /** Resolves true if the connection closes within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const result = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms) }),
    ])
    clearTimeout(timer)
    return result
  }

  destroy(): void {
    this.socket.destroy()
  }
}

/** A complete request frame (size prefix included) for `apiKey` at `version`. */
export function requestFrame(apiKey: number, version: number, correlationId: number, body: unknown, clientId: string | null = 'raw-test'): Buffer {
  const spec = API_SPECS[apiKey]
  const w = new Writer(128)
  w.int32(0)
  encodeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId }, spec.requestHeaderVersion(version))
  spec.encodeRequest(w, body, version)
  w.patchInt32(0, w.length - 4)
  return w.finish()
}

/** Decodes a response frame of `apiKey` at `version`: correlation id and body. */
export function decodeResponseFrame<T>(apiKey: number, version: number, frame: Buffer): { correlationId: number, body: T } {
  const spec = API_SPECS[apiKey]
  const r = new Reader(frame)
  const h = decodeResponseHeader(r, spec.responseHeaderVersion(version))
  const body = spec.decodeResponse(r, version) as T
  if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after the ${spec.name} v${version} response`)
  return { correlationId: h.correlationId, body }
}
