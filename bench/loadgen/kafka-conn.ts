// A minimal pipelined Kafka client connection for the load generator: requests are encoded with
// the generated codecs (header + body, records referenced by the Writer and sent with writev),
// many may be in flight, and responses come back in request order (Kafka answers a connection's
// requests in order), so a FIFO of pending callbacks is all the correlation needed.
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import type { SaslAuthenticateResponse } from '../../src/protocol/generated/messages/sasl-authenticate.ts'
import type { SaslHandshakeResponse } from '../../src/protocol/generated/messages/sasl-handshake.ts'
import type { ConnSecurity } from './jobs.ts'
import { Reader, Writer } from '../../src/protocol/primitives/index.ts'
import { API_SPECS } from '../../src/protocol/generated/api-keys.ts'
import { decodeResponseHeader, encodeRequestHeader } from '../../src/protocol/generated/headers.ts'

interface Pending {
  apiKey: number
  version: number
  correlationId: number
  resolve: (body: unknown) => void
  reject: (err: Error) => void
}

/** Record payloads of at least this size are referenced by the Writer, not copied. */
const ZERO_COPY = 8 * 1024

export class KafkaConn {
  private readonly socket: Socket
  private readonly pending: Pending[] = []
  private head = 0
  private nextCorrelation = 1
  private chunks: Buffer[] = []
  private buffered = 0
  private failure: Error | null = null
  /**
   * With `reuseFrames`, a response that spans socket reads is assembled in one scratch buffer
   * reused for the next such response (as a client's receive buffer is), instead of a fresh
   * allocation each time. Only safe when a response is fully processed before the next one
   * arrives: one request in flight, nothing retained (the consumer).
   */
  reuseFrames = false
  private scratch: Buffer = Buffer.alloc(0)

  private constructor(socket: Socket, private readonly clientId: string) {
    this.socket = socket
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (err) => this.failAll(err))
    socket.on('close', () => this.failAll(new Error('connection closed')))
  }

  /** With `security`: TLS to a SASL_SSL listener, then SASL/PLAIN (SaslHandshake v1 + SaslAuthenticate). */
  static async open(host: string, port: number, clientId = 'samsa-bench', security?: ConnSecurity): Promise<KafkaConn> {
    if (!security) return KafkaConn.openPlain(host, port, clientId)
    const conn = await new Promise<KafkaConn>((resolve, reject) => {
      const socket = tlsConnect({ host, port, ca: security.ca, servername: 'localhost' }, () => {
        socket.removeListener('error', reject)
        resolve(new KafkaConn(socket, clientId))
      })
      socket.once('error', reject)
    })
    const hs = await conn.send<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })
    if (hs.errorCode !== 0) throw new Error(`SaslHandshake: error ${hs.errorCode}`)
    const auth = await conn.send<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2,
      { authBytes: Buffer.from(`\u0000${security.username}\u0000${security.password}`) })
    if (auth.errorCode !== 0) throw new Error(`SaslAuthenticate: error ${auth.errorCode} ${auth.errorMessage ?? ''}`)
    return conn
  }

  private static openPlain(host: string, port: number, clientId: string): Promise<KafkaConn> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port })
      socket.once('connect', () => {
        socket.removeListener('error', reject)
        resolve(new KafkaConn(socket, clientId))
      })
      socket.once('error', reject)
    })
  }

  get inFlight(): number {
    return this.pending.length - this.head
  }

  /** True when the socket's send buffer is full: wait for `drain` before writing more. */
  get needsDrain(): boolean {
    return this.socket.writableNeedDrain
  }

  onceDrain(fn: () => void): void {
    this.socket.once('drain', fn)
  }

  /** Sends one request; resolves with the decoded response body (null for acks=0 produce). */
  send<Res>(apiKey: number, version: number, body: unknown, expectResponse = true): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure)
    const spec = API_SPECS[apiKey]!
    const correlationId = this.nextCorrelation++
    const w = new Writer(256, ZERO_COPY)
    w.int32(0)
    encodeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.clientId },
      spec.requestHeaderVersion(version))
    spec.encodeRequest(w, body, version)
    w.patchInt32(0, w.length - 4)
    const out = w.finishChunks()
    const socket = this.socket
    if (out.length === 1) socket.write(out[0]!)
    else {
      socket.cork()
      for (const b of out) socket.write(b)
      socket.uncork()
    }
    if (!expectResponse) return Promise.resolve(null as Res)
    return new Promise<Res>((resolve, reject) => {
      this.pending.push({ apiKey, version, correlationId, resolve: resolve as (b: unknown) => void, reject })
    })
  }

  close(): void {
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    while (this.buffered >= 4) {
      let first = this.chunks[0]!
      if (first.length < 4) {
        first = Buffer.concat(this.chunks)
        this.chunks = [first]
      }
      const size = first.readInt32BE(0)
      if (this.buffered < size + 4) return
      let frame: Buffer
      if (first.length >= size + 4) {
        frame = first.subarray(4, size + 4)
        if (first.length === size + 4) this.chunks.shift()
        else this.chunks[0] = first.subarray(size + 4)
      } else {
        // The frame spans chunks: copy it out once.
        if (this.reuseFrames) {
          frame = this.assemble(size)
        } else {
          const all = Buffer.concat(this.chunks, this.buffered)
          frame = all.subarray(4, size + 4)
          this.chunks = all.length > size + 4 ? [all.subarray(size + 4)] : []
        }
      }
      this.buffered -= size + 4
      this.onFrame(frame)
    }
  }

  /** Copies the frame of `size` bytes (after its 4-byte prefix) into the scratch buffer. */
  private assemble(size: number): Buffer {
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.max(size, this.scratch.length * 2))
    const frame = this.scratch.subarray(0, size)
    let skip = 4
    let at = 0
    while (at < size) {
      const c = this.chunks[0]!
      const take = Math.min(c.length - skip, size - at)
      c.copy(frame, at, skip, skip + take)
      at += take
      if (skip + take === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(skip + take)
      skip = 0
    }
    return frame
  }

  private onFrame(frame: Buffer): void {
    const p = this.pending[this.head]
    if (!p) return this.failAll(new Error('response without a request'))
    this.pending[this.head++] = undefined as unknown as Pending
    if (this.head === this.pending.length) {
      this.pending.length = 0
      this.head = 0
    } else if (this.head > 4096) {
      this.pending.splice(0, this.head)
      this.head = 0
    }
    const spec = API_SPECS[p.apiKey]!
    try {
      const r = new Reader(frame)
      const h = decodeResponseHeader(r, spec.responseHeaderVersion(p.version))
      if (h.correlationId !== p.correlationId) throw new Error(`correlation id ${h.correlationId}, expected ${p.correlationId}`)
      p.resolve(spec.decodeResponse(r, p.version))
    } catch (err) {
      p.reject(err as Error)
    }
  }

  private failAll(err: Error): void {
    if (this.failure) return
    this.failure = err
    for (let i = this.head; i < this.pending.length; i++) this.pending[i]!.reject(err)
    this.pending.length = 0
    this.head = 0
  }
}
