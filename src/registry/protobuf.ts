// Protobuf schemas (.proto text, parsed by protobufjs): identity and compatibility.
// Canonical text: the source without comments and with whitespace collapsed. References are the
// imported files (Confluent names a reference by its import path), parsed into the same root;
// Google's well-known types come with protobufjs. Compatibility follows Confluent's Protobuf
// rules: compare the writer's definitions (original) with the reader's (update) field number by
// field number; adding or removing messages' fields, enums and their constants, names, and oneofs
// is compatible; a changed package, a removed message, a field whose kind, scalar type, message
// type or numeric repeated-ness changed, required fields appearing or disappearing, a field leaving
// a oneof, or several fields (or one into an existing oneof) moving into a oneof is not.
import protobuf from 'protobufjs'
import { invalidSchema } from './errors.ts'
import type { ParsedSchema, ResolvedReference } from './formats.ts'
import { decodeIndexes } from './serde/wire.ts'

const NUMERIC = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool'])
const SCALAR = new Set([...NUMERIC, 'string', 'bytes'])

/** Comments out, whitespace collapsed (string literals kept as they are). */
function canonicalText(text: string): string {
  const out: string[] = []
  const re = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\/\/[^\n]*|\/\*[\s\S]*?\*\/|\s+|[^"'/\s]+|\//g
  for (const m of text.matchAll(re)) {
    const t = m[0]
    if (t.startsWith('//') || t.startsWith('/*')) out.push(' ')
    else if (/^\s+$/.test(t)) out.push(' ')
    else out.push(t)
  }
  return out.join('').replace(/\s+/g, ' ').replace(/\s*([{};=,<>()[\]])\s*/g, '$1').trim()
}

function addWellKnown(root: protobuf.Root, imports: readonly string[] | undefined): void {
  for (const file of imports ?? []) {
    const json = file.startsWith('google/protobuf/') ? protobuf.common.get(file) : null
    if (json) root.addJSON((json as { nested: Record<string, protobuf.AnyNestedObject> }).nested)
  }
}

/** Messages in declaration order (a file's top-level ones, or a message's nested ones): Confluent's index paths. */
export function messagesOf(ns: protobuf.NamespaceBase): protobuf.Type[] {
  const out: protobuf.Type[] = []
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) out.push(n)
    else if (n instanceof protobuf.Namespace && !(n instanceof protobuf.Service)) out.push(...messagesOf(n))
  }
  return out
}

function messages(ns: protobuf.NamespaceBase, out = new Map<string, protobuf.Type>()): Map<string, protobuf.Type> {
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) out.set(n.fullName, n)
    if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) messages(n, out)
  }
  return out
}

export class ProtobufSchema implements ParsedSchema {
  readonly schemaType = 'PROTOBUF' as const

  private constructor(readonly canonical: string, readonly pkg: string, readonly types: Map<string, protobuf.Type>, private readonly own: protobuf.Root) {}

  recordNames(): string[] {
    return [...this.types.keys()].map((n) => n.slice(1))
  }

  validate(payload: Buffer): string | null {
    try {
      const { indexes, offset } = decodeIndexes(payload, 0)
      let ns: protobuf.NamespaceBase = this.own
      let type: protobuf.Type | undefined
      for (const i of indexes) {
        type = messagesOf(ns)[i]
        if (type === undefined) return `message index path ${indexes.join('.')} is not in the schema`
        ns = type
      }
      this.types.get(type!.fullName)!.decode(payload.subarray(offset))
      return null
    } catch (err) {
      return (err as Error).message
    }
  }

  static parse(text: string, references: readonly ResolvedReference[]): ProtobufSchema {
    try {
      const root = new protobuf.Root()
      for (const ref of references) addWellKnown(root, protobuf.parse(ref.schema, root, { keepCase: true }).imports)
      const own = new protobuf.Root()
      const parsed = protobuf.parse(text, own, { keepCase: true })
      addWellKnown(root, parsed.imports)
      // The schema's own messages, judged on their own; resolution runs against everything.
      const types = messages(own)
      if (types.size === 0) throw new Error('the schema defines no message')
      protobuf.parse(text, root, { keepCase: true })
      root.resolveAll()
      for (const [name] of types) types.set(name, root.lookupType(name))
      return new ProtobufSchema(canonicalText(text), parsed.package ?? '', types, own)
    } catch (err) {
      throw invalidSchema((err as Error).message)
    }
  }

