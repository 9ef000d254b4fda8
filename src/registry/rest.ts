// Confluent Schema Registry's REST API over node:http: the same paths, query parameters, status
// codes, `error_code`s and JSON shapes, answered as application/vnd.schemaregistry.v1+json. Every
// failure is a JSON error body (bad JSON 400, unknown path 404, wrong method 405, invalid input
// 422, store trouble 500); nothing a client sends can throw out of a handler.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SchemaRegistry, SchemaRequest } from './schema-registry.ts'
import type { SchemaValue } from './records.ts'
import type { SchemaContent } from './state.ts'
import { SCHEMA_TYPES } from './formats.ts'
import { RegistryError, badRequest, schemaNotFound } from './errors.ts'

export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'
/** Largest request body read (Confluent's default request limit is in this range). */
const MAX_BODY_BYTES = 16 * 1024 * 1024

type Query = URLSearchParams
type Handler = (params: string[], query: Query, body: () => Promise<Record<string, unknown>>) => unknown

interface Route {
  method: string
  pattern: string[]
  handler: Handler
}

const flag = (q: Query, name: string) => q.get(name)?.toLowerCase() === 'true'

function versionView(v: SchemaValue): Record<string, unknown> {
  const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id }
  if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType
  if (v.references.length > 0) out.references = v.references
  out.schema = v.schema
  return out
}

function contentView(c: SchemaContent): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (c.schemaType !== 'AVRO') out.schemaType = c.schemaType
  if (c.references.length > 0) out.references = c.references
  out.schema = c.schema
  return out
}

function schemaRequest(body: Record<string, unknown>): SchemaRequest {
  const { schema, schemaType, references, id, version } = body
  if (schemaType !== undefined && schemaType !== null && typeof schemaType !== 'string') throw badRequest('schemaType must be a string')
  if (references !== undefined && references !== null && !Array.isArray(references)) throw badRequest('references must be a list')
  const refs = (references ?? []) as unknown[]
  for (const r of refs) {
    const ok = typeof r === 'object' && r !== null && typeof (r as { name?: unknown }).name === 'string'
      && typeof (r as { subject?: unknown }).subject === 'string' && Number.isInteger((r as { version?: unknown }).version)
    if (!ok) throw new RegistryError(422, 42201, 'Invalid schema: a reference needs a name, a subject and an integer version')
  }
  const type = typeof schemaType === 'string' ? schemaType.toUpperCase() : 'AVRO'
  if (type !== 'AVRO' && type !== 'JSON' && type !== 'PROTOBUF') throw new RegistryError(422, 42201, `Invalid schema: unknown schema type ${String(schemaType)}`)
  return {
    schema: schema as string,
    schemaType: type,
    references: refs as SchemaRequest['references'],
    id: Number.isInteger(id) && (id as number) >= 0 ? (id as number) : undefined,
    version: Number.isInteger(version) && (version as number) > 0 ? (version as number) : undefined,
  }
}

/** An optional integer query parameter; anything else is a 400 naming it. */
function intParam(q: Query, name: string): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  if (!/^-?\d+$/.test(v)) throw badRequest(`query parameter ${name} must be an integer: ${v}`)
  return Number(v)
}

function parseId(s: string): number {
  const n = Number(s)
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n)) throw schemaNotFound()
  return n
}

