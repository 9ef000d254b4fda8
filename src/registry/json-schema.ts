// JSON Schema (drafts 4 to 2020-12, validated by ajv): identity and compatibility.
// Canonical text: the schema's JSON with object keys sorted (key order means nothing in JSON).
// Compatibility asks one question, the one Confluent's JSON Schema rules encode case by case:
// does the reader accept every document the writer accepts? `accepts` answers it structurally
// and conservatively — whatever it cannot prove (a keyword it does not model, differing patterns)
// counts as incompatible, with a message saying where. Among the consequences, as in Confluent's
// rules: a property added to an open content model must accept anything, a property removed from a
// closed model breaks readers, new required properties and narrowed types, ranges or enums break.
import { Ajv } from 'ajv'
import type { AnySchema, AnySchemaObject, ValidateFunction } from 'ajv'
import Ajv2019 from 'ajv/dist/2019.js'
import Ajv2020 from 'ajv/dist/2020.js'
import AjvDraft04 from 'ajv-draft-04'
import { createRequire } from 'node:module'
import { invalidSchema } from './errors.ts'
import type { ParsedSchema, ResolvedReference } from './formats.ts'

type Node = boolean | Record<string, unknown>

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (typeof v !== 'object' || v === null) return v
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k])
  return out
}

function validatorFor(schema: Node): Ajv {
  const uri = typeof schema === 'object' && typeof schema.$schema === 'string' ? schema.$schema : ''
  const opts = { strict: false, allErrors: false, validateFormats: false }
  if (uri.includes('draft-04')) return new AjvDraft04.default(opts) as unknown as Ajv
  if (uri.includes('2019-09')) return new Ajv2019.default(opts) as unknown as Ajv
  if (uri.includes('2020-12')) return new Ajv2020.default(opts) as unknown as Ajv
  // Draft 7 is ajv's default; draft 6 differs little and validates with its meta-schema added.
  const ajv = new Ajv(opts)
  if (uri.includes('draft-06')) ajv.addMetaSchema(DRAFT_06)
  return ajv
}

const DRAFT_06 = createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json') as AnySchemaObject

const isNode = (v: unknown): v is Node => typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v))

export class JsonSchema implements ParsedSchema {
  readonly schemaType = 'JSON' as const

  private constructor(readonly canonical: string, readonly root: Node, readonly refs: ReadonlyMap<string, Node>, private readonly check: ValidateFunction) {}

  recordNames(): string[] {
    return typeof this.root === 'object' && typeof this.root.title === 'string' ? [this.root.title] : []
  }

  validate(payload: Buffer): string | null {
    let doc: unknown
    try {
      doc = JSON.parse(payload.toString('utf8'))
    } catch (err) {
      return `not JSON: ${(err as Error).message}`
    }
    if (this.check(doc)) return null
    return this.check.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ') ?? 'does not match'
  }

  static parse(text: string, references: readonly ResolvedReference[]): JsonSchema {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw invalidSchema(`'${text.slice(0, 200)}' is not JSON`)
    }
    if (!isNode(json)) throw invalidSchema('a JSON Schema is an object or a boolean')
    const refs = new Map<string, Node>()
    let check: ValidateFunction
    try {
      const ajv = validatorFor(json)
      for (const ref of references) {
        const schema = JSON.parse(ref.schema) as Node
        refs.set(ref.name, schema)
        ajv.addSchema(schema as AnySchema, ref.name)
      }
      check = ajv.compile(json as AnySchema)
    } catch (err) {
      throw invalidSchema((err as Error).message)
    }
    return new JsonSchema(JSON.stringify(sortKeys(json)), json, refs, check)
  }

  canRead(writer: ParsedSchema): string[] {
    if (!(writer instanceof JsonSchema)) return [`cannot read a ${writer.schemaType} schema's data as JSON`]
    const messages: string[] = []
    new Comparison(this, writer, messages).accepts(this.root, writer.root, '#')
    return messages
  }

  /** Follows a $ref: local pointers (#/definitions/x, #/$defs/x) or a reference's name. */
  resolve(ref: string): Node | undefined {
    const [doc, pointer = ''] = ref.split('#')
    let node: unknown = doc === '' ? this.root : this.refs.get(doc!)
    for (const part of pointer.split('/').filter(Boolean)) {
      if (typeof node !== 'object' || node === null) return undefined
      node = (node as Record<string, unknown>)[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')]
    }
    return isNode(node) ? node : undefined
  }
}

const TYPES = ['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']
/** Keywords `accepts` reasons about; any other keyword in the reader must equal the writer's. */
const MODELLED = new Set([
  '$schema', '$id', 'id', '$ref', '$comment', 'title', 'description', 'default', 'examples', 'definitions', '$defs', 'format',
  'type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', 'properties', 'required', 'additionalProperties', 'patternProperties',
  'items', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength',
  'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'readOnly', 'writeOnly', 'deprecated',
])

