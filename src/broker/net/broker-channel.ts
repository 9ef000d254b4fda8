// One client connection from this broker to another (Kafka's NetworkClient for inter-broker
// traffic: replica fetches, OffsetForLeaderEpoch). Requests are encoded with the generated codecs,
// pipelined, and matched to responses by correlation id. Any socket error, close or request
// timeout fails every pending request and closes the channel: the caller reconnects.
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { Reader, Writer } from '../../protocol/primitives/index.ts'
import { API_SPECS } from '../../protocol/generated/api-keys.ts'
import { decodeResponseHeader, encodeRequestHeader } from '../../protocol/generated/headers.ts'

interface Pending {
  readonly apiKey: number
  readonly version: number
  readonly resolve: (body: unknown) => void
  readonly reject: (err: Error) => void
  readonly timer: NodeJS.Timeout
}

export class ChannelClosedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ChannelClosedError'
  }
}

export class BrokerChannel {
  private readonly pending = new Map<number, Pending>()
  private nextCorrelation = 1
  private chunks: Buffer[] = []
  private buffered = 0
  private failure: Error | undefined

  private constructor(private readonly socket: Socket, private readonly clientId: string) {
    socket.setNoDelay(true)
    socket.on('data', (d: Buffer) => this.onData(d))
    socket.on('error', (err) => this.fail(new ChannelClosedError(`connection failed: ${err.message}`)))
    socket.on('close', () => this.fail(new ChannelClosedError('connection closed')))
  }

  /** Connects within `timeoutMs`. */
  static connect(host: string, port: number, clientId: string, timeoutMs: number): Promise<BrokerChannel> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new ChannelClosedError(`connecting to ${host}:${port} timed out`))
      }, timeoutMs)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        resolve(new BrokerChannel(socket, clientId))
      })
      socket.once('error', (err) => {
        clearTimeout(timer)
        reject(new ChannelClosedError(`connecting to ${host}:${port} failed: ${err.message}`))
      })
    })
  }

  get isOpen(): boolean {
    return this.failure === undefined
  }

  /** Sends one request; resolves with the decoded response body. */
  send<Res>(apiKey: number, version: number, body: unknown, timeoutMs: number): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure)
    const spec = API_SPECS[apiKey]!
    const correlationId = this.nextCorrelation++
    const w = new Writer(256)
    w.int32(0)
    encodeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.clientId }, spec.requestHeaderVersion(version))
    spec.encodeRequest(w, body, version)
    w.patchInt32(0, w.length - 4)
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new ChannelClosedError(`${spec.name} request timed out after ${timeoutMs} ms`)), timeoutMs)
      this.pending.set(correlationId, { apiKey, version, resolve: resolve as (b: unknown) => void, reject, timer })
      this.socket.write(w.finish())
    })
  }

  private onData(d: Buffer): void {
    this.chunks.push(d)
    this.buffered += d.length
    for (;;) {
      if (this.buffered < 4) return
      if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)]
      const size = this.chunks[0]!.readInt32BE(0)
      if (this.buffered < 4 + size) return
      if (this.chunks[0]!.length < 4 + size) this.chunks = [Buffer.concat(this.chunks)]
      const head = this.chunks[0]!
      const frame = head.subarray(4, 4 + size)
      if (head.length === 4 + size) this.chunks.shift()
      else this.chunks[0] = head.subarray(4 + size)
      this.buffered -= 4 + size
      this.onFrame(frame)
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0)
    const p = this.pending.get(correlationId)
    if (!p) return this.fail(new ChannelClosedError(`response with unknown correlation id ${correlationId}`))
    this.pending.delete(correlationId)
    clearTimeout(p.timer)
    try {
      const spec = API_SPECS[p.apiKey]!
      const r = new Reader(frame)
      decodeResponseHeader(r, spec.responseHeaderVersion(p.version))
      p.resolve(spec.decodeResponse(r, p.version))
    } catch (err) {
      p.reject(err as Error)
    }
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err
    this.socket.destroy()
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(this.failure)
    }
    this.pending.clear()
  }

  close(): void {
    this.fail(new ChannelClosedError('channel closed'))
  }
}
