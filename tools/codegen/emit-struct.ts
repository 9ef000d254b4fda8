// Emits one struct: its interface and straight-line read / write / size / default functions.
// Version-dependent encodings are resolved at generation time into `if (version ...)` chains,
// so the hot path has no per-field closures or schema lookups.
import type { FieldSpec, MessageSpec, StructSpec } from './model.ts'
import { docText } from './names.ts'
import {
  canBeNull,
  defaultExpr,
  isDefaultExpr,
  readArrayStmt,
  readExpr,
  sizeArrayStmt,
  sizeStmt,
  tsType,
  writeArrayStmt,
  writeStmt,
} from './types.ts'
import { inRange, intervals, versionCondition, type Interval } from './versions.ts'

/** How one field travels at one version. */
type Mode = 'absent' | 'tagged' | 'tagged-null' | 'plain' | 'plain-null' | 'compact' | 'compact-null'

interface Ctx {
  msg: MessageSpec
  min: number
  max: number
  /** Does the message have flexible versions inside the generated range? */
  hasFlexible: boolean
}

export function makeCtx(msg: MessageSpec): Ctx {
  const { lo, hi } = msg.valid
  let hasFlexible = false
  for (let v = lo; v <= hi; v++) if (inRange(msg.flexible, v)) hasFlexible = true
  return { msg, min: lo, max: hi, hasFlexible }
}

function modeAt(ctx: Ctx, f: FieldSpec, v: number): Mode {
  if (!inRange(f.versions, v)) return 'absent'
  const nullable = inRange(f.nullable, v)
  if (inRange(f.tagged, v) && inRange(ctx.msg.flexible, v)) return nullable ? 'tagged-null' : 'tagged'
  const flex = inRange(f.flexible ?? ctx.msg.flexible, v)
  const t = f.type
  const variable = t.kind === 'array' || (t.kind === 'prim' && ['string', 'bytes', 'records'].includes(t.name))
  if (!variable) return nullable && t.kind === 'struct' ? 'plain-null' : 'plain'
  return flex ? (nullable ? 'compact-null' : 'compact') : nullable ? 'plain-null' : 'plain'
}

function fieldIntervals(ctx: Ctx, f: FieldSpec): Interval<Mode>[] {
  return intervals(ctx.min, ctx.max, (v) => modeAt(ctx, f, v))
}

function cond(ctx: Ctx, iv: { lo: number; hi: number }): string {
  return versionCondition(iv.lo, iv.hi, ctx.min, ctx.max)
}

/** Joins [condition, body] pairs into an if / else-if chain (a `true` condition ends it). */
function chain(branches: [string, string][], otherwise?: string): string {
  const out: string[] = []
  for (const [c, body] of branches) {
    if (c === 'true') {
      // A lone body gets its own block only when it declares locals (they would collide).
      const lone = /^(const|let) /m.test(body) ? `{\n${body}\n}` : body
      out.push(out.length === 0 ? lone : `else {\n${body}\n}`)
      return out.join(' ')
    }
    out.push(`${out.length === 0 ? 'if' : 'else if'} (${c}) {\n${body}\n}`)
  }
  if (otherwise !== undefined) out.push(out.length === 0 ? otherwise : `else {\n${otherwise}\n}`)
  return out.join(' ')
}

function isTagged(m: Mode): boolean {
  return m === 'tagged' || m === 'tagged-null'
}

function isNullableMode(m: Mode): boolean {
  return m.endsWith('-null')
}

function readValue(f: FieldSpec, m: Mode, target: string): string {
  const flex = m === 'compact' || m === 'compact-null' || isTagged(m)
  const nullable = isNullableMode(m)
  if (f.type.kind === 'array') return readArrayStmt(f.type, flex, nullable, target)
  return `${target} = ${readExpr(f.type, flex, nullable, isTagged(m))}`
}

