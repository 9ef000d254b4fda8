// Per-type code snippets: TypeScript types, defaults, and the read / write / size code of one
// value in one wire mode (flexible or not, nullable or not).
import type { FieldSpec, FieldType, Primitive } from './model.ts'

/** A single-quoted TypeScript string literal. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

type Elem = Exclude<FieldType, { kind: 'array' }>

const FIXED_SIZE: Partial<Record<Primitive, number>> = {
  bool: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  float64: 8,
  uuid: 16,
}

const READ_FIXED: Partial<Record<Primitive, string>> = {
  bool: 'r.bool()',
  int8: 'r.int8()',
  int16: 'r.int16()',
  uint16: 'r.uint16()',
  int32: 'r.int32()',
  uint32: 'r.uint32()',
  int64: 'r.int64()',
  float64: 'r.float64()',
  uuid: 'r.uuid()',
}

/** Types whose encoding depends on the flexible / nullable mode. */
export function isVariable(t: FieldType): boolean {
  return t.kind === 'array' || (t.kind === 'prim' && FIXED_SIZE[t.name] === undefined)
}

export function fixedSize(t: FieldType): number | undefined {
  return t.kind === 'prim' ? FIXED_SIZE[t.name] : undefined
}

function primTs(p: Primitive): string {
  switch (p) {
    case 'int64':
      return 'bigint'
    case 'bool':
      return 'boolean'
    case 'string':
    case 'uuid':
      return 'string'
    case 'bytes':
      return 'Buffer'
    case 'records':
      return 'Records'
    default:
      return 'number'
  }
}

function elemTs(t: Elem): string {
  return t.kind === 'prim' ? primTs(t.name) : t.name
}

/** Is `null` a possible value of this field at some version? */
export function canBeNull(f: FieldSpec): boolean {
  return (f.type.kind === 'prim' && f.type.name === 'records') || f.nullable.lo <= f.nullable.hi
}

export function tsType(f: FieldSpec): string {
  const base = f.type.kind === 'array' ? `${elemTs(f.type.elem)}[]` : elemTs(f.type)
  return canBeNull(f) ? `${base} | null` : base
}

function isNullDefault(f: FieldSpec): boolean {
  return f.default === null || f.default === 'null'
}

function intDefault(f: FieldSpec): string {
  const d = f.default
  if (d === undefined || d === '') return '0'
  const n = typeof d === 'number' ? d : Number(String(d).trim())
  if (!Number.isFinite(n)) throw new Error(`bad default ${JSON.stringify(d)} for ${f.name}`)
  return String(n)
}

/** The default value of a field as a TypeScript expression (Kafka generator semantics). */
export function defaultExpr(f: FieldSpec): string {
  const t = f.type
  if (t.kind === 'array') return isNullDefault(f) ? 'null' : '[]'
  if (t.kind === 'struct') return isNullDefault(f) ? 'null' : `default${t.name}()`
  switch (t.name) {
    case 'bool':
      return String(f.default === true || f.default === 'true')
    case 'int64': {
      const d = f.default
      return d === undefined || d === '' ? '0n' : `${BigInt(String(d).trim())}n`
    }
    case 'float64':
      return f.default === undefined ? '0' : String(Number(f.default))
    case 'string':
      return isNullDefault(f) ? 'null' : quote(f.default === undefined ? '' : String(f.default))
    case 'bytes':
      return isNullDefault(f) ? 'null' : 'EMPTY_BYTES'
    case 'records':
      return 'null'
    case 'uuid':
      return 'ZERO_UUID'
    default:
      return intDefault(f)
  }
}

/** Expression that is true when `x` equals the field's default. */
export function isDefaultExpr(f: FieldSpec, x: string): string {
  const t = f.type
  const nullable = canBeNull(f)
  if (isNullDefault(f) || (t.kind === 'prim' && t.name === 'records')) return `${x} === null`
  if (t.kind === 'array' || (t.kind === 'prim' && t.name === 'bytes')) {
    return nullable ? `(${x} !== null && ${x}.length === 0)` : `${x}.length === 0`
  }
  if (t.kind === 'struct') return nullable ? `(${x} !== null && isDefault${t.name}(${x}))` : `isDefault${t.name}(${x})`
  return `${x} === ${defaultExpr(f)}`
}

/** Read expression for a non-array value. */
export function readExpr(t: Elem, flex: boolean, nullable: boolean, tagged = false): string {
  if (t.kind === 'struct') {
    // A nullable struct carries a presence marker: int8 (-1 null, 1 present) in the ordered
    // fields, but an unsigned varint (0 null, 1 present) inside a tagged field, as Kafka does.
    const isNull = tagged ? 'r.uvarint() === 0' : 'r.int8() < 0'
    return nullable ? `(${isNull} ? null : read${t.name}(r, version))` : `read${t.name}(r, version)`
  }
  const fixed = READ_FIXED[t.name]
  if (fixed) return fixed
  const base = t.name === 'string' ? 'String' : 'Bytes'
  if (flex) return nullable ? `r.compactNullable${base}()` : `r.compact${base}()`
  return nullable ? `r.nullable${base}()` : `r.${base.toLowerCase()}()`
}

