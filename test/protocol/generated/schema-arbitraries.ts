// fast-check arbitraries for any generated schema at any version, driven by the derived
// src/protocol/generated/schemas.json. Values respect the schema: fields absent at the version
// hold their default, null appears only where the version allows it, and unknown tagged
// fields (with tags no schema uses) appear only in flexible versions.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import type { Reader, Writer } from '../../../src/protocol/primitives/index.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'

type VRange = [number, number | null] | null

export interface FieldSchema {
  prop: string
  type: string
  struct: boolean
  versions: VRange
  nullable: VRange
  tagged: VRange
  tag: number | null
  ignorable: boolean
  flexible?: VRange
  default: string | null
}

export interface MessageSchema {
  name: string
  kind: string
  module: string
  apiKey: number | null
  versions: [number, number]
  flexible: VRange
  structs: Record<string, FieldSchema[]>
}

export type Codec = {
  decode: (r: Reader, version: number) => unknown
  encode: (w: Writer, value: unknown, version: number) => void
  size: (value: unknown, version: number, zc: number) => number
  defaults: (struct: string) => unknown
}

export const SCHEMAS: MessageSchema[] = JSON.parse(
  readFileSync(new URL('../../../src/protocol/generated/schemas.json', import.meta.url), 'utf8'),
) as MessageSchema[]

export function inRange(r: VRange | undefined, v: number): boolean {
  return r !== null && r !== undefined && v >= r[0] && (r[1] === null || v <= r[1])
}

const modules = new Map<string, Record<string, unknown>>()

export async function loadCodec(m: MessageSchema): Promise<Codec> {
  let mod = modules.get(m.module)
  if (!mod) {
    mod = (await import(`../../../src/protocol/generated/${m.module}`)) as Record<string, unknown>
    modules.set(m.module, mod)
  }
  const fn = (name: string) => {
    const f = mod[name]
    if (typeof f !== 'function') throw new Error(`${m.module} does not export ${name}`)
    return f as (...args: unknown[]) => unknown
  }
  return {
    decode: fn(`decode${m.name}`) as Codec['decode'],
    encode: fn(`encode${m.name}`) as Codec['encode'],
    size: fn(`size${m.name}`) as Codec['size'],
    defaults: (struct) => fn(`default${struct}`)(),
  }
}

const INT_RANGES: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
}

/** Default value of a field, mirroring the generator's rules. */
export function defaultValue(f: FieldSchema, codec: Codec): unknown {
  const d = f.default
  const isNull = d === 'null'
  if (f.type.startsWith('[]')) return isNull ? null : []
  if (f.struct) return isNull ? null : codec.defaults(f.type)
  switch (f.type) {
    case 'bool':
      return d === 'true'
    case 'int64':
      return d === null || d === '' ? 0n : BigInt(d.trim())
    case 'string':
      return isNull ? null : (d ?? '')
    case 'bytes':
      return isNull ? null : Buffer.alloc(0)
    case 'records':
      return null
    case 'uuid':
      return ZERO_UUID
    default:
      return d === null || d === '' ? 0 : Number(d.trim())
  }
}

const MAX_STRING = 'é'.repeat(16383) + 'x'
const stringArb = fc.oneof(
  { weight: 30, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant(MAX_STRING) },
)
const bytesArb = fc.oneof(
  { weight: 30, arbitrary: fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(70_000, 0xab)) },
)
const uuidArb = fc.oneof(
  fc.constant(ZERO_UUID),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a).toString('base64url')),
)

function primitiveArb(type: string): fc.Arbitrary<unknown> {
  const ints = INT_RANGES[type]
  if (ints) return fc.oneof(fc.integer({ min: ints[0], max: ints[1] }), fc.constantFrom(ints[0], ints[1], 0, -1 >= ints[0] ? -1 : 1))
  switch (type) {
    case 'bool':
      return fc.boolean()
    case 'int64':
      return fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -1n, 0n))
    case 'float64':
      return fc.double()
    case 'string':
      return stringArb
    case 'bytes':
    case 'records':
      return bytesArb
    case 'uuid':
      return uuidArb
  }
  throw new Error(`unknown primitive ${type}`)
}

/** Arbitrary of struct `struct` of `m` at `version`; `depth` bounds nested array sizes. */
export function structArb(m: MessageSchema, codec: Codec, struct: string, version: number, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const fields = m.structs[struct]
  if (!fields) throw new Error(`${m.name}: no struct ${struct}`)
  const flexible = inRange(m.flexible, version)
  const shape: Record<string, fc.Arbitrary<unknown>> = {}
  const maxLength = depth === 0 ? 3 : depth === 1 ? 2 : 1
  for (const f of fields) {
    if (!inRange(f.versions, version)) {
      shape[f.prop] = fc.constant(null).map(() => defaultValue(f, codec))
      continue
    }
    let arb: fc.Arbitrary<unknown>
    if (f.type.startsWith('[]')) {
      const elem = f.type.slice(2)
      const elemArb = f.struct ? structArb(m, codec, elem, version, depth + 1) : primitiveArb(elem)
      arb = fc.array(elemArb, { maxLength })
    } else if (f.struct) {
      arb = structArb(m, codec, f.type, version, depth + 1)
    } else {
      arb = primitiveArb(f.type)
    }
    const nullable = inRange(f.nullable, version) || (f.type === 'records' && inRange(f.nullable, version))
    shape[f.prop] = nullable ? fc.option(arb, { nil: null, freq: 4 }) : arb
  }
  if (!flexible) return fc.record(shape, { noNullPrototype: true })
  // Unknown tagged fields: ascending unique tags well above any tag Kafka uses.
  const unknown = fc
    .uniqueArray(fc.integer({ min: 100, max: 140 }), { minLength: 1, maxLength: 3 })
    .chain((tags) =>
      fc.tuple(...tags.sort((a, b) => a - b).map((tag) => fc.uint8Array({ maxLength: 6 }).map((d) => ({ tag, data: Buffer.from(d) })))),
    )
  shape.unknownTaggedFields = unknown
  const required = Object.keys(shape).filter((k) => k !== 'unknownTaggedFields')
  return fc.record(shape, { requiredKeys: required, noNullPrototype: true }) as fc.Arbitrary<Record<string, unknown>>
}