/** `x` with a non-null assertion when the TypeScript type allows null but this mode does not. */
function valueRef(f: FieldSpec, m: Mode, x: string): string {
  return canBeNull(f) && !isNullableMode(m) ? `${x}!` : x
}

function writeValue(f: FieldSpec, m: Mode, x: string, w: string): string {
  const flex = m === 'compact' || m === 'compact-null' || isTagged(m)
  const nullable = isNullableMode(m)
  const ref = valueRef(f, m, x)
  if (f.type.kind === 'array') return writeArrayStmt(f.type, flex, nullable, ref, w)
  return writeStmt(f.type, flex, nullable, ref, w, isTagged(m))
}

function sizeValue(s: StructSpec, f: FieldSpec, m: Mode, x: string, acc: string, zc: string): string {
  const flex = m === 'compact' || m === 'compact-null' || isTagged(m)
  const nullable = isNullableMode(m)
  const check = canBeNull(f) && !nullable ? `if (${x} === null) throw nullNotAllowed('${s.name}', '${f.prop}', version)\n` : ''
  if (f.type.kind === 'array') return check + sizeArrayStmt(f.type, flex, nullable, x, acc, zc)
  return check + sizeStmt(f.type, flex, nullable, x, acc, zc)
}

function doc(lines: (string | undefined)[], indent = ''): string {
  const real = lines.filter((l): l is string => l !== undefined && l.trim() !== '').map(docText)
  if (real.length === 0) return ''
  if (real.length === 1) return `${indent}/** ${real[0]} */\n`
  return `${indent}/**\n${real.map((l) => `${indent} * ${l}`).join('\n')}\n${indent} */\n`
}

function rangeText(lo: number, hi: number): string {
  return hi === Infinity ? `${lo}+` : lo === hi ? `${lo}` : `${lo}-${hi}`
}

function fieldNote(f: FieldSpec): string {
  const parts = [`versions ${rangeText(f.versions.lo, f.versions.hi)}`]
  if (f.nullable.lo <= f.nullable.hi) parts.push(`nullable ${rangeText(f.nullable.lo, f.nullable.hi)}`)
  if (f.tag !== undefined) parts.push(`tag ${f.tag}`)
  if (f.ignorable) parts.push('ignorable')
  return `(${parts.join(', ')})`
}

