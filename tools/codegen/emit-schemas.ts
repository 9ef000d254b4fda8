// Emits schemas.json: a compact, derived description of every generated schema (field names,
// types, version ranges, defaults) for property tests and tooling. Not a copy of Kafka's files:
// comments and `about` texts are left out and ranges are normalised.
import type { FieldSpec, MessageSpec } from './model.ts'
import type { Range } from './versions.ts'

const r = (x: Range) => (x.lo > x.hi ? null : [x.lo, x.hi === Infinity ? null : x.hi])

function typeText(f: FieldSpec): string {
  const t = f.type
  if (t.kind === 'array') return `[]${t.elem.name}`
  return t.name
}

export function emitSchemas(entries: { module: string; message: MessageSpec }[]): string {
  const list = entries.map(({ module, message: m }) => ({
    name: m.name,
    kind: m.kind,
    module,
    apiKey: m.apiKey ?? null,
    versions: r(m.valid),
    flexible: r(m.flexible),
    structs: Object.fromEntries(
      m.structs.map((s) => [
        s.name,
        s.fields.map((f) => ({
          prop: f.prop,
          type: typeText(f),
          struct: f.type.kind === 'struct' || (f.type.kind === 'array' && f.type.elem.kind === 'struct'),
          versions: r(f.versions),
          nullable: r(f.nullable),
          tagged: f.tag === undefined ? null : r(f.tagged),
          tag: f.tag ?? null,
          ignorable: f.ignorable,
          flexible: f.flexible === undefined ? undefined : r(f.flexible),
          default: f.default === undefined ? null : String(f.default),
        })),
      ]),
    ),
  }))
  // One line per field keeps the file diff-friendly without pretty-printing every value.
  const lines: string[] = ['[']
  list.forEach((m, i) => {
    const { structs, ...head } = m
    lines.push(`${JSON.stringify(head).slice(0, -1)},"structs":{`)
    const names = Object.keys(structs)
    names.forEach((name, j) => {
      lines.push(` ${JSON.stringify(name)}:[`)
      const fields = structs[name]!
      fields.forEach((f, k) => lines.push(`  ${JSON.stringify(f)}${k < fields.length - 1 ? ',' : ''}`))
      lines.push(` ]${j < names.length - 1 ? ',' : ''}`)
    })
    lines.push(`}}${i < list.length - 1 ? ',' : ''}`)
  })
  lines.push(']')
  return lines.join('\n') + '\n'
}
