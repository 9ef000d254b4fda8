// The `_schemas` topic's records in Confluent's format, so a topic written by Confluent Schema
// Registry replays here and ours replays there. Keys are JSON with Confluent's property order
// (compaction compares key bytes, so the same logical key must always serialize identically):
//   {"keytype":"SCHEMA","subject":S,"version":V,"magic":1}      value: the schema version
//   {"keytype":"CONFIG","subject":S|null,"magic":0}             value: {"compatibilityLevel":...}
//   {"keytype":"MODE","subject":S|null,"magic":0}               value: {"mode":...}
//   {"keytype":"DELETE_SUBJECT","subject":S,"magic":0}         value: {"subject":S,"version":V}
//   {"keytype":"CLEAR_SUBJECT","subject":S,"magic":0}          value: {"subject":S}
//   {"keytype":"NOOP","magic":0}
// A null value is a tombstone (a permanently deleted version, a removed config or mode).

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF'

export interface SchemaReference {
  name: string
  subject: string
  version: number
}

export type RegistryKey =
  | { keytype: 'SCHEMA'; subject: string; version: number }
  | { keytype: 'CONFIG' | 'MODE'; subject: string | null }
  | { keytype: 'DELETE_SUBJECT' | 'CLEAR_SUBJECT'; subject: string }
  | { keytype: 'NOOP' }

export interface SchemaValue {
  subject: string
  version: number
  id: number
  schemaType: SchemaType
  references: SchemaReference[]
  schema: string
  deleted: boolean
}

/** Config values keep fields we do not interpret (Confluent's newer ones) so a rewrite loses nothing. */
export interface ConfigValue {
  compatibilityLevel?: string
  normalize?: boolean
  [other: string]: unknown
}

export function encodeKey(key: RegistryKey): Buffer {
  switch (key.keytype) {
    case 'SCHEMA':
      return Buffer.from(JSON.stringify({ keytype: 'SCHEMA', subject: key.subject, version: key.version, magic: 1 }))
    case 'NOOP':
      return Buffer.from(JSON.stringify({ keytype: 'NOOP', magic: 0 }))
    default:
      return Buffer.from(JSON.stringify({ keytype: key.keytype, subject: key.subject, magic: 0 }))
  }
}

/** The schema version as Confluent writes it: schemaType and references only when they say something. */
export function encodeSchemaValue(v: SchemaValue): Buffer {
  const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id }
  if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType
  if (v.references.length > 0) out.references = v.references
  out.schema = v.schema
  out.deleted = v.deleted
  return Buffer.from(JSON.stringify(out))
}

export const encodeJson = (value: object): Buffer => Buffer.from(JSON.stringify(value))

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isSubject = (v: unknown): v is string => typeof v === 'string'

/** A key of the topic, or null for anything else (unknown key types of newer registries are skipped). */
export function decodeKey(bytes: Buffer | null): RegistryKey | null {
  if (bytes === null) return null
  let k: unknown
  try {
    k = JSON.parse(bytes.toString('utf8'))
  } catch {
    return null
  }
  if (!isObject(k)) return null
  switch (k.keytype) {
    case 'SCHEMA':
      return isSubject(k.subject) && Number.isInteger(k.version) ? { keytype: 'SCHEMA', subject: k.subject, version: k.version as number } : null
    case 'CONFIG':
    case 'MODE':
      return k.subject === null || k.subject === undefined || isSubject(k.subject)
        ? { keytype: k.keytype, subject: (k.subject as string | null | undefined) ?? null } : null
    case 'DELETE_SUBJECT':
    case 'CLEAR_SUBJECT':
      return isSubject(k.subject) ? { keytype: k.keytype, subject: k.subject } : null
    case 'NOOP':
      return { keytype: 'NOOP' }
    default:
      return null
  }
}

export function decodeValue(bytes: Buffer | null): Record<string, unknown> | null | undefined {
  if (bytes === null) return null
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'))
    return isObject(v) ? v : undefined
  } catch {
    return undefined
  }
}

/** A SCHEMA record's value, or undefined when it is malformed. */
export function toSchemaValue(v: Record<string, unknown>, key: { subject: string; version: number }): SchemaValue | undefined {
  if (!Number.isInteger(v.id) || typeof v.schema !== 'string') return undefined
  const type = v.schemaType ?? 'AVRO'
  if (type !== 'AVRO' && type !== 'JSON' && type !== 'PROTOBUF') return undefined
  const refs = Array.isArray(v.references) ? v.references.filter(isObject).map((r) => ({
    name: String(r.name), subject: String(r.subject), version: Number(r.version),
  })) : []
  return { subject: key.subject, version: key.version, id: v.id as number, schemaType: type, references: refs, schema: v.schema, deleted: v.deleted === true }
}
