// One TCP (or TLS) connection to one broker. Requests are encoded with the generated codecs and
// pipelined: many may be in flight, and since a broker answers a connection's requests in order,
// a FIFO of pending requests is the whole correlation table (the correlation id is still checked).
// The first request is ApiVersions, which fixes the version of every later request. A request
// that outlives its timeout closes the connection: later responses cannot overtake it.
import { connect as netConnect } from 'node:net'
import type { Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { Reader, Writer } from '../../protocol/primitives/index.ts'
import { API_SPECS, ApiKey } from '../../protocol/generated/api-keys.ts'
import { decodeResponseHeader, encodeRequestHeader } from '../../protocol/generated/headers.ts'
import type { ApiVersionsResponse } from '../../protocol/generated/messages/api-versions.ts'
import { ConnectionError, KafkaError, RequestTimeoutError } from '../errors.ts'
import { FrameReceiver } from '../../protocol/framing/frame-receiver.ts'
import { ApiVersionTable } from './versions.ts'
import { authenticate } from './sasl.ts'
import type { SaslOptions } from './sasl.ts'
import { CLIENT_VERSION } from '../version.ts'
import { requestChannel } from '../diagnostics.ts'
import type { RequestMessage } from '../diagnostics.ts'

/** Record payloads at least this large are sent by reference (writev), not copied. */
const ZERO_COPY_BYTES = 16 * 1024
/** Larger response sizes are a protocol error (a corrupt size would otherwise allocate GBs). */
const MAX_FRAME_BYTES = 512 * 1024 * 1024


export interface ConnectionOptions {
  host: string
  port: number
  clientId: string
  connectTimeoutMs: number
  requestTimeoutMs: number
  tls?: TlsOptions | boolean
  sasl?: SaslOptions
  /** The owning client's diagnosticsId, for the request channel. */
  diagnosticsId?: number
}

export interface RequestOptions {
  /** Overrides the negotiated version (used by ApiVersions itself and by tests). */
  version?: number
  /** Extra time on top of request.timeout.ms (a Fetch long poll's max wait). */
  extraTimeoutMs?: number
  /** acks=0 produce: the broker sends nothing back. */
  noResponse?: boolean
}

interface Pending {
  apiKey: number
  version: number
  correlationId: number
  sentAt: number
  deadline: number
  resolve: (body: unknown) => void
  reject: (err: Error) => void
}

export class Connection {
  versions: ApiVersionTable | null = null
  private readonly pending: Pending[] = []
  private head = 0
  private nextCorrelationId = 1
  private failure: Error | null = null
  private readonly timer: NodeJS.Timeout
  private readonly closeListeners: ((err: Error) => void)[] = []
  readonly address: string

  private constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
    reads: Reads,
  ) {
    this.address = `${options.host}:${options.port}`
    reads.connection = this
    socket.setNoDelay(true)
    socket.on('error', (err) => this.fail(new ConnectionError(`${this.address}: ${err.message}`, { cause: err })))
    socket.on('close', () => this.fail(new ConnectionError(`${this.address}: connection closed`)))
    // One coarse timer per connection instead of one per request.
    this.timer = setInterval(() => this.checkTimeouts(), Math.min(250, Math.max(10, options.requestTimeoutMs / 4)))
    this.timer.unref()
  }

  /** Connects, negotiates API versions and authenticates; rejects with ConnectionError. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const reads = new Reads()
    const socket = await openSocket(options, reads)
    const conn = new Connection(socket, options, reads)
    try {
      await conn.negotiate()
      if (options.sasl) await authenticate(conn, options.sasl)
    } catch (err) {
      conn.close()
      throw err
    }
    return conn
  }

  get closed(): boolean {
    return this.failure !== null
  }

  get inFlight(): number {
    return this.pending.length - this.head
  }

  /** Called once when the connection fails or is closed. */
  onClose(fn: (err: Error) => void): void {
    if (this.failure) fn(this.failure)
    else this.closeListeners.push(fn)
  }

  version(apiKey: number): number {
    return this.versions!.version(apiKey)
  }

  /** Sends a request and resolves with the decoded response body. */
  request<Res>(apiKey: number, body: unknown, opts: RequestOptions = {}): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure)
    const spec = API_SPECS[apiKey]!
    const correlationId = this.nextCorrelationId
    let version: number
    let out: Buffer[]
    try {
      version = opts.version ?? this.versions!.version(apiKey)
      const w = new Writer(512, ZERO_COPY_BYTES)
      w.int32(0)
      encodeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.options.clientId },
        spec.requestHeaderVersion(version))
      spec.encodeRequest(w, body, version)
      w.patchInt32(0, w.length - 4)
      out = w.finishChunks()
    } catch (err) {
      return Promise.reject(err as Error)
    }
    this.nextCorrelationId = (correlationId + 1) & 0x7fffffff
    if (out.length === 1) this.socket.write(out[0]!)
    else {
      this.socket.cork()
      for (const b of out) this.socket.write(b)
      this.socket.uncork()
    }
    if (opts.noResponse) return Promise.resolve(null as Res)
    const now = Date.now()
    return new Promise<Res>((resolve, reject) => {
      this.pending.push({
        apiKey, version, correlationId, sentAt: now,
        deadline: now + this.options.requestTimeoutMs + (opts.extraTimeoutMs ?? 0),
        resolve: resolve as (b: unknown) => void, reject,
      })
    })
  }

  /** True when the socket's send buffer is over its high-water mark. */
  get congested(): boolean {
    return this.socket.writableNeedDrain
  }

  close(): void {
    this.fail(new ConnectionError(`${this.address}: connection closed by the client`))
  }

  private async negotiate(): Promise<void> {
    const body = { clientSoftwareName: 'samsa-client', clientSoftwareVersion: CLIENT_VERSION, clusterId: null, nodeId: -1 }
    let res = await this.request<ApiVersionsResponse>(ApiKey.ApiVersions, body, { version: 3 })
    // A broker older than v3 answers UNSUPPORTED_VERSION with its range in a v0 body.
    if (res.errorCode === 35) res = await this.request<ApiVersionsResponse>(ApiKey.ApiVersions, body, { version: 0 })
    if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { api: 'ApiVersions' })
    this.versions = new ApiVersionTable(res)
  }

  /** A response frame (without its size prefix), in its own buffer. */
  onFrame(frame: Buffer): void {
    const p = this.pending[this.head]
    if (p === undefined) return this.fail(new ConnectionError(`${this.address}: a response arrived with no request waiting`))
    this.pending[this.head++] = undefined as unknown as Pending
    if (this.head === this.pending.length) {
      this.pending.length = 0
      this.head = 0
    } else if (this.head >= 1024) {
      this.pending.splice(0, this.head)
      this.head = 0
    }
    const spec = API_SPECS[p.apiKey]!
    let body: unknown
    try {
      const r = new Reader(frame)
      const h = decodeResponseHeader(r, spec.responseHeaderVersion(p.version))
      if (h.correlationId !== p.correlationId) {
        throw new Error(`correlation id ${h.correlationId} where ${p.correlationId} was expected`)
      }
      body = spec.decodeResponse(r, p.version)
    } catch (err) {
      const e = new ConnectionError(`${this.address}: undecodable ${spec.name} v${p.version} response: ${(err as Error).message}`, { cause: err })
      p.reject(e)
      return this.fail(e)
    }
    if (requestChannel.hasSubscribers) {
      const m: RequestMessage = {
        client: this.options.diagnosticsId ?? 0, clientId: this.options.clientId, broker: this.address, apiKey: p.apiKey, apiName: spec.name,
        version: p.version, correlationId: p.correlationId, size: frame.length, sentAt: p.sentAt, durationMs: Date.now() - p.sentAt,
      }
      requestChannel.publish(m)
    }
    p.resolve(body)
  }

  private checkTimeouts(): void {
    const p = this.pending[this.head]
    if (p === undefined || Date.now() < p.deadline) return
    const name = API_SPECS[p.apiKey]!.name
    const err = new RequestTimeoutError(`${this.address}: no ${name} response within ${p.deadline - p.sentAt} ms`)
    p.reject(err)
    this.pending[this.head++] = undefined as unknown as Pending
    this.fail(new ConnectionError(`${this.address}: closed after a ${name} request timed out`, { cause: err }))
  }

  fail(err: Error): void {
    if (this.failure) return
    this.failure = err
    clearInterval(this.timer)
    this.socket.destroy()
    const pending = this.pending
    for (let i = this.head; i < pending.length; i++) pending[i]!.reject(err)
    pending.length = 0
    this.head = 0
    for (const fn of this.closeListeners.splice(0)) fn(err)
  }
}

