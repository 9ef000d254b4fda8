// Avro schemas (avsc): validation, the canonical text that decides identity, and compatibility.
// Canonical text: the schema's JSON with no whitespace, object keys in one fixed order (Avro's
// own attributes first, then any others sorted) and `{"type":"int"}` written as `"int"`, so two
// spellings of the same schema get the same id while docs, defaults and custom properties —
// which matter to users — are kept. Compatibility is avsc's schema resolution (the Avro spec's
// rules): `reader.createResolver(writer)` succeeds exactly when data written with the writer
// schema can be read with the reader schema.
import avsc from 'avsc'
import { invalidSchema } from './errors.ts'
import type { ParsedSchema, ResolvedReference } from './formats.ts'

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'])
const FIRST_KEYS = ['type', 'name', 'namespace', 'doc', 'aliases', 'fields', 'symbols', 'items', 'values', 'size', 'default', 'logicalType']
const FIELD_KEYS = ['name', 'type', 'doc', 'default', 'order', 'aliases']

function ordered(obj: Record<string, unknown>, first: readonly string[]): string[] {
  const keys = Object.keys(obj)
  return [...first.filter((k) => k in obj), ...keys.filter((k) => !first.includes(k)).sort()]
}

function canonicalField(node: unknown): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node
  const obj = node as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of ordered(obj, FIELD_KEYS)) out[k] = k === 'type' ? canonical(obj[k]) : obj[k]
  return out
}

function canonical(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(canonical)
  if (typeof node !== 'object' || node === null) return node
  const obj = node as Record<string, unknown>
  const keys = Object.keys(obj)
  if (keys.length === 1 && typeof obj.type === 'string' && PRIMITIVES.has(obj.type)) return obj.type
  const out: Record<string, unknown> = {}
  for (const k of ordered(obj, FIRST_KEYS)) {
    const v = obj[k]
    // Types nest under type/items/values and the fields' types; defaults and custom properties are data.
    if (k === 'type' || k === 'items' || k === 'values') out[k] = canonical(v)
    else if (k === 'fields' && Array.isArray(v)) out[k] = v.map(canonicalField)
    else out[k] = v
  }
  return out
}

export class AvroSchema implements ParsedSchema {
  readonly schemaType = 'AVRO' as const

  private constructor(readonly canonical: string, readonly type: avsc.Type) {}

  static parse(text: string, references: readonly ResolvedReference[]): AvroSchema {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      // Avro also accepts a bare primitive name.
      if (PRIMITIVES.has(text.trim())) json = text.trim()
      else throw invalidSchema(`'${text.slice(0, 200)}' is not JSON`)
    }
    // Referenced named types are defined first in a shared registry, so the schema can name them.
    const registry: Record<string, avsc.Type> = {}
    try {
      for (const ref of references) avsc.Type.forSchema(JSON.parse(ref.schema) as avsc.Schema, { registry })
      const type = avsc.Type.forSchema(json as avsc.Schema, { registry })
      return new AvroSchema(JSON.stringify(canonical(json)), type)
    } catch (err) {
      throw invalidSchema((err as Error).message)
    }
  }

  recordNames(): string[] {
    return this.type.name === undefined ? [] : [this.type.name]
  }

  validate(payload: Buffer): string | null {
    try {
      this.type.fromBuffer(payload) // throws on truncated data, bad values and trailing bytes
      return null
    } catch (err) {
      return (err as Error).message
    }
  }

  /** Why data written with `writer` cannot be read with this schema (empty when it can). */
  canRead(writer: ParsedSchema): string[] {
    if (!(writer instanceof AvroSchema)) return [`cannot read a ${writer.schemaType} schema's data as AVRO`]
    try {
      this.type.createResolver(writer.type)
      return []
    } catch (err) {
      return [(err as Error).message]
    }
  }
}
