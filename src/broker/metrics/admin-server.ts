// The broker's HTTP admin endpoints (admin.listeners): GET /metrics in the Prometheus text format,
// /health (the process serves requests) and /ready (logs loaded and coordinators replayed: the
// broker can take traffic). Anything else gets 404/405, a malformed request 400; none of it can
// disturb the Kafka listeners. An address already in use is a warning, not a failed start: several
// brokers on one machine (a dev cluster, other people's test suites) all default to the same port.
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { ConfigError } from '../config/config-error.ts'

export interface AdminAddress {
  readonly host: string
  readonly port: number
}

/** Parses admin.listeners entries (`http://host:port`); throws ConfigError naming the bad entry. */
export function parseAdminListeners(entries: readonly string[]): AdminAddress[] {
  return entries.filter((e) => e.trim() !== '').map((entry) => {
    let url: URL
    try {
      url = new URL(entry.trim())
    } catch {
      throw new ConfigError('admin.listeners', `'${entry}' is not an address; expected http://host:port`)
    }
    if (url.protocol !== 'http:') throw new ConfigError('admin.listeners', `'${entry}': only http:// is served`)
    if (url.port === '' || (url.pathname !== '/' && url.pathname !== '')) {
      throw new ConfigError('admin.listeners', `'${entry}': expected http://host:port with an explicit port`)
    }
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) }
  })
}

export interface AdminServerOptions {
  readonly registry: Registry
  /** Why the broker is not ready yet, or null when it is. */
  readonly notReady: () => string | null
  readonly log: Logger
}

export class AdminServer {
  private readonly servers: Server[] = []
  /** Addresses actually bound (port 0 resolved). */
  readonly bound: AdminAddress[] = []

  constructor(private readonly opts: AdminServerOptions) {}

  async start(addresses: readonly AdminAddress[]): Promise<void> {
    for (const addr of addresses) {
      const server = createServer((req, res) => { void this.handle(req, res) })
      server.on('clientError', (_err, socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')
        else socket.destroy()
      })
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(addr.port, addr.host, () => { server.off('error', reject); resolve() })
        })
      } catch (err) {
        this.opts.log.warn({ err, address: `http://${addr.host}:${addr.port}` },
          'admin listener not started (/metrics, /health, /ready unavailable on this address)')
        continue
      }
      const a = server.address()
      const port = typeof a === 'object' && a !== null ? a.port : addr.port
      this.servers.push(server)
      this.bound.push({ host: addr.host, port })
      this.opts.log.info({ address: `http://${addr.host}:${port}` }, 'admin listener started')
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    if (path !== '/metrics' && path !== '/health' && path !== '/ready') return reply(404, 'not found: try /metrics, /health or /ready\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return reply(405, 'method not allowed\n')
    }
    if (path === '/health') return reply(200, 'ok\n')
    if (path === '/ready') {
      const why = this.opts.notReady()
      return why === null ? reply(200, 'ready\n') : reply(503, `not ready: ${why}\n`)
    }
    try {
      const body = await this.opts.registry.metrics()
      reply(200, body, this.opts.registry.contentType)
    } catch (err) {
      this.opts.log.warn({ err }, 'collecting metrics failed')
      reply(500, 'collecting metrics failed\n')
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve())
      s.closeAllConnections()
    })))
    this.servers.length = 0
  }
}