  canRead(writer: ParsedSchema): string[] {
    if (!(writer instanceof ProtobufSchema)) return [`cannot read a ${writer.schemaType} schema's data as PROTOBUF`]
    const out: string[] = []
    if (writer.pkg !== this.pkg) out.push(`PACKAGE_CHANGED: ${writer.pkg || '(none)'} -> ${this.pkg || '(none)'}`)
    for (const [name, original] of writer.types) {
      const update = this.types.get(name)
      if (update === undefined) out.push(`MESSAGE_REMOVED: ${name.slice(1)}`)
      else compareMessage(original, update, out)
    }
    return out
  }
}

const kindOf = (f: protobuf.Field) => (SCALAR.has(f.type) ? 'scalar' : f.resolvedType instanceof protobuf.Enum ? 'enum' : 'message')
const oneofOf = (f: protobuf.Field) => (f.partOf ? f.partOf.name : null)

function compareMessage(original: protobuf.Type, update: protobuf.Type, out: string[]): void {
  const at = (f: protobuf.Field) => `${original.fullName.slice(1)}.${f.name} (${f.id})`
  const movedIntoOneof = new Map<string, number>()
  for (const f of original.fieldsArray) {
    const u = update.fieldsById[f.id]
    if (u === undefined) {
      if (f.required) out.push(`REQUIRED_FIELD_REMOVED: ${at(f)}`)
      if (oneofOf(f) !== null) out.push(`ONEOF_FIELD_REMOVED: ${at(f)}`)
      continue
    }
    const k = kindOf(f)
    if (k !== kindOf(u)) out.push(`FIELD_KIND_CHANGED: ${at(f)} ${k} -> ${kindOf(u)}`)
    else if (k === 'scalar' && f.type !== u.type) out.push(`FIELD_SCALAR_KIND_CHANGED: ${at(f)} ${f.type} -> ${u.type}`)
    else if (k !== 'scalar' && f.resolvedType?.fullName !== u.resolvedType?.fullName) {
      out.push(`FIELD_NAMED_TYPE_CHANGED: ${at(f)} ${f.resolvedType?.fullName.slice(1)} -> ${u.resolvedType?.fullName.slice(1)}`)
    }
    if (f.repeated !== u.repeated && (NUMERIC.has(f.type) || k === 'enum')) out.push(`FIELD_NUMERIC_LABEL_CHANGED: ${at(f)}`)
    if (f.required !== u.required) out.push(`${u.required ? 'REQUIRED_FIELD_ADDED' : 'REQUIRED_FIELD_REMOVED'}: ${at(f)}`)
    const [from, to] = [oneofOf(f), oneofOf(u)]
    if (from !== null && to !== null && from !== to) out.push(`FIELD_MOVED_TO_EXISTING_ONEOF: ${at(f)}`)
    if (from === null && to !== null) {
      if (original.oneofs?.[to] !== undefined) out.push(`FIELD_MOVED_TO_EXISTING_ONEOF: ${at(f)} -> ${to}`)
      else movedIntoOneof.set(to, (movedIntoOneof.get(to) ?? 0) + 1)
    }
  }
  for (const [oneof, n] of movedIntoOneof) if (n > 1) out.push(`MULTIPLE_FIELDS_MOVED_TO_ONEOF: ${original.fullName.slice(1)}.${oneof}`)
  for (const u of update.fieldsArray) {
    if (original.fieldsById[u.id] === undefined && u.required) out.push(`REQUIRED_FIELD_ADDED: ${update.fullName.slice(1)}.${u.name} (${u.id})`)
  }
}
