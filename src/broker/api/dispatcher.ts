// Turns request frames into response frames: reads the request header with the generated header
// codec, finds the registered handler, checks the version, decodes the body, runs the handler and
// encodes header + body into one Writer whose large `records` payloads stay referenced (sent with
// writev), not copied. Anything unacceptable (unknown key, unsupported version, undecodable
// bytes, a handler that throws) becomes a RequestRejected error: the connection closes, the
// broker keeps running.
import { Reader, Writer } from '../../protocol/primitives/index.ts'
import { API_SPECS, ApiKey } from '../../protocol/generated/api-keys.ts'
import { decodeRequestHeader, encodeResponseHeader } from '../../protocol/generated/headers.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { encodeApiVersionsResponse, defaultApiVersionsResponse } from '../../protocol/generated/messages/api-versions.ts'
import { NO_RESPONSE } from './handler.ts'
import type { ApiHandler, RequestContext, RequestHeaderInfo } from './handler.ts'
import type { Logger } from 'pino'
import type { HandlerRegistry } from './registry.ts'
import type { Connection, FrameHandler, FrameResult } from '../net/connection.ts'
import { ReadBufferLease } from '../net/read-buffers.ts'
import type { BufferHold } from '../../storage/index.ts'
import type { BrokerContext } from '../context.ts'
import { recordRequestTime, serializeIfQuoted } from '../quota/quota-checks.ts'

/** Payloads at least this large are referenced by the response writer instead of copied. */
const ZERO_COPY_THRESHOLD = 16 * 1024

/** A request the broker refuses by closing the connection; `cause` is set when our own code failed. */
export class RequestRejected extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RequestRejected'
  }
}

function describe(header: RequestHeaderInfo): string {
  const name = API_SPECS[header.apiKey]?.name ?? `api ${header.apiKey}`
  return `${name} v${header.apiVersion} (correlation id ${header.correlationId}, client ${JSON.stringify(header.clientId)})`
}

/** Encodes a complete response frame: int32 size, response header, body. */
export function encodeResponseFrame(apiKey: number, version: number, correlationId: number, body: unknown): Buffer[] {
  const spec = API_SPECS[apiKey]
  const w = new Writer(256, ZERO_COPY_THRESHOLD)
  w.int32(0)
  encodeResponseHeader(w, { correlationId }, spec.responseHeaderVersion(version))
  spec.encodeResponse(w, body, version)
  w.patchInt32(0, w.length - 4)
  return w.finishChunks()
}

/**
 * KIP-511: an ApiVersions request of a version we do not serve gets UNSUPPORTED_VERSION in a v0
 * body (response header v0) listing our ApiVersions range, so the client can retry lower.
 */
function unsupportedApiVersions(registry: HandlerRegistry, correlationId: number): Buffer[] {
  const own = registry.get(ApiKey.ApiVersions)
  const body = defaultApiVersionsResponse()
  body.errorCode = ErrorCode.UNSUPPORTED_VERSION
  body.apiKeys = own ? [{ apiKey: own.apiKey, minVersion: own.minVersion, maxVersion: own.maxVersion }] : []
  const w = new Writer(64)
  w.int32(0)
  encodeResponseHeader(w, { correlationId }, 0)
  encodeApiVersionsResponse(w, body, 0)
  w.patchInt32(0, w.length - 4)
  return w.finishChunks()
}

