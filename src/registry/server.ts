// Starting a registry: replay `_schemas` through the client (src/client), then serve the REST API
// on each address of schema.registry.listeners. An address that cannot be bound (in use) is a
// warning, not a failure: several brokers on one machine all default to port 8081, and the
// first one serves it. Embedders call startSchemaRegistry; `samsa start` does it for the broker.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { Logger } from 'pino'
import type { ClientOptions } from '../client/index.ts'
import { KafkaStore } from './kafka-store.ts'
import { SchemaRegistry } from './schema-registry.ts'
import { RestHandler } from './rest.ts'

export interface RegistryAddress {
  readonly host: string
  readonly port: number
}

/** Parses `http://host:port` entries; throws naming the bad entry. */
export function parseRegistryListeners(entries: readonly string[]): RegistryAddress[] {
  return entries.filter((e) => e.trim() !== '').map((entry) => {
    let url: URL
    try {
      url = new URL(entry.trim())
    } catch {
      throw new Error(`schema.registry.listeners: '${entry}' is not an address; expected http://host:port`)
    }
    if (url.protocol !== 'http:') throw new Error(`schema.registry.listeners: '${entry}': only http:// is served`)
    if (url.port === '' || (url.pathname !== '/' && url.pathname !== '')) {
      throw new Error(`schema.registry.listeners: '${entry}': expected http://host:port with an explicit port`)
    }
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) }
  })
}

export interface SchemaRegistryOptions {
  /** How the registry reaches the cluster (its own broker, for the built-in one). */
  readonly client: ClientOptions
  /** `http://host:port` addresses to serve (port 0: a free port). */
  readonly listeners: readonly string[]
  /** Default `_schemas`. */
  readonly topic?: string
  readonly timeoutMs?: number
  readonly log?: Logger
  /** Gives up a start still in progress (the broker beside it is shutting down). */
  readonly signal?: AbortSignal
}

export interface RunningSchemaRegistry {
  readonly registry: SchemaRegistry
  /** Addresses actually served (port 0 resolved); empty when none could be bound. */
  readonly bound: readonly RegistryAddress[]
  /** `http://host:port` of the first bound address. */
  readonly url: string | undefined
  close(): Promise<void>
}

export async function startSchemaRegistry(opts: SchemaRegistryOptions): Promise<RunningSchemaRegistry> {
  const addresses = parseRegistryListeners(opts.listeners)
  const log = opts.log
  const store = new KafkaStore({
    client: { clientId: 'samsa-schema-registry', ...opts.client },
    topic: opts.topic,
    timeoutMs: opts.timeoutMs,
    onError: (err) => log?.error({ err }, 'schema registry stopped following its topic'),
  })
  const abandon = () => { void store.close() }
  opts.signal?.addEventListener('abort', abandon, { once: true })
  try {
    await store.start()
  } catch (err) {
    await store.close()
    throw err
  } finally {
    opts.signal?.removeEventListener('abort', abandon)
  }
  const registry = new SchemaRegistry(store)
  const rest = new RestHandler(registry, (err) => log?.error({ err }, 'schema registry request failed'))
  const servers: Server[] = []
  const bound: RegistryAddress[] = []
  for (const addr of addresses) {
    const server = createServer((req, res) => { void rest.handle(req, res) })
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
      log?.warn({ err, address: `http://${addr.host}:${addr.port}` }, 'schema registry listener not started (address unavailable)')
      continue
    }
    const a = server.address()
    const port = typeof a === 'object' && a !== null ? a.port : addr.port
    servers.push(server)
    bound.push({ host: addr.host, port })
    log?.info({ address: `http://${addr.host}:${port}` }, 'schema registry listening')
  }
  const first = bound[0]
  let closing: Promise<void> | undefined
  return {
    registry,
    bound,
    url: first === undefined ? undefined : `http://${first.host.includes(':') ? `[${first.host}]` : first.host}:${first.port}`,
    close() {
      closing ??= (async () => {
        await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
          s.close(() => resolve())
          s.closeAllConnections()
        })))
        await store.close()
      })()
      return closing
    },
  }
}