class Comparison {
  private readonly seen = new Set<string>()

  constructor(private readonly reader: JsonSchema, private readonly writer: JsonSchema, private readonly out: string[]) {}

  private fail(path: string, why: string): false {
    this.out.push(`${path}: ${why}`)
    return false
  }

  /** Whether every document `w` accepts, `r` accepts (messages for each place it does not). */
  accepts(r: Node, w: Node, path: string): boolean {
    if (typeof r === 'object' && typeof r.$ref === 'string') {
      const target = this.reader.resolve(r.$ref)
      if (target === undefined) return this.fail(path, `the reader's $ref ${r.$ref} does not resolve`)
      return this.guard(r, w, () => this.accepts(target, w, path))
    }
    if (typeof w === 'object' && typeof w.$ref === 'string') {
      const target = this.writer.resolve(w.$ref)
      if (target === undefined) return this.fail(path, `the writer's $ref ${w.$ref} does not resolve`)
      return this.guard(r, w, () => this.accepts(r, target, path))
    }
    if (acceptsAll(r)) return true
    if (w === false) return true
    if (w === true || acceptsAll(w)) return this.fail(path, 'the old schema allowed any value here, the new one does not')
    if (r === false) return this.fail(path, 'the new schema allows no value here')
    const rs = r as Record<string, unknown>
    const ws = w as Record<string, unknown>
    // Unions in the writer: every branch must be accepted. Unions in the reader: some branch must
    // accept the writer. Intersections: the reader's all must hold; one of the writer's suffices.
    for (const k of ['anyOf', 'oneOf'] as const) {
      if (Array.isArray(ws[k])) {
        const rest = { ...ws, [k]: undefined }
        return (ws[k] as Node[]).every((b, i) => this.accepts(r, merge(rest, b), `${path}/${k}/${i}`))
      }
    }
    if (Array.isArray(rs.allOf) && !(rs.allOf as Node[]).every((b, i) => this.accepts(b, w, `${path}/allOf/${i}`))) return false
    if (Array.isArray(ws.allOf) && !Array.isArray(rs.allOf)) {
      if ((ws.allOf as Node[]).some((b) => this.quiet(r, merge({ ...ws, allOf: undefined }, b)))) return true
    }
    for (const k of ['anyOf', 'oneOf'] as const) {
      if (Array.isArray(rs[k])) {
        const rest = { ...rs, [k]: undefined }
        if (!(rs[k] as Node[]).some((b) => this.quiet(merge(rest, b), w))) return this.fail(path, `no branch of the new ${k} accepts what the old schema allowed`)
        return true
      }
    }
    let ok = true
    for (const k of Object.keys(rs)) {
      if (!MODELLED.has(k) && JSON.stringify(sortKeys(rs[k])) !== JSON.stringify(sortKeys(ws[k]))) {
        ok = this.fail(path, `'${k}' changed or was added, and cannot be verified as compatible`)
      }
    }
    return this.types(rs, ws, path) && this.values(rs, ws, path) && this.bounds(rs, ws, path)
      && this.objects(rs, ws, path) && this.arrays(rs, ws, path) && ok
  }

  /** `accepts` without recording messages (trying union branches). */
  private quiet(r: Node, w: Node): boolean {
    const saved = this.out.length
    const ok = this.accepts(r, w, '')
    this.out.length = saved
    return ok
  }

  /** Recursive schemas: a pair already under comparison is assumed to hold (co-induction). */
  private guard(r: Node, w: Node, fn: () => boolean): boolean {
    const key = JSON.stringify([r, w])
    if (this.seen.has(key)) return true
    this.seen.add(key)
    return fn()
  }

  private types(r: Record<string, unknown>, w: Record<string, unknown>, path: string): boolean {
    if (r.type === undefined) return true
    const rt = new Set(typeList(r.type))
    const wt = w.type === undefined ? inferTypes(w) : typeList(w.type)
    const missing = wt.filter((t) => !rt.has(t) && !(t === 'integer' && rt.has('number')))
    return missing.length === 0 || this.fail(path, `type ${missing.join(', ')} is no longer allowed`)
  }

  private values(r: Record<string, unknown>, w: Record<string, unknown>, path: string): boolean {
    const allowed = r.const !== undefined ? [r.const] : Array.isArray(r.enum) ? r.enum : undefined
    if (allowed === undefined) return true
    const given = w.const !== undefined ? [w.const] : Array.isArray(w.enum) ? w.enum : undefined
    if (given === undefined) return this.fail(path, 'an enum or const was added')
    const keys = new Set(allowed.map((v) => JSON.stringify(sortKeys(v))))
    const lost = given.filter((v) => !keys.has(JSON.stringify(sortKeys(v))))
    return lost.length === 0 || this.fail(path, `enum values removed: ${lost.map((v) => JSON.stringify(v)).join(', ')}`)
  }

