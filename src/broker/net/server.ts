// TCP listeners for the configured `listeners`. Each accepted socket becomes a Connection; the
// server enforces max.connections and, on close, stops accepting, lets every connection answer
// what it has in flight, then ends the sockets. A listener given TLS options is a node:tls server:
// its connections start once the handshake is done, and read and write plaintext like any other.
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { TlsOptions } from 'node:tls'
import type { Logger } from 'pino'
import { Connection } from './connection.ts'
import { RequestBudget } from './request-budget.ts'
import { LogLimiter } from './log-limiter.ts'
import type { ConnectionLimits, FrameHandler, FrameRecycling } from './connection.ts'
import type { ListenerAddress } from '../config/listeners.ts'

export interface BoundListener {
  readonly name: string
  /** Host as configured (empty = all interfaces). */
  readonly host: string
  /** Actual port (resolved when the config said 0). */
  readonly port: number
  readonly securityProtocol: string
}

/** A listener to bind; with `tls`, connections are TLS (SSL and SASL_SSL listeners). */
export interface ServedListener extends ListenerAddress {
  readonly tls?: TlsOptions
}

export interface NetServerOptions {
  readonly listeners: readonly ServedListener[]
  readonly handler: FrameHandler
  readonly limits: ConnectionLimits
  /** max.connections; a function so a dynamic config change applies to the next accept. */
  readonly maxConnections: number | (() => number)
  /** max.connections.per.ip */
  readonly maxConnectionsPerIp?: number | (() => number)
  readonly log: Logger
  /** Pooled copies of request frames for the APIs it names (connection.ts, FrameRecycling). */
  readonly recycling?: FrameRecycling
}

/** `localhost` is bound on both loopback families so clients reach it whichever address they try first. */
function bindHosts(host: string): (string | undefined)[] {
  if (host === '') return [undefined]
  if (host === 'localhost') return ['127.0.0.1', '::1']
  return [host]
}

/** A listener could not be bound: says which, and why in words (port in use, no permission). */
export class ListenError extends Error {
  readonly code: string | undefined