export function createDispatcher(broker: BrokerContext, registry: HandlerRegistry): FrameHandler {
  return (frame: Buffer, connection: Connection): FrameResult | Promise<FrameResult> => {
    if (frame.length < 8) throw new RequestRejected(`request frame of ${frame.length} bytes is too short for a header`)
    const apiKey = frame.readInt16BE(0)
    const apiVersion = frame.readInt16BE(2)
    const spec = apiKey >= 0 ? API_SPECS[apiKey] : undefined
    if (!spec) throw new RequestRejected(`unknown api key ${apiKey} (version ${apiVersion})`)
    const handler = registry.get(apiKey)
    const r = new Reader(frame)
    if (!handler || apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions && apiVersion > (handler?.maxVersion ?? -1)) {
        // The header of a newer version may carry tagged fields we cannot know: read only its fixed part.
        const correlationId = frame.readInt32BE(4)
        return unsupportedApiVersions(registry, correlationId)
      }
      throw new RequestRejected(handler
        ? `${spec.name} v${apiVersion} is not supported (supported: ${handler.minVersion}-${handler.maxVersion})`
        : `${spec.name} (api key ${apiKey}) is not served by this broker`)
    }
    let header: RequestHeaderInfo
    let request: unknown
    try {
      const h = decodeRequestHeader(r, spec.requestHeaderVersion(apiVersion))
      header = { apiKey, apiVersion, correlationId: h.correlationId, clientId: h.clientId }
      request = spec.decodeRequest(r, apiVersion)
    } catch (err) {
      throw new RequestRejected(`cannot decode ${spec.name} v${apiVersion}: ${(err as Error).message}`)
    }
    return run(broker, handler, connection, header, request, frame.length)
  }
}

/** One request in flight. A class, not closures, so the hot path allocates one object per request. */
class Request implements RequestContext {
  readonly broker: BrokerContext
  readonly connection: Connection
  readonly header: RequestHeaderInfo
  readonly size: number
  readonly frameHold: BufferHold | undefined
  quotaExempt = false
  /** Synchronous handler time (ms), measured only while request_percentage quotas exist; -1 otherwise. */
  handlingMs = -1
  /** performance.now() when the request was decoded (request latency metric). */
  private readonly started = performance.now()
  private logger: Logger | undefined
  private lease: ReadBufferLease | undefined

  // No reference to the frame: an answer may be parked for long (a JoinGroup waits for the
  // rebalance), and the frame is a view of a whole socket read (often a burst of pipelined frames).
  constructor(broker: BrokerContext, connection: Connection, header: RequestHeaderInfo, size: number) {
    this.broker = broker
    this.connection = connection
    this.header = header
    this.size = size
    this.frameHold = connection.dispatchingHold
  }

  /** Holds lent tail-cache bytes a Fetch response refers to until the response is written. */
  keep(hold: BufferHold): void {
    this.readBuffers.keep(hold)
  }

  get log(): Logger {
    const h = this.header
    return (this.logger ??= this.broker.log.child({ conn: this.connection.id, api: h.apiKey, v: h.apiVersion, corr: h.correlationId }))
  }

  get readBuffers(): ReadBufferLease {
    return (this.lease ??= new ReadBufferLease(this.broker.readBufferPool))
  }

  respond(res: unknown): FrameResult {
    const lease = this.lease
    this.broker.metrics.requestDone(this.header.apiKey, (performance.now() - this.started) / 1000)
    if (res === NO_RESPONSE) {
      lease?.release()
      return null
    }
    if (this.handlingMs >= 0 && !this.quotaExempt) recordRequestTime(this, this.handlingMs, res)
    const h = this.header
    try {
      let frame: NonNullable<FrameResult> = encodeResponseFrame(h.apiKey, h.apiVersion, h.correlationId, res)
      if (lease) {
        frame = lease.frameInPlace(frame)
        frame.onWritten = () => lease.release()
      }
      return frame
    } catch (err) {
      return this.fail(err)
    }
  }

  fail(err: unknown): never {
    this.broker.metrics.requestRejected(this.header.apiKey)
    if (err instanceof RequestRejected) throw err
    throw new RequestRejected(`${describe(this.header)} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err })
  }
}

function run(broker: BrokerContext, handler: ApiHandler, connection: Connection, header: RequestHeaderInfo,
  request: unknown, size: number): FrameResult | Promise<FrameResult> {
  const req = new Request(broker, connection, header, size)
  if (broker.quotas.enabled) serializeIfQuoted(req)
  let out: unknown
  const timed = broker.quotas.request.enabled
  const t0 = timed ? performance.now() : 0
  try {
    out = handler.handle(req, request, header.apiVersion)
  } catch (err) {
    return req.fail(err)
  }
  if (timed) req.handlingMs = performance.now() - t0
  if (out instanceof Promise) return out.then((res) => req.respond(res), (err: unknown) => req.fail(err))
  return req.respond(out)
}
