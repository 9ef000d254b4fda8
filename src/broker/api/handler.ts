// The contract between the dispatcher and the per-API handler modules. A handler module exports
// one ApiHandler: which API key and version range it serves, and `handle`. The dispatcher decodes
// the request with the generated codec of that key (API_SPECS), calls `handle`, and encodes the
// response; ApiVersions advertises exactly the registered handlers' ranges.
import type { Logger } from 'pino'
import type { ReadBufferLease } from '../net/read-buffers.ts'
import type { Connection } from '../net/connection.ts'
import type { BrokerContext } from '../context.ts'
import type { BufferHold } from '../../storage/index.ts'

/** Returned by `handle` when the request gets no response at all (a Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response')
export type NoResponse = typeof NO_RESPONSE

export interface RequestHeaderInfo {
  readonly apiKey: number
  readonly apiVersion: number
  readonly correlationId: number
  readonly clientId: string | null
}

/** What a handler gets for one request. */
export interface RequestContext {
  readonly broker: BrokerContext
  readonly connection: Connection
  readonly header: RequestHeaderInfo
  /** Logger bound to this connection and request. Created lazily: use for rare events only. */
  readonly log: Logger
  /**
   * Pooled buffers for file reads whose bytes go into this request's response (Fetch); they go
   * back to the pool once the response is written, so nothing may keep them past that.
   */
  readonly readBuffers: ReadBufferLease
  /** Bytes of the request frame (header and body): what a producer byte-rate quota counts. */
  readonly size: number
  /**
   * The request frame when it lives in a pooled buffer: views of it (Produce records) may be lent
   * to storage's tail cache through this hold instead of being copied; absent otherwise.
   */
  readonly frameHold?: BufferHold
  /** Set by a handler whose request is not counted against request_percentage (a follower's fetch). */
  quotaExempt: boolean
}

export interface ApiHandler<Req = unknown, Res = unknown> {
  readonly apiKey: number
  readonly minVersion: number
  readonly maxVersion: number
  /**
   * Produces the response. May be async (storage I/O, purgatory). Throwing means the request is
   * unacceptable: the connection is closed with one log line — for per-partition problems answer
   * with Kafka error codes instead.
   */
  handle(ctx: RequestContext, request: Req, version: number): Res | NoResponse | Promise<Res | NoResponse>
}

/** Identity helper that keeps the request/response types of a handler literal checked. */
export function defineHandler<Req, Res>(h: ApiHandler<Req, Res>): ApiHandler<Req, Res> {
  return h
}
