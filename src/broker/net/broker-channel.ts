// One client connection from this broker to another (Kafka's NetworkClient for inter-broker
// traffic: replica fetches, OffsetForLeaderEpoch). Requests are encoded with the generated codecs,
// pipelined, and matched to responses by correlation id. Any socket error, close or request
// timeout fails every pending request and closes the channel: the caller reconnects. On a secured
// inter-broker listener the channel is TLS (the server's certificate verified against the trust
// store) and/or logs in with SASL (PLAIN or SCRAM) before it is handed out. Channels receive
// responses straight into their frame buffers (frame-receiver.ts; TLS ones too); a caller done
// with a large response (a follower's fetch) may `recycle()` its memory for the next one.
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import type { ConnectionOptions } from 'node:tls'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { errorName } from '../../protocol/errors.ts'
import type { SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake.ts'
import type { SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate.ts'
import { ScramLogin } from '../security/sasl/scram-client.ts'
import { Reader, Writer } from '../../protocol/primitives/index.ts'
import { API_SPECS } from '../../protocol/generated/api-keys.ts'
import { decodeResponseHeader, encodeRequestHeader } from '../../protocol/generated/headers.ts'
import { FrameReceiver } from '../../protocol/framing/frame-receiver.ts'

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

/** How a channel secures itself (the inter-broker listener's protocol; absent: PLAINTEXT). */
export interface ChannelSecurity {
  /** TLS client options (trust store, client key store, protocol bounds, identity check). */
  readonly tls?: ConnectionOptions
  /** SASL login (sasl.mechanism.inter.broker.protocol and the listener's JAAS credentials). */
  readonly sasl?: { readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', readonly username: string, readonly password: string }
}

export class BrokerChannel {
  private readonly pending = new Map<number, Pending>()
  private nextCorrelation = 1
  private failure: Error | undefined

  private constructor(private readonly socket: Socket, private readonly clientId: string, private readonly receiver: FrameReceiver) {
    socket.setNoDelay(true)
    socket.on('error', (err) => this.fail(new ChannelClosedError(`connection failed: ${err.message}`)))
    socket.on('close', () => this.fail(new ChannelClosedError('connection closed')))
  }

  /** Connects (and with `security`, completes TLS and the SASL login) within `timeoutMs`. */
  static async connect(host: string, port: number, clientId: string, timeoutMs: number, security?: ChannelSecurity): Promise<BrokerChannel> {
    const channel = await BrokerChannel.open(host, port, clientId, timeoutMs, security?.tls)
    if (!security?.sasl) return channel
    try {
      await channel.login(security.sasl, timeoutMs)
    } catch (err) {
      channel.close()
      throw err instanceof ChannelClosedError ? err : new ChannelClosedError(`SASL login to ${host}:${port} failed: ${(err as Error).message}`)
    }
    return channel
  }

  private static open(host: string, port: number, clientId: string, timeoutMs: number, tls: ConnectionOptions | undefined): Promise<BrokerChannel> {
    return new Promise((resolve, reject) => {
      // Reads go straight into frame buffers (over TLS too: tls.connect takes `onread` as net does).
      let channel: BrokerChannel | undefined
      const receiver = new FrameReceiver((frame) => channel?.onFrame(frame))
      const onread = {
        buffer: () => receiver.nextBuffer(),
        callback: (n: number, buf: Uint8Array) => {
          try {
            receiver.received(n, buf)
            return true
          } catch (err) {
            channel?.fail(new ChannelClosedError(`bad response: ${(err as Error).message}`))
            return false
          }
        },
      }
      // (node's types list `onread` for net.connect only)
      const socket = tls ? connectTls({ ...tls, host, port, onread } as ConnectionOptions) : connect({ host, port, onread })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new ChannelClosedError(`connecting to ${host}:${port} timed out`))
      }, timeoutMs)
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        resolve(channel = new BrokerChannel(socket, clientId, receiver))
      })
      socket.once('error', (err) => {
        clearTimeout(timer)
        reject(new ChannelClosedError(`connecting to ${host}:${port} failed: ${err.message}`))
      })
    })
  }

  /** SaslHandshake v1, then the mechanism's SaslAuthenticate v2 exchange (KIP-152). */
  private async login(sasl: NonNullable<ChannelSecurity['sasl']>, timeoutMs: number): Promise<void> {
    const hs = await this.send<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, { mechanism: sasl.mechanism }, timeoutMs)
    if (hs.errorCode !== 0) throw new Error(`${errorName(hs.errorCode)} (the listener enables ${hs.mechanisms.join(', ') || 'nothing'})`)
    const step = async (authBytes: Buffer): Promise<Buffer> => {
      const r = await this.send<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2, { authBytes }, timeoutMs)
      if (r.errorCode !== 0) throw new Error(`${errorName(r.errorCode)}: ${r.errorMessage ?? ''}`)
      return r.authBytes
    }
    if (sasl.mechanism === 'PLAIN') {
      await step(Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8'))
      return
    }
    const scram = new ScramLogin(sasl.mechanism, sasl.username, sasl.password)
    scram.finish(await step(scram.respond(await step(scram.start()))))
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

  /**
   * The caller no longer references anything of the last large response (its records appended):
   * that memory may receive the next one.
   */
  recycle(): void {
    this.receiver.recycle()
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
