// Options shared by producer, consumer and admin, with their defaults in one place. Names follow
// Kafka's configs in camelCase (request.timeout.ms -> requestTimeoutMs) so Java docs still apply.
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import type { SaslOptions } from './net/sasl.ts'
import { ClientConfigError } from './errors.ts'
import { nextDiagnosticsId } from './diagnostics.ts'

export interface ClientOptions {
  /** host:port of one or more brokers; the rest of the cluster is discovered from metadata. */
  bootstrapServers: string | readonly string[]
  clientId?: string
  /** TCP (and TLS) connect timeout. Default 10 000. */
  connectTimeoutMs?: number
  /** How long a request may wait for its response before the connection is closed. Default 30 000. */
  requestTimeoutMs?: number
  /** Retries of retriable failures (connection, leader moves, coordinator moves). Default 5. */
  retries?: number
  /** First retry delay, doubled per attempt up to retryBackoffMaxMs. Defaults 100 and 1 000. */
  retryBackoffMs?: number
  retryBackoffMaxMs?: number
  /** Metadata older than this is refreshed before use. Default 300 000. */
  metadataMaxAgeMs?: number
  /** true, or node:tls options (ca, cert, key, rejectUnauthorized...). */
  tls?: TlsOptions | boolean
  sasl?: SaslOptions
}

export interface ResolvedClientOptions {
  bootstrap: { host: string; port: number }[]
  clientId: string
  connectTimeoutMs: number
  requestTimeoutMs: number
  retries: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  metadataMaxAgeMs: number
  tls: TlsOptions | boolean | undefined
  sasl: SaslOptions | undefined
  /** This client's number on the diagnostics channels. */
  diagnosticsId: number
}

export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s.trim())
  if (!m) throw new ClientConfigError(`bootstrap server '${s}' is not host:port`)
  const port = Number(m[2])
  if (port < 1 || port > 65535) throw new ClientConfigError(`bootstrap server '${s}' has port ${port} outside 1-65535`)
  return { host: m[1]!, port }
}

export function nonNegative(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt
  if (!Number.isFinite(v) || v < 0) throw new ClientConfigError(`${name} must be a non-negative number, got ${v}`)
  return v
}

export function resolveClientOptions(o: ClientOptions): ResolvedClientOptions {
  const list = typeof o.bootstrapServers === 'string' ? o.bootstrapServers.split(',') : o.bootstrapServers
  if (!list || list.length === 0) throw new ClientConfigError('bootstrapServers is empty')
  return {
    bootstrap: list.map(parseHostPort),
    clientId: o.clientId ?? 'samsa',
    connectTimeoutMs: nonNegative('connectTimeoutMs', o.connectTimeoutMs, 10_000),
    requestTimeoutMs: nonNegative('requestTimeoutMs', o.requestTimeoutMs, 30_000),
    retries: nonNegative('retries', o.retries, 5),
    retryBackoffMs: nonNegative('retryBackoffMs', o.retryBackoffMs, 100),
    retryBackoffMaxMs: nonNegative('retryBackoffMaxMs', o.retryBackoffMaxMs, 1_000),
    metadataMaxAgeMs: nonNegative('metadataMaxAgeMs', o.metadataMaxAgeMs, 300_000),
    tls: o.tls,
    sasl: o.sasl,
    diagnosticsId: nextDiagnosticsId(),
  }
}
