// A client of any Confluent-compatible schema registry (Samsa's, Confluent's, Redpanda's), with the
// caches serializers need: schemas by id never change, so they are kept for good; a subject's id
// for a given schema text is kept once registered or looked up.
import type { SchemaReference, SchemaType } from '../records.ts'

export interface RegisteredSchema {
  id: number
  schemaType: SchemaType
  schema: string
  references: SchemaReference[]
}

export class RegistryHttpError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) {
    super(message)
    this.name = 'RegistryHttpError'
  }
}

export interface RegistryClientOptions {
  /** Base URL, e.g. http://localhost:8081. */
  url: string
  /** Extra headers (authorization). */
  headers?: Record<string, string>
}

export class RegistryClient {
  private readonly byId = new Map<number, Promise<RegisteredSchema>>()
  private readonly ids = new Map<string, Promise<number>>()
  private readonly versions = new Map<string, Promise<RegisteredSchema>>()
  private readonly base: string

  constructor(private readonly opts: RegistryClientOptions) {
    this.base = opts.url.replace(/\/+$/, '')
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: { accept: 'application/vnd.schemaregistry.v1+json', 'content-type': 'application/vnd.schemaregistry.v1+json', ...this.opts.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    let parsed: unknown
    try { parsed = JSON.parse(text) } catch { parsed = text }
    if (!res.ok) {
      const e = parsed as { error_code?: number; message?: string }
      throw new RegistryHttpError(res.status, e?.error_code ?? res.status, e?.message ?? text)
    }
    return parsed as T
  }

  /** The schema of an id (cached for good: an id's schema never changes). */
  schema(id: number): Promise<RegisteredSchema> {
    let p = this.byId.get(id)
    if (p === undefined) {
      p = this.call<{ schema: string; schemaType?: SchemaType; references?: SchemaReference[] }>('GET', `/schemas/ids/${id}`)
        .then((r) => ({ id, schemaType: r.schemaType ?? 'AVRO', schema: r.schema, references: r.references ?? [] }))
      p.catch(() => this.byId.delete(id))
      this.byId.set(id, p)
    }
    return p
  }

  /** Registers (or finds) a schema under a subject; the id is cached per subject and text. */
  register(subject: string, schemaType: SchemaType, schema: string, references: SchemaReference[] = [], autoRegister = true): Promise<number> {
    const key = JSON.stringify([subject, schemaType, schema, references])
    let p = this.ids.get(key)
    if (p === undefined) {
      const body = { schema, schemaType: schemaType === 'AVRO' ? undefined : schemaType, references }
      p = autoRegister
        ? this.call<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, body).then((r) => r.id)
        : this.call<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}`, body).then((r) => r.id)
      p.catch(() => this.ids.delete(key))
      this.ids.set(key, p)
    }
    return p
  }

  /** A subject's version (for references; cached: a version's schema does not change). */
  version(subject: string, version: number): Promise<RegisteredSchema> {
    const key = JSON.stringify(['v', subject, version])
    let p = this.versions.get(key)
    if (p === undefined) {
      p = this.call<{ id: number; schema: string; schemaType?: SchemaType; references?: SchemaReference[] }>(
        'GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`,
      ).then((r) => ({ id: r.id, schemaType: r.schemaType ?? 'AVRO', schema: r.schema, references: r.references ?? [] }))
      p.catch(() => this.versions.delete(key))
      this.versions.set(key, p)
    }
    return p
  }

  /** The schemas a schema references, dependencies first, each once. */
  async referenced(refs: readonly SchemaReference[], seen = new Set<string>()): Promise<{ name: string; schema: RegisteredSchema }[]> {
    const out: { name: string; schema: RegisteredSchema }[] = []
    for (const ref of refs) {
      const key = `${ref.subject}\0${ref.version}`
      if (seen.has(key)) continue
      seen.add(key)
      const schema = await this.version(ref.subject, ref.version)
      out.push(...await this.referenced(schema.references, seen), { name: ref.name, schema })
    }
    return out
  }

  /** The latest version of a subject (not cached: it moves). */
  latest(subject: string): Promise<RegisteredSchema & { version: number; subject: string }> {
    return this.call<{ id: number; version: number; subject: string; schema: string; schemaType?: SchemaType; references?: SchemaReference[] }>(
      'GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`,
    ).then((r) => ({ ...r, schemaType: r.schemaType ?? 'AVRO', references: r.references ?? [] }))
  }
}