  private bounds(r: Record<string, unknown>, w: Record<string, unknown>, path: string): boolean {
    let ok = true
    // The reader's lower bounds may not be above the writer's, its upper bounds not below.
    const atLeast = (k: string) => {
      if (typeof r[k] !== 'number') return
      if (typeof w[k] !== 'number' || (w[k] as number) < (r[k] as number)) ok = this.fail(path, `'${k}' was added or raised`)
    }
    const atMost = (k: string) => {
      if (typeof r[k] !== 'number') return
      if (typeof w[k] !== 'number' || (w[k] as number) > (r[k] as number)) ok = this.fail(path, `'${k}' was added or lowered`)
    }
    for (const k of ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']) atLeast(k)
    for (const k of ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']) atMost(k)
    if (typeof r.multipleOf === 'number' && !(typeof w.multipleOf === 'number' && Number.isInteger(w.multipleOf / r.multipleOf))) {
      ok = this.fail(path, `'multipleOf' ${r.multipleOf} does not divide the old one`)
    }
    for (const k of ['pattern', 'format']) {
      if (r[k] !== undefined && r[k] !== w[k]) ok = this.fail(path, `'${k}' was added or changed`)
    }
    if (r.uniqueItems === true && w.uniqueItems !== true) ok = this.fail(path, "'uniqueItems' was added")
    // Draft 4's boolean exclusive bounds tighten the bound beside them.
    for (const k of ['exclusiveMinimum', 'exclusiveMaximum']) {
      if (r[k] === true && w[k] !== true) ok = this.fail(path, `'${k}' was added`)
    }
    return ok
  }

  private objects(r: Record<string, unknown>, w: Record<string, unknown>, path: string): boolean {
    let ok = true
    const wRequired = new Set(Array.isArray(w.required) ? w.required as string[] : [])
    for (const p of Array.isArray(r.required) ? r.required as string[] : []) {
      if (!wRequired.has(p)) ok = this.fail(path, `property '${p}' became required`)
    }
    const rProps = (r.properties ?? {}) as Record<string, Node>
    const wProps = (w.properties ?? {}) as Record<string, Node>
    if (r.properties === undefined && r.additionalProperties === undefined && r.patternProperties === undefined) return ok
    for (const [p, rp] of Object.entries(rProps)) {
      // What the old schema let this property be: declared, or whatever its open model allowed.
      ok = this.accepts(rp, propertyIn(w, p, wProps), `${path}/properties/${p}`) && ok
    }
    for (const [p, wp] of Object.entries(wProps)) {
      if (p in rProps) continue
      ok = this.accepts(propertyIn(r, p, rProps), wp, `${path}/properties/${p}`) && ok
    }
    const rAdd = isNode(r.additionalProperties) ? r.additionalProperties : true
    const wAdd = isNode(w.additionalProperties) ? w.additionalProperties : true
    if (!acceptsAll(rAdd)) ok = this.accepts(rAdd, wAdd, `${path}/additionalProperties`) && ok
    return ok
  }

  private arrays(r: Record<string, unknown>, w: Record<string, unknown>, path: string): boolean {
    if (r.items === undefined) return true
    if (Array.isArray(r.items) || Array.isArray(w.items)) {
      return JSON.stringify(sortKeys(r.items)) === JSON.stringify(sortKeys(w.items)) || this.fail(path, 'tuple items changed')
    }
    return this.accepts(r.items as Node, isNode(w.items) ? w.items : true, `${path}/items`)
  }
}

function typeList(t: unknown): string[] {
  return Array.isArray(t) ? t.map(String) : [String(t)]
}

/** Types a schema without `type` can still produce (any, unless its keywords say otherwise). */
function inferTypes(w: Record<string, unknown>): string[] {
  const values = w.const !== undefined ? [w.const] : Array.isArray(w.enum) ? w.enum : undefined
  if (values === undefined) return TYPES
  return [...new Set(values.map((v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v)))]
}

function acceptsAll(n: Node): boolean {
  if (n === true) return true
  if (n === false) return false
  return Object.keys(n).every((k) => ['$schema', '$id', 'id', '$comment', 'title', 'description', 'default', 'examples', 'definitions', '$defs'].includes(k))
}

function propertyIn(schema: Record<string, unknown>, name: string, props: Record<string, Node>): Node {
  if (name in props) return props[name]!
  const patterns = (schema.patternProperties ?? {}) as Record<string, Node>
  for (const [re, s] of Object.entries(patterns)) if (new RegExp(re, 'u').test(name)) return s
  return isNode(schema.additionalProperties) ? schema.additionalProperties : true
}

function merge(base: Record<string, unknown>, branch: Node): Node {
  if (typeof branch === 'boolean') return branch
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = v
  return { ...out, ...branch }
}
