// TCP listeners for the configured `listeners`. Each new socket passes the accept gate (Kafka's
// connection quotas: max.connections, creation rates, per-IP limits; accept-gate.ts) and then
// becomes a Connection; on close the server stops accepting, lets every connection answer what it
// has in flight, then ends the sockets. A TLS listener hands the sockets the gate lets through to
// a node:tls server that is not bound itself: its connections start once the handshake is done
// (bounded by the handshake timeout), and read and write plaintext like any other.
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { Server as TlsServer, TlsOptions } from 'node:tls'
import type { Logger } from 'pino'
import { Connection } from './connection.ts'
import { RequestBudget } from './request-budget.ts'
import { LogLimiter } from './log-limiter.ts'
import { AcceptGate } from './accept-gate.ts'
import { ConnectionQuotas, UNLIMITED } from './connection-quotas.ts'
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
  /**
   * Kafka's connection quotas (the broker builds them from its config); without them, only
   * `maxConnections` and `maxConnectionsPerIp` apply.
   */
  readonly connectionQuotas?: ConnectionQuotas
  /** max.connections; a function so a dynamic config change applies to the next accept. */
  readonly maxConnections?: number | (() => number)
  /** max.connections.per.ip */
  readonly maxConnectionsPerIp?: number | (() => number)
  /** The injected clock (ms) for the connection rates; default Date.now. */
  readonly now?: () => number
  /** socket.listen.backlog.size: sockets that may wait to be accepted per listener (default 50). */
  readonly backlog?: () => number
  /** A TLS handshake not done after this long is abandoned (default TLS_HANDSHAKE_TIMEOUT_MS). */
  readonly tlsHandshakeTimeoutMs?: number
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

/**
 * How long a TLS handshake may take (Kafka has no such setting; node's default is 120 s, which
 * lets half-open sockets pile up): 10 s, the client's default socket.connection.setup.timeout.ms.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000

/** Only max.connections and max.connections.per.ip (embedders and tests that give no quotas). */
function simpleQuotas(opts: NetServerOptions): ConnectionQuotas {
  return new ConnectionQuotas({
    maxConnections: () => limit(opts.maxConnections),
    listenerMaxConnections: () => Infinity,
    maxConnectionCreationRate: () => UNLIMITED,
    listenerMaxConnectionCreationRate: () => UNLIMITED,
    maxConnectionsPerIp: () => limit(opts.maxConnectionsPerIp),
    maxConnectionsPerIpOverrides: () => new Map(),
    window: { sampleMs: 1000, numSamples: 11 },
  })
}

export class NetServer {
  private readonly servers: Server[] = []
  private readonly connections = new Set<Connection>()
  /** TLS listeners' (unbound) node:tls servers, by listener name: the gate hands them their sockets. */
  private readonly tlsServers = new Map<string, TlsServer>()
  /**
   * TLS connections whose handshake has not completed, by remote address: a client that gives up
   * mid-handshake (it refused our certificate) leaves its half-open socket here until the
   * handshake timeout; close() destroys them.
   */
  private readonly handshaking = new Map<string, Socket>()
  private nextId = 1
  private closing = false
  readonly bound: BoundListener[] = []
  private readonly opts: NetServerOptions
  /** Request bytes in flight across every connection (queued.max.request.bytes). */
  readonly budget: RequestBudget
  private readonly limiter: LogLimiter
  readonly quotas: ConnectionQuotas
  private readonly gate: AcceptGate

  constructor(opts: NetServerOptions) {
    this.opts = opts
    this.budget = new RequestBudget(opts.limits.maxInFlightBytes)
    this.limiter = new LogLimiter(opts.log)
    this.quotas = opts.connectionQuotas ?? simpleQuotas(opts)
    this.gate = new AcceptGate({
      quotas: this.quotas,
      now: opts.now ?? Date.now,
      limiter: this.limiter,
      backlog: opts.backlog ?? (() => 50),
      admitted: (socket, listener, release) => this.admitted(socket, listener, release),
    })
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** A limit was raised (a dynamic config change): sockets waiting for it are taken now. */
  limitsChanged(): void {
    this.gate.pumpAll()
  }

  async start(): Promise<BoundListener[]> {
    for (const l of this.opts.listeners) {
      let port = l.port
      const hosts = bindHosts(l.host)
      this.quotas.addListener(l.name)
      if (l.tls) this.tlsServers.set(l.name, this.tlsServer(l.name, l.tls))
      for (let i = 0; i < hosts.length; i++) {
        // allowHalfOpen: a client that half-closes after its last request still gets the answers in flight.
        const server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.gate.offer(socket, l.name))
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

  /** Replaces a TLS listener's key and trust material: new connections use it, open ones keep theirs. */
  setSecureContext(listener: string, options: TlsOptions): void {
    const server = this.tlsServers.get(listener)
    if (!server) throw new Error(`listener ${listener} does not use TLS`)
    server.setSecureContext(options)
  }

  private tlsServer(listener: string, tls: TlsOptions): TlsServer {
    // Required client certificates: node would drop a client whose certificate does not verify
    // before telling why or who (the line said "socket hang up" from undefined:undefined). The
    // handshake completes and the check is made here instead, before anything is read.
    const requireCert = tls.requestCert === true && tls.rejectUnauthorized !== false
    const server = createTlsServer({ ...tls, rejectUnauthorized: false, noDelay: true, allowHalfOpen: true,
      handshakeTimeout: this.opts.tlsHandshakeTimeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS }, (socket) => {
      if (requireCert && !socket.authorized) {
        this.limiter.warn({ remote: `${socket.remoteAddress}:${socket.remotePort}`, listener },
          `failed authentication: client certificate refused: ${socket.authorizationError ?? 'none presented'}`)
        this.handshaking.delete(`${socket.remoteAddress}:${socket.remotePort}`)
        socket.destroy()
        return
      }
      this.accept(socket, listener)
    })
    server.on('connection', (raw: Socket) => {
      const key = `${raw.remoteAddress}:${raw.remotePort}`
      this.handshaking.set(key, raw)
      raw.once('close', () => { if (this.handshaking.get(key) === raw) this.handshaking.delete(key) })
    })
    // A plaintext client on a TLS port, an unknown CA, a refused client certificate, a handshake
    // that never completes: this is the one line about it (rate-limited), and the socket goes
    // (node leaves it open after a handshake timeout).
    server.on('tlsClientError', (err, socket) => {
      this.limiter.warn({ remote: `${socket.remoteAddress}:${socket.remotePort}`, listener }, `failed authentication: TLS handshake failed: ${err.message}`)
      socket.destroy()
    })
    return server
  }

  /** A socket the gate let through: TLS listeners start the handshake, plaintext ones serve it. */
  private admitted(socket: Socket, listener: string, release: () => void): void {
    socket.once('close', release)
    if (this.closing) {
      socket.destroy()
      return
    }
    const tls = this.tlsServers.get(listener)
    if (tls) tls.emit('connection', socket)
    else this.accept(socket, listener)
  }

  private accept(socket: Socket, listener: string): void {
    this.handshaking.delete(`${socket.remoteAddress}:${socket.remotePort}`)
    if (this.closing) {
      socket.destroy()
      return
    }
    const conn = new Connection(this.nextId++, socket, this.opts.handler, this.opts.limits, this.opts.log, (c) => {
      this.connections.delete(c)
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
    this.gate.close()
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