  constructor(listener: string, host: string, port: number, cause: NodeJS.ErrnoException) {
    const where = `${host.includes(':') ? `[${host}]` : host || '*'}:${port}`
    const why = cause.code === 'EADDRINUSE' ? `port ${port} is already in use (another broker or program listens there)`
      : cause.code === 'EACCES' ? `no permission to use port ${port}`
        : cause.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine`
          : cause.code === 'ENOTFOUND' || cause.code === 'EAI_AGAIN' ? `host ${host} cannot be resolved`
            : cause.message
    super(`cannot listen on ${where} (listener ${listener}): ${why}`, { cause })
    this.name = 'ListenError'
    this.code = cause.code
  }
}

function listen(server: Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    server.once('error', onError)
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError)
      const addr = server.address()
      resolve(typeof addr === 'object' && addr ? addr.port : port)
    })
  })
}

function limit(v: number | (() => number) | undefined): number {
  const n = typeof v === 'function' ? v() : v
  return n === undefined || n < 0 ? Infinity : n
}

export class NetServer {
  private readonly servers: Server[] = []
  private readonly connections = new Set<Connection>()
  private readonly perIp = new Map<string, number>()
  /**
   * TLS connections whose handshake has not completed, by remote address: a client that gives up
   * mid-handshake (it refused our certificate) leaves its half-open socket here, which would hold
   * close() until node's handshake timeout; close() destroys them.
   */
  private readonly handshaking = new Map<string, Socket>()
  private nextId = 1
  private closing = false
  readonly bound: BoundListener[] = []
  private readonly opts: NetServerOptions
  /** Request bytes in flight across every connection (queued.max.request.bytes). */
  readonly budget: RequestBudget
  private readonly limiter: LogLimiter

  constructor(opts: NetServerOptions) {
    this.opts = opts
    this.budget = new RequestBudget(opts.limits.maxInFlightBytes)
    this.limiter = new LogLimiter(opts.log)
  }

  get connectionCount(): number {
    return this.connections.size
  }

  async start(): Promise<BoundListener[]> {
    for (const l of this.opts.listeners) {
      let port = l.port
      const hosts = bindHosts(l.host)
      for (let i = 0; i < hosts.length; i++) {
        // allowHalfOpen: a client that half-closes after its last request still gets the answers in flight.
        const server = l.tls ? this.tlsServer(l.name, l.tls) : createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket, l.name))
        try {
          port = await listen(server, port, hosts[i])
        } catch (err) {
          // A second loopback family may be missing (no IPv6): the first one is enough.
          const code = (err as NodeJS.ErrnoException).code
          if (i > 0 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue
          await this.close()
          throw new ListenError(l.name, hosts[i] ?? '', port, err as NodeJS.ErrnoException)
        }
        // Only after the bind: a failed bind is the caller's one clear error, not a log line too.
        server.on('error', (err) => this.opts.log.error({ err, listener: l.name }, 'listener error'))
        this.servers.push(server)
      }
      this.bound.push({ name: l.name, host: l.host, port, securityProtocol: l.securityProtocol })
    }
    return this.bound
  }

  private tlsServer(listener: string, tls: TlsOptions): Server {
    const server = createTlsServer({ ...tls, noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket, listener))
    // A plaintext client on a TLS port, an unknown CA, a refused client certificate: the handshake
    // fails, node destroys the socket, and this is the one line about it (rate-limited).
    server.on('connection', (raw: Socket) => {
      const key = `${raw.remoteAddress}:${raw.remotePort}`
      this.handshaking.set(key, raw)
      raw.once('close', () => { if (this.handshaking.get(key) === raw) this.handshaking.delete(key) })
    })
    server.on('tlsClientError', (err, socket) => {
      this.limiter.info({ remote: `${socket.remoteAddress}:${socket.remotePort}`, listener }, `failed authentication: TLS handshake failed: ${err.message}`)
    })
    return server
  }

  private accept(socket: Socket, listener: string): void {
    this.handshaking.delete(`${socket.remoteAddress}:${socket.remotePort}`)
    if (this.closing) {
      socket.destroy()
      return
    }
    const ip = socket.remoteAddress ?? ''
    const max = limit(this.opts.maxConnections)
    const maxPerIp = limit(this.opts.maxConnectionsPerIp)
    const fromIp = this.perIp.get(ip) ?? 0
    if (this.connections.size >= max || fromIp >= maxPerIp) {
      const which = this.connections.size >= max ? `max.connections ${max}` : `max.connections.per.ip ${maxPerIp}`
      this.limiter.warn({ remote: `${ip}:${socket.remotePort}`, listener }, `refusing connection: ${which} reached`)
      socket.destroy()
      return
    }
    this.perIp.set(ip, fromIp + 1)
    const conn = new Connection(this.nextId++, socket, this.opts.handler, this.opts.limits, this.opts.log, (c) => {
      if (!this.connections.delete(c)) return
      const n = (this.perIp.get(ip) ?? 1) - 1
      if (n <= 0) this.perIp.delete(ip)
      else this.perIp.set(ip, n)
    }, this.budget, this.limiter, this.opts.recycling)
    conn.attributes.set('listener', listener)
    this.connections.add(conn)
  }

  /**
   * Stops accepting, waits (up to `graceMs`) for in-flight requests to be answered, then ends every
   * connection.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true
    for (const raw of this.handshaking.values()) raw.destroy()
    this.handshaking.clear()
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
    const conns = [...this.connections]
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs) })
    await Promise.race([Promise.all(conns.map((c) => c.drain())), grace])
    clearTimeout(timer)
    for (const c of conns) c.end()
    await closed
    this.servers.length = 0
  }
}