/**
 * The socket reads responses straight into their own buffers (node's `onread`, FrameReceiver): a
 * fetch response costs the kernel's copy only, where 'data' events gave a fresh 64 KiB buffer (TLS:
 * 16 KiB) per read to be gathered into the frame with a second copy.
 */
class Reads {
  connection: Connection | undefined
  private readonly receiver = new FrameReceiver((frame) => this.connection?.onFrame(frame), MAX_FRAME_BYTES, false)
  readonly onread = {
    buffer: (): Buffer => this.receiver.nextBuffer(),
    callback: (n: number, buf: Uint8Array): boolean => {
      try {
        this.receiver.received(n, buf)
        return true
      } catch (err) {
        const c = this.connection
        c?.fail(new ConnectionError(`${c.address}: bad frame from the broker: ${(err as Error).message}`, { cause: err }))
        return false
      }
    },
  }
}

function openSocket(o: ConnectionOptions, reads: Reads): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const useTls = o.tls !== undefined && o.tls !== false
    const onread = reads.onread
    // (node's types list `onread` for net.connect only; tls.connect takes it the same way)
    const socket: Socket = useTls
      ? tlsConnect({ host: o.host, port: o.port, servername: o.host, ...(o.tls === true ? {} : o.tls as TlsOptions), onread } as TlsOptions)
      : netConnect({ host: o.host, port: o.port, onread })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new ConnectionError(`${o.host}:${o.port}: connect timed out after ${o.connectTimeoutMs} ms`))
    }, o.connectTimeoutMs)
    socket.once(useTls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', (err) => {
      clearTimeout(timer)
      reject(new ConnectionError(`${o.host}:${o.port}: ${err.message}`, { cause: err }))
    })
  })
}