/** Write statement for a non-array value `x` (non-null unless `nullable`). */
export function writeStmt(t: Elem, flex: boolean, nullable: boolean, x: string, w: string, tagged = false): string {
  if (t.kind === 'struct') {
    const [nul, present] = tagged ? ['uvarint(0)', 'uvarint(1)'] : ['int8(-1)', 'int8(1)']
    return nullable
      ? `if (${x} === null) ${w}.${nul}\nelse {\n${w}.${present}\nwrite${t.name}(${w}, ${x}, version)\n}`
      : `write${t.name}(${w}, ${x}, version)`
  }
  if (FIXED_SIZE[t.name] !== undefined) return `${w}.${t.name}(${x})`
  // A records field is always nullable (canBeNull) and may be a list of buffers (Records).
  if (t.name === 'records') return flex ? `${w}.compactNullableRecords(${x})` : `${w}.nullableRecords(${x})`
  const base = t.name === 'string' ? 'String' : 'Bytes'
  if (flex) return nullable ? `${w}.compactNullable${base}(${x})` : `${w}.compact${base}(${x})`
  return nullable ? `${w}.nullable${base}(${x})` : `${w}.${base.toLowerCase()}(${x})`
}

/** Statements adding the encoded size of a non-array value `x` to `acc`. */
export function sizeStmt(t: Elem, flex: boolean, nullable: boolean, x: string, acc: string, zc: string): string {
  if (t.kind === 'struct') {
    return nullable ? `${acc} += ${x} === null ? 1 : 1 + size${t.name}(${x}, version, ${zc})` : `${acc} += size${t.name}(${x}, version, ${zc})`
  }
  const fixed = FIXED_SIZE[t.name]
  if (fixed !== undefined) return `${acc} += ${fixed}`
  // Payloads at or above the writer's zero-copy threshold are referenced, not reserved.
  if (t.name === 'records') {
    const body = `const l = recordsLength(${x})\n${acc} += ${flex ? 'sizeOfUvarint(l + 1)' : '4'} + ${zc === 'Infinity' ? 'l' : `(l >= ${zc} ? 0 : l)`}`
    return `if (${x} === null) ${acc} += ${flex ? 1 : 4}\nelse {\n${body}\n}`
  }
  const len = t.name === 'string' ? `utf8Length(${x})` : zc === 'Infinity' ? `${x}.length` : `(${x}.length >= ${zc} ? 0 : ${x}.length)`
  const prefix = t.name === 'string' ? 2 : 4
  if (flex) {
    const body =
      t.name === 'string'
        ? `{\nconst l = ${len}\n${acc} += sizeOfUvarint(l + 1) + l\n}`
        : `${acc} += sizeOfUvarint(${x}.length + 1) + ${len}`
    return nullable ? `if (${x} === null) ${acc} += 1\nelse ${body}` : body
  }
  return nullable ? `${acc} += ${x} === null ? ${prefix} : ${prefix} + ${len}` : `${acc} += ${prefix} + ${len}`
}

/** Read statements assigning an array (or null) to `target`. */
export function readArrayStmt(t: Extract<FieldType, { kind: 'array' }>, flex: boolean, nullable: boolean, target: string): string {
  const count = flex ? `r.compactArrayLength(${nullable})` : `r.arrayLength(${nullable})`
  const elem = readExpr(t.elem, flex, false)
  const fill = `const a: ${elemTs(t.elem)}[] = []\nfor (let i = 0; i < n; i++) a.push(${elem})\n${target} = a`
  return nullable ? `const n = ${count}\nif (n < 0) ${target} = null\nelse {\n${fill}\n}` : `const n = ${count}\n${fill}`
}

export function writeArrayStmt(t: Extract<FieldType, { kind: 'array' }>, flex: boolean, nullable: boolean, x: string, w: string): string {
  const count = flex ? `${w}.uvarint(${x}.length + 1)` : `${w}.int32(${x}.length)`
  const body = `${count}\nfor (const e of ${x}) ${writeStmt(t.elem, flex, false, 'e', w)}`
  const nullWrite = flex ? `${w}.uvarint(0)` : `${w}.int32(-1)`
  return nullable ? `if (${x} === null) ${nullWrite}\nelse {\n${body}\n}` : body
}

export function sizeArrayStmt(t: Extract<FieldType, { kind: 'array' }>, flex: boolean, nullable: boolean, x: string, acc: string, zc: string): string {
  const prefix = flex ? `sizeOfUvarint(${x}.length + 1)` : '4'
  const fixed = fixedSize(t.elem)
  const elems =
    fixed !== undefined ? `${acc} += ${prefix} + ${x}.length * ${fixed}` : `${acc} += ${prefix}\nfor (const e of ${x}) {\n${sizeStmt(t.elem, flex, false, 'e', acc, zc)}\n}`
  const nullSize = flex ? 1 : 4
  return nullable ? `if (${x} === null) ${acc} += ${nullSize}\nelse {\n${elems}\n}` : elems
}
