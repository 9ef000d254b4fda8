// A minimal pipelined Kafka client connection for the load generator: requests are encoded with
// the generated codecs (header + body, records referenced by the Writer and sent with writev),
// many may be in flight, and responses come back in request order (Kafka answers a connection's
// requests in order), so a FIFO of pending callbacks is all the correlation needed.
import { connect } from 'node:net'
import type { OnReadOpts, Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { ConnectionOptions } from 'node:tls'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import type { SaslAuthenticateResponse } from '../../src/protocol/generated/messages/sasl-authenticate.ts'
import type { SaslHandshakeResponse } from '../../src/protocol/generated/messages/sasl-handshake.ts'
import type { ConnSecurity } from './jobs.ts'
import { Reader, Writer } from '../../src/protocol/primitives/index.ts'
import { API_SPECS } from '../../src/protocol/generated/api-keys.ts'
import { decodeResponseHeader, encodeRequestHeader } from '../../src/protocol/generated/headers.ts'
import { FrameReceiver } from '../../src/protocol/framing/frame-receiver.ts'

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
  private socket!: Socket
  private readonly receiver = new FrameReceiver((frame) => this.onFrame(frame))
  private readonly pending: Pending[] = []
  private head = 0
  private nextCorrelation = 1
  private failure: Error | null = null
  /**
   * With `reuseFrames`, the memory of a large response is reused for the next one once the next
   * request is sent (as a client's receive buffer is). Only safe when a response is fully
   * processed before the next request: one request in flight, nothing retained (the consumer).
   */
  reuseFrames = false

  private constructor(private readonly clientId: string) {}

  /** net's and tls's `onread`: reads go where the frame receiver says. */
  private get onread(): OnReadOpts {
    const r = this.receiver
    return {
      buffer: () => r.nextBuffer(),
      callback: (n, buf) => {
        try {
          r.received(n, buf)
          return true
        } catch (err) {
          this.failAll(err as Error)
          this.socket.destroy()
          return false
        }
      },
    }
  }

  private attach(socket: Socket): this {
    this.socket = socket
    socket.setNoDelay(true)
    socket.on('error', (err) => this.failAll(err))
    socket.on('close', () => this.failAll(new Error('connection closed')))
    return this
  }

  /** With `security`: TLS to a SASL_SSL listener, then SASL/PLAIN (SaslHandshake v1 + SaslAuthenticate). */
  static async open(host: string, port: number, clientId = 'samsa-bench', security?: ConnSecurity): Promise<KafkaConn> {
    if (!security) return KafkaConn.openPlain(host, port, clientId)
    const conn = await new Promise<KafkaConn>((resolve, reject) => {
      const c = new KafkaConn(clientId)
      const socket = tlsConnect({ host, port, ca: security.ca, servername: 'localhost', onread: c.onread } as ConnectionOptions, () => {
        socket.removeListener('error', reject)
        resolve(c.attach(socket))
      })
      socket.once('error', reject)
    })
    // Writes queued behind one in progress are written one by one, not gathered: node's TLS layer
    // copies a gathered write into a fresh buffer before encrypting it, a single buffer is
    // encrypted where it lies (so each produce request is one buffer: request-space.ts). The
    // broker's TLS connections do the same (src/broker/net/tls-writes.ts).
    ;(conn.socket as unknown as { _writev: unknown })._writev = null
    const hs = await conn.send<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })
    if (hs.errorCode !== 0) throw new Error(`SaslHandshake: error ${hs.errorCode}`)
    const auth = await conn.send<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2,
      { authBytes: Buffer.from(`\u0000${security.username}\u0000${security.password}`) })
    if (auth.errorCode !== 0) throw new Error(`SaslAuthenticate: error ${auth.errorCode} ${auth.errorMessage ?? ''}`)
    return conn
  }

  private static openPlain(host: string, port: number, clientId: string): Promise<KafkaConn> {
    return new Promise((resolve, reject) => {
      const c = new KafkaConn(clientId)
      const socket = connect({ host, port, onread: c.onread })
      socket.once('connect', () => {
        socket.removeListener('error', reject)
        resolve(c.attach(socket))
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

  /**
   * Sends one request; resolves with the decoded response body (null for acks=0 produce). `place`
   * may lay the encoded chunks out as one buffer (request-space.ts).
   */
  send<Res>(apiKey: number, version: number, body: unknown, expectResponse = true, place?: (chunks: Buffer[]) => Buffer[]): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure)
    const spec = API_SPECS[apiKey]!
    const correlationId = this.nextCorrelation++
    const w = new Writer(256, ZERO_COPY)
    w.int32(0)
    encodeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.clientId },
      spec.requestHeaderVersion(version))
    spec.encodeRequest(w, body, version)
    w.patchInt32(0, w.length - 4)
    const out = place ? place(w.finishChunks()) : w.finishChunks()
    if (this.reuseFrames) this.receiver.recycle()
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