export function routes(reg: SchemaRegistry): Route[] {
  const r = (method: string, path: string, handler: Handler): Route => ({ method, pattern: path.split('/').filter(Boolean), handler })
  return [
    r('GET', '/', () => ({})),
    r('GET', '/schemas', (_, q) => reg.schemas({
      prefix: q.get('subjectPrefix') ?? undefined,
      deleted: flag(q, 'deleted'),
      latestOnly: flag(q, 'latestOnly'),
      offset: intParam(q, 'offset'),
      limit: intParam(q, 'limit'),
    }).map(versionView)),
    r('GET', '/schemas/types', () => SCHEMA_TYPES),
    r('GET', '/schemas/ids/:id', ([id]) => contentView(reg.schemaById(parseId(id!)))),
    r('GET', '/schemas/ids/:id/schema', ([id]) => raw(reg.schemaById(parseId(id!)).schema)),
    r('GET', '/schemas/ids/:id/subjects', ([id], q) => [...new Set(reg.usesOf(parseId(id!), flag(q, 'deleted')).map((v) => v.subject))]),
    r('GET', '/schemas/ids/:id/versions', ([id], q) => reg.usesOf(parseId(id!), flag(q, 'deleted')).map((v) => ({ subject: v.subject, version: v.version }))),
    r('GET', '/subjects', (_, q) => reg.subjects({ deleted: flag(q, 'deleted'), prefix: q.get('subjectPrefix') ?? undefined })),
    r('POST', '/subjects/:s', async ([s], q, body) => versionView(reg.lookup(s!, schemaRequest(await body()), flag(q, 'deleted')))),
    r('DELETE', '/subjects/:s', ([s], q) => reg.deleteSubject(s!, flag(q, 'permanent'))),
    r('GET', '/subjects/:s/versions', ([s], q) => reg.versions(s!, flag(q, 'deleted'))),
    r('POST', '/subjects/:s/versions', async ([s], _q, body) => ({ id: (await reg.register(s!, schemaRequest(await body()))).id })),
    r('GET', '/subjects/:s/versions/:v', ([s, v], q) => versionView(reg.version(s!, v!, flag(q, 'deleted')))),
    r('DELETE', '/subjects/:s/versions/:v', ([s, v], q) => reg.deleteVersion(s!, v!, flag(q, 'permanent'))),
    r('GET', '/subjects/:s/versions/:v/schema', ([s, v], q) => raw(reg.version(s!, v!, flag(q, 'deleted')).schema)),
    r('GET', '/subjects/:s/versions/:v/referencedby', ([s, v]) => reg.referencedBy(s!, v!)),
    r('POST', '/compatibility/subjects/:s/versions/:v', async ([s, v], q, body) => compat(reg.testCompatibility(s!, v, schemaRequest(await body())), q)),
    r('POST', '/compatibility/subjects/:s/versions', async ([s], q, body) => compat(reg.testCompatibility(s!, undefined, schemaRequest(await body())), q)),
    r('GET', '/config', () => reg.config(null)),
    r('PUT', '/config', async (_, _q, body) => configAnswer(await reg.setConfig(null, (await body()).compatibility, undefined))),
    r('DELETE', '/config', () => reg.deleteConfig(null)),
    r('GET', '/config/:s', ([s], q) => reg.config(s!, flag(q, 'defaultToGlobal'))),
    r('PUT', '/config/:s', async ([s], _q, body) => { const b = await body(); return configAnswer(await reg.setConfig(s!, b.compatibility, b.normalize)) }),
    r('DELETE', '/config/:s', ([s]) => reg.deleteConfig(s!)),
    r('GET', '/mode', () => ({ mode: reg.mode(null) })),
    r('PUT', '/mode', async (_, q, body) => ({ mode: await reg.setMode(null, (await body()).mode, flag(q, 'force')) })),
    r('GET', '/mode/:s', ([s], q) => ({ mode: reg.mode(s!, flag(q, 'defaultToGlobal')) })),
    r('PUT', '/mode/:s', async ([s], q, body) => ({ mode: await reg.setMode(s!, (await body()).mode, flag(q, 'force')) })),
    r('DELETE', '/mode/:s', async ([s]) => ({ mode: await reg.deleteMode(s!) })),
  ]
}

/** A body sent as-is (a schema's own text), not JSON-encoded again. */
class Raw { constructor(readonly text: string) {} }
const raw = (text: string) => new Raw(text)

function compat(messages: string[], q: Query): Record<string, unknown> {
  const out: Record<string, unknown> = { is_compatible: messages.length === 0 }
  if (flag(q, 'verbose')) out.messages = messages
  return out
}

function configAnswer(c: { compatibilityLevel?: string; normalize?: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = { compatibility: c.compatibilityLevel }
  if (c.normalize !== undefined) out.normalize = c.normalize
  return out
}

function match(route: Route, segments: string[]): string[] | null {
  if (route.pattern.length !== segments.length) return null
  const params: string[] = []
  for (let i = 0; i < segments.length; i++) {
    const p = route.pattern[i]!
    if (p.startsWith(':')) params.push(segments[i]!)
    else if (p !== segments[i]) return null
  }
  return params
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new RegistryError(413, 413, `request body larger than ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw badRequest(`Unrecognized request body: ${(err as Error).message}`)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the request body must be a JSON object')
  return body as Record<string, unknown>
}

export class RestHandler {
  private readonly table: Route[]

  constructor(registry: SchemaRegistry, private readonly onError: (err: unknown) => void) {
    this.table = routes(registry)
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let status = 200
    let payload: unknown
    try {
      const url = new URL(req.url ?? '/', 'http://registry')
      let segments: string[]
      try {
        segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
      } catch {
        throw badRequest(`malformed path ${url.pathname}`)
      }
      const candidates = this.table.map((route) => ({ route, params: match(route, segments) })).filter((c) => c.params !== null)
      if (candidates.length === 0) throw new RegistryError(404, 404, 'HTTP 404 Not Found')
      const method = req.method === 'HEAD' ? 'GET' : req.method
      const hit = candidates.find((c) => c.route.method === method)
      if (hit === undefined) {
        res.setHeader('allow', [...new Set(candidates.map((c) => c.route.method))].join(', '))
        throw new RegistryError(405, 405, 'HTTP 405 Method Not Allowed')
      }
      payload = await hit.route.handler(hit.params!, url.searchParams, () => readBody(req))
    } catch (err) {
      if (err instanceof RegistryError) {
        status = err.status
        payload = err.body()
      } else {
        this.onError(err)
        status = 500
        payload = { error_code: 500, message: `Internal Server Error: ${(err as Error)?.message ?? String(err)}` }
      }
    }
    const text = payload instanceof Raw ? payload.text : JSON.stringify(payload)
    res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) })
    res.end(req.method === 'HEAD' ? undefined : text)
    // An unread request body (an error before it was read) must not hold the connection.
    if (!req.complete) req.resume()
  }
}
