// The schema model: Kafka's JSON turned into typed messages, structs and fields.
import { propName } from './names.ts'
import { EMPTY, parseRange, type Range } from './versions.ts'

export const PRIMITIVES = ['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records'] as const
export type Primitive = (typeof PRIMITIVES)[number]

export type FieldType =
  | { kind: 'prim'; name: Primitive }
  | { kind: 'struct'; name: string }
  | { kind: 'array'; elem: { kind: 'prim'; name: Primitive } | { kind: 'struct'; name: string } }

export interface FieldSpec {
  /** Name in the JSON file. */
  name: string
  /** TypeScript property name. */
  prop: string
  type: FieldType
  versions: Range
  nullable: Range
  tagged: Range
  tag: number | undefined
  ignorable: boolean
  about: string | undefined
  /** The JSON `default`, untouched (string, number, boolean, null or undefined). */
  default: unknown
  /** Field-level override of the message's flexible versions (only RequestHeader.ClientId). */
  flexible: Range | undefined
}

export interface StructSpec {
  /** TypeScript type name: message name for the root, `${Message}${Struct}` for nested ones. */
  name: string
  about: string | undefined
  fields: FieldSpec[]
}

export type SchemaKind = 'request' | 'response' | 'header' | 'data' | 'metadata' | 'coordinator-key' | 'coordinator-value'

export interface MessageSpec {
  /** Path relative to the protocol folder, e.g. message/ProduceRequest.json. */
  file: string
  /** The folder the definition came from: the primary one (Kafka 4.4) or the older one (versions KIP-896 dropped). */
  origin: 'primary' | 'older'
  /** Versions whose definition came from the older folder (EMPTY when none). */
  fromOlder: Range
  kind: SchemaKind
  name: string
  apiKey: number | undefined
  /** Every version the JSON declares. */
  declared: Range
  /** Generated (stable) versions: declared minus the last one when it is unstable. */
  valid: Range
  flexible: Range
  deprecated: Range
  listeners: string[]
  /** Root struct first, then nested structs in definition order. */
  structs: StructSpec[]
}

interface RawField {
  name: string
  type: string
  versions?: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number | string
  ignorable?: boolean
  about?: string
  default?: unknown
  flexibleVersions?: string
  fields?: RawField[]
}

interface RawSchema {
  type: SchemaKind
  name: string
  apiKey?: number
  validVersions: string
  flexibleVersions?: string
  deprecatedVersions?: string
  latestVersionUnstable?: boolean
  listeners?: string[]
  /** Absent in the stubs of removed APIs (keys 4-7), which declare no version. */
  fields?: RawField[]
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[]
}

function parseType(t: string): FieldType {
  const elemOf = (n: string) =>
    (PRIMITIVES as readonly string[]).includes(n) ? { kind: 'prim' as const, name: n as Primitive } : { kind: 'struct' as const, name: n }
  if (t.startsWith('[]')) return { kind: 'array', elem: elemOf(t.slice(2)) }
  return elemOf(t)
}

export function buildMessage(file: string, raw: RawSchema, origin: MessageSpec['origin'] = 'primary'): MessageSpec {
  const declared = parseRange(raw.validVersions)
  const valid = raw.latestVersionUnstable ? { lo: declared.lo, hi: declared.hi - 1 } : declared
  const common = new Map((raw.commonStructs ?? []).map((s) => [s.name, s]))
  const structs: StructSpec[] = []
  const seen = new Set<string>()
  const structName = (short: string) => `${raw.name}${short}`

  const toFields = (fields: RawField[]): FieldSpec[] =>
    fields.map((f) => {
      const type = parseType(f.type)
      const tagged = parseRange(f.taggedVersions)
      // A tagged field may omit `versions`; it then exists exactly in its tagged versions.
      const versions = f.versions === undefined && f.taggedVersions !== undefined ? tagged : parseRange(f.versions)
      if (f.taggedVersions !== undefined && (tagged.lo < versions.lo || tagged.hi !== versions.hi)) {
        throw new Error(`${file}: ${f.name}: taggedVersions ${f.taggedVersions} differ from versions ${f.versions}`)
      }
      const spec: FieldSpec = {
        name: f.name,
        prop: propName(f.name),
        type,
        versions,
        nullable: parseRange(f.nullableVersions),
        tagged,
        tag: f.tag === undefined ? undefined : Number(f.tag),
        ignorable: f.ignorable === true,
        about: f.about,
        default: f.default,
        flexible: f.flexibleVersions === undefined ? undefined : parseRange(f.flexibleVersions),
      }
      const struct = type.kind === 'struct' ? type.name : type.kind === 'array' && type.elem.kind === 'struct' ? type.elem.name : undefined
      if (struct !== undefined) {
        const full = structName(struct)
        if (type.kind === 'struct') type.name = full
        else if (type.kind === 'array' && type.elem.kind === 'struct') type.elem.name = full
        if (f.fields) define(full, f.about, f.fields)
        else {
          const c = common.get(struct)
          if (!c) throw new Error(`${file}: unknown struct type ${struct}`)
          define(full, undefined, c.fields)
        }
      }
      return spec
    })

  const define = (name: string, about: string | undefined, fields: RawField[]) => {
    if (seen.has(name)) return
    seen.add(name)
    const spec: StructSpec = { name, about, fields: [] }
    structs.push(spec)
    spec.fields = toFields(fields)
  }

  define(raw.name, undefined, raw.fields ?? [])
  return {
    file,
    origin,
    fromOlder: EMPTY,
    kind: raw.type,
    name: raw.name,
    apiKey: raw.apiKey,
    declared,
    valid,
    flexible: parseRange(raw.flexibleVersions, EMPTY),
    deprecated: parseRange(raw.deprecatedVersions, EMPTY),
    listeners: raw.listeners ?? [],
    structs,
  }
}

export type { RawSchema }
