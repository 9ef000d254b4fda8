// Joins two copies of Kafka's schemas: the primary (Kafka 4.4) and an older one that still lists
// the versions Kafka 4 removed (KIP-896). Each version is taken from the newest definition that
// lists it: a message keeps the primary definition for the versions it declares and gains the
// older definition's stable versions below them. Fields are matched by name; a field's ranges are
// the primary ranges over the primary versions joined with the older ranges over the older ones.
// Anything that cannot be joined into one contiguous range is an error, not a guess.
import type { FieldSpec, FieldType, MessageSpec, StructSpec } from './model.ts'
import { EMPTY, type Range } from './versions.ts'

const isEmpty = (r: Range) => r.lo > r.hi
const intersect = (a: Range, b: Range): Range => (isEmpty(a) || isEmpty(b) ? EMPTY : { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) })

/** Joins the part of a range over the older versions with the part over the primary versions. */
function join(where: string, older: Range, primary: Range): Range {
  if (isEmpty(older)) return primary
  if (isEmpty(primary)) return older
  if (older.hi + 1 < primary.lo) throw new Error(`${where}: ranges ${older.lo}-${older.hi} and ${primary.lo}+ leave a gap`)
  return { lo: Math.min(older.lo, primary.lo), hi: Math.max(older.hi, primary.hi) }
}

/** Identity of a schema across the two copies: API key for requests/responses, else the file. */
function identity(m: MessageSpec): string {
  return m.kind === 'request' || m.kind === 'response' ? `${m.kind}:${m.apiKey}` : `file:${m.file}`
}

/**
 * Coordinator records are not joined: the older copy modelled the record type as the key's
 * version (OffsetCommitKey 0-1, GroupMetadataKey 2); the primary copy gives the type as `apiKey`
 * and versions the key from 0, so an older "version" is not a removed version.
 */
const isCoordinator = (m: MessageSpec) => m.kind === 'coordinator-key' || m.kind === 'coordinator-value'

export function mergeSchemas(primary: MessageSpec[], older: MessageSpec[]): MessageSpec[] {
  const olderById = new Map(older.map((m) => [identity(m), m]))
  const out: MessageSpec[] = []
  const used = new Set<string>()
  for (const p of primary) {
    const id = identity(p)
    const o = olderById.get(id)
    used.add(id)
    out.push(o && !isCoordinator(p) ? mergeMessage(p, o) : p)
  }
  // Schemas the primary copy no longer has at all (e.g. ShareGroupPartitionMetadataKey/Value).
  for (const o of older) if (!used.has(identity(o)) && !primary.some((p) => p.file === o.file)) out.push(o)
  return out
}

function mergeMessage(p: MessageSpec, o: MessageSpec): MessageSpec {
  // Stable older versions the primary copy no longer declares.
  const below: Range = isEmpty(o.valid) ? EMPTY : isEmpty(p.declared) ? o.valid : intersect(o.valid, { lo: 0, hi: p.declared.lo - 1 })
  if (!isEmpty(o.valid) && !isEmpty(p.declared) && o.valid.hi > p.declared.hi) {
    throw new Error(`${p.file}: the older copy lists versions up to ${o.valid.hi}, above the primary's ${p.declared.hi}`)
  }
  if (isEmpty(below)) return p
  // A stub (removed API): every version comes from the older copy.
  if (isEmpty(p.declared)) return { ...o, fromOlder: o.valid }
  const primaryVersions: Range = { lo: p.declared.lo, hi: Infinity }
  const where = (s: string) => `${p.file}: ${s}`
  const flexible = join(where('flexibleVersions'), intersect(o.flexible, below), intersect(p.flexible, primaryVersions))
  const structs: StructSpec[] = []
  const done = new Map<string, StructSpec>()
  const oStructs = new Map(o.structs.map((s) => [s.name, s]))
  const pStructs = new Map(p.structs.map((s) => [s.name, s]))

  const mergeStruct = (ps: StructSpec | undefined, os: StructSpec | undefined): string => {
    const name = (ps ?? os)!.name
    const prior = done.get(name)
    if (prior) return name
    const spec: StructSpec = { name, about: ps?.about ?? os?.about, fields: [] }
    done.set(name, spec)
    structs.push(spec)
    const pf = ps?.fields ?? []
    const of = os?.fields ?? []
    const fields: FieldSpec[] = []
    for (const f of pf) {
      const g = of.find((x) => x.name === f.name)
      fields.push(mergeField(f, g))
    }
    // Older-only fields go right after the field that precedes them in the older definition.
    of.forEach((g, i) => {
      if (pf.some((x) => x.name === g.name)) return
      const versions = intersect(g.versions, below)
      if (isEmpty(versions)) return
      const merged = mergeField(undefined, g)
      const prev = i === 0 ? -1 : fields.findIndex((x) => x.name === of[i - 1]!.name)
      fields.splice(prev + 1, 0, merged)
    })
    spec.fields = fields
    return name
  }

  const structOf = (t: FieldType) => (t.kind === 'struct' ? t.name : t.kind === 'array' && t.elem.kind === 'struct' ? t.elem.name : undefined)
  const typeKey = (t: FieldType) => (t.kind === 'array' ? `[]${t.elem.kind === 'prim' ? t.elem.name : 'struct'}` : t.kind === 'prim' ? t.name : 'struct')

  function mergeField(f: FieldSpec | undefined, g: FieldSpec | undefined): FieldSpec {
    const base = (f ?? g)!
    const w = where(base.name)
    if (f && g && typeKey(f.type) !== typeKey(g.type)) throw new Error(`${w}: type ${typeKey(g.type)} became ${typeKey(f.type)}`)
    const gv = g ? intersect(g.versions, below) : EMPTY
    if (f && g && !isEmpty(gv) && f.tag !== g.tag && !isEmpty(intersect(g.tagged, below))) throw new Error(`${w}: tag changed`)
    const sub = structOf(base.type)
    let type = base.type
    if (sub !== undefined) {
      const ps = f ? pStructs.get(structOf(f.type)!) : undefined
      const os = g && !isEmpty(gv) ? oStructs.get(structOf(g.type)!) : undefined
      const name = mergeStruct(ps, os)
      type = base.type.kind === 'array' ? { kind: 'array', elem: { kind: 'struct', name } } : { kind: 'struct', name }
    }
    const part = (pick: (x: FieldSpec) => Range) =>
      join(w, g ? intersect(pick(g), below) : EMPTY, f ? intersect(pick(f), primaryVersions) : EMPTY)
    return {
      ...base,
      type,
      versions: part((x) => x.versions),
      nullable: part((x) => x.nullable),
      tagged: part((x) => x.tagged),
      tag: f?.tag ?? g?.tag,
      default: f?.default ?? g?.default,
    }
  }

  mergeStruct(p.structs[0], o.structs[0])
  // Structs of the primary copy reached by no field of the root (none today) are kept as they are.
  for (const s of p.structs) if (!done.has(s.name)) structs.push(s)
  return {
    ...p,
    declared: { lo: below.lo, hi: p.declared.hi },
    valid: { lo: below.lo, hi: p.valid.hi },
    flexible,
    fromOlder: below,
    structs,
  }
}