export function emitStruct(ctx: Ctx, s: StructSpec, isRoot: boolean): string {
  const out: string[] = []
  const name = s.name
  const fields = s.fields
  const ivs = new Map(fields.map((f) => [f, fieldIntervals(ctx, f)]))
  const local = (f: FieldSpec) => `f_${f.name}`
  const flexCond = ctx.hasFlexible ? versionCondition(Math.max(ctx.msg.flexible.lo, ctx.min), ctx.max, ctx.min, ctx.max) : 'false'
  // Inside the tagged-field section the version is already known to be flexible.
  const flexMin = Math.max(ctx.msg.flexible.lo, ctx.min)
  const tcond = (iv: { lo: number; hi: number }) => versionCondition(iv.lo, iv.hi, flexMin, ctx.max)
  const taggedFields = fields
    .filter((f) => ivs.get(f)!.some((iv) => isTagged(iv.key)))
    .sort((a, b) => a.tag! - b.tag!)

  // ---- interface
  out.push(doc([isRoot ? `${name} (${ctx.msg.file}), versions ${rangeText(ctx.min, ctx.max)}.` : undefined, s.about]) + `export interface ${name} {`)
  for (const f of fields) {
    out.push(doc([f.about, fieldNote(f)], '  ') + `  ${f.prop}: ${tsType(f)}`)
  }
  if (ctx.hasFlexible) {
    out.push('  /** Tagged fields this codec does not know; preserved and re-encoded in tag order. */')
    out.push('  unknownTaggedFields?: TaggedField[]')
  }
  out.push('}\n')

  // ---- default
  out.push(`/** A ${name} with every field at its default. */`)
  out.push(`export function default${name}(): ${name} {`)
  out.push(`return {\n${fields.map((f) => `${f.prop}: ${defaultExpr(f)},`).join('\n')}\n}`)
  out.push('}\n')

  out.push(`export function isDefault${name}(v: ${name}): boolean {`)
  const checks = fields.map((f) => isDefaultExpr(f, `v.${f.prop}`))
  if (ctx.hasFlexible) checks.push('(v.unknownTaggedFields === undefined || v.unknownTaggedFields.length === 0)')
  out.push(`return ${checks.length ? checks.join(' &&\n') : 'true'}`)
  out.push('}\n')

  // ---- read
  out.push(`export function read${name}(r: Reader, version: number): ${name} {`)
  for (const f of fields) {
    const branches: [string, string][] = []
    const fivs = ivs.get(f)!
    for (const iv of fivs) {
      if (iv.key === 'absent' || isTagged(iv.key)) continue
      branches.push([cond(ctx, iv), readValue(f, iv.key, local(f))])
    }
    const covered = branches.length === fivs.length
    if (covered) branches[branches.length - 1]![0] = 'true'
    out.push(`let ${local(f)}: ${tsType(f)}`)
    out.push(chain(branches, covered ? undefined : `${local(f)} = ${defaultExpr(f)}`))
  }
  if (ctx.hasFlexible) {
    out.push('let unknownTaggedFields: TaggedField[] | undefined')
    const known: [string, string][] = []
    for (const f of taggedFields) {
      for (const iv of ivs.get(f)!) {
        if (!isTagged(iv.key)) continue
        const c = tcond(iv)
        known.push([`tag === ${f.tag}${c === 'true' ? '' : ` && ${c}`}`, `${readValue(f, iv.key, local(f))}\nr.endTaggedField(end)`])
      }
    }
    const loop = [
      'const n = r.taggedFieldCount()',
      'for (let i = 0; i < n; i++) {',
      'const tag = r.uvarint()',
      'const size = r.taggedFieldSize()',
      known.length ? 'const end = r.pos + size' : '',
      chain(known, 'if (unknownTaggedFields === undefined) unknownTaggedFields = []\nunknownTaggedFields.push({ tag, data: r.raw(size) })'),
      '}',
    ]
      .filter((l) => l !== '')
      .join('\n')
    out.push(flexCond === 'true' ? `{\n${loop}\n}` : `if (${flexCond}) {\n${loop}\n}`)
  }
  out.push(`const v: ${name} = {\n${fields.map((f) => `${f.prop}: ${local(f)},`).join('\n')}\n}`)
  if (ctx.hasFlexible) out.push('if (unknownTaggedFields !== undefined) v.unknownTaggedFields = unknownTaggedFields')
  out.push('return v')
  out.push('}\n')

  // ---- write
  out.push(`export function write${name}(w: Writer, v: ${name}, version: number): void {`)
  for (const f of fields) {
    const branches: [string, string][] = []
    let absent = false
    for (const iv of ivs.get(f)!) {
      if (iv.key === 'absent') absent = true
      else if (isTagged(iv.key)) branches.push([cond(ctx, iv), '// tagged: written in the tagged-field section'])
      else branches.push([cond(ctx, iv), writeValue(f, iv.key, `v.${f.prop}`, 'w')])
    }
    // A value left out (undefined: an untyped caller built the object for an older version) counts as the default.
    const absentCheck = absent && !f.ignorable
      ? `if (v.${f.prop} !== undefined && !(${isDefaultExpr(f, `v.${f.prop}`)})) throw fieldNotInVersion('${name}', '${f.prop}', version)`
      : undefined
    const kept = branches.filter(([, b]) => !b.startsWith('//') || absentCheck !== undefined)
    if (!absent && kept.length === branches.length && kept.length > 0) kept[kept.length - 1]![0] = 'true'
    const text = chain(kept, absentCheck)
    if (text) out.push(text)
  }
  if (ctx.hasFlexible) {
    const present = (f: FieldSpec, iv: Interval<Mode>) => {
      const c = tcond(iv)
      const nd = `!(${isDefaultExpr(f, `v.${f.prop}`)})`
      return c === 'true' ? nd : `${c} && ${nd}`
    }
    const fast: string[] = ['let n = 0']
    const writes: string[] = []
    const slow: string[] = ['const t: TaggedField[] = u.slice()']
    for (const f of taggedFields) {
      for (const iv of ivs.get(f)!) {
        if (!isTagged(iv.key)) continue
        fast.push(`if (${present(f, iv)}) n++`)
        writes.push(
          `if (${present(f, iv)}) {\nw.uvarint(${f.tag})\nlet ts = 0\n${sizeValue(s, f, iv.key, `v.${f.prop}`, 'ts', 'Infinity')}\nw.uvarint(ts)\n${writeValue(f, iv.key, `v.${f.prop}`, 'w')}\n}`,
        )
        slow.push(`if (${present(f, iv)}) {\nconst tw = new Writer(64)\n${writeValue(f, iv.key, `v.${f.prop}`, 'tw')}\nt.push({ tag: ${f.tag}, data: tw.finish() })\n}`)
      }
    }
    slow.push('writeTaggedFields(w, t)')
    const body = taggedFields.length
      ? `const u = v.unknownTaggedFields\nif (u === undefined || u.length === 0) {\n${fast.join('\n')}\nw.uvarint(n)\n${writes.join('\n')}\n} else {\n${slow.join('\n')}\n}`
      : `const u = v.unknownTaggedFields\nif (u === undefined || u.length === 0) w.uvarint(0)\nelse writeTaggedFields(w, u)`
    out.push(flexCond === 'true' ? `{\n${body}\n}` : `if (${flexCond}) {\n${body}\n}`)
  }
  out.push('}\n')

  // ---- size
  out.push(`/** Encoded size; \`records\` payloads of at least \`zc\` bytes are not counted (they are referenced). */`)
  out.push(`export function size${name}(v: ${name}, version: number, zc = Infinity): number {`)
  out.push('let s = 0')
  for (const f of fields) {
    const branches: [string, string][] = []
    const fivs = ivs.get(f)!
    for (const iv of fivs) {
      if (iv.key === 'absent' || isTagged(iv.key)) continue
      branches.push([cond(ctx, iv), sizeValue(s, f, iv.key, `v.${f.prop}`, 's', 'zc')])
    }
    if (branches.length === fivs.length && branches.length > 0) branches[branches.length - 1]![0] = 'true'
    const text = chain(branches)
    if (text) out.push(text)
  }
  if (ctx.hasFlexible) {
    const lines: string[] = ['let n = 0']
    for (const f of taggedFields) {
      for (const iv of ivs.get(f)!) {
        if (!isTagged(iv.key)) continue
        const c = tcond(iv)
        const nd = `!(${isDefaultExpr(f, `v.${f.prop}`)})`
        lines.push(
          `if (${c === 'true' ? nd : `${c} && ${nd}`}) {\nn++\nlet ts = 0\n${sizeValue(s, f, iv.key, `v.${f.prop}`, 'ts', 'Infinity')}\ns += sizeOfUvarint(${f.tag}) + sizeOfUvarint(ts) + ts\n}`,
        )
      }
    }
    lines.push('const u = v.unknownTaggedFields')
    lines.push('if (u !== undefined) {\nfor (const e of u) s += sizeOfUvarint(e.tag) + sizeOfUvarint(e.data.length) + e.data.length\nn += u.length\n}')
    lines.push('s += sizeOfUvarint(n)')
    out.push(flexCond === 'true' ? `{\n${lines.join('\n')}\n}` : `if (${flexCond}) {\n${lines.join('\n')}\n}`)
  }
  out.push('return s')
  out.push('}\n')
  return out.join('\n')
}
