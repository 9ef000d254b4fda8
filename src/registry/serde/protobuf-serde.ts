// Protobuf serializer and deserializer in Confluent's wire format (protobufjs): the frame carries
// the message's index path within its .proto file (nested messages included, declaration order),
// so a deserializer knows which message of the writer schema the bytes are.
import protobuf from 'protobufjs'
import type { RegistryClient } from './registry-client.ts'
import type { SchemaReference } from '../records.ts'
import { TopicNameStrategy } from './strategies.ts'
import type { SubjectNameStrategy } from './strategies.ts'
import { decodeIndexes, frame, unframe, WireFormatError } from './wire.ts'
import { messagesOf } from '../protobuf.ts'

export interface ProtobufSerializerOptions {
  /** The .proto text. */
  schema: string
  /** Fully qualified message name, e.g. `shop.Order`. */
  messageType: string
  /** Imports by name (their import path), already registered under their subjects. */
  references?: SchemaReference[]
  subjectNameStrategy?: SubjectNameStrategy
  autoRegister?: boolean
}

async function load(client: RegistryClient, text: string, references: readonly SchemaReference[]): Promise<{ root: protobuf.Root; own: protobuf.Root }> {
  const root = new protobuf.Root()
  for (const { schema } of await client.referenced(references)) addImports(root, protobuf.parse(schema.schema, root, { keepCase: true }).imports)
  addImports(root, protobuf.parse(text, root, { keepCase: true }).imports)
  root.resolveAll()
  // The file's own messages, for the index path (referenced files' messages do not count).
  const own = protobuf.parse(text, new protobuf.Root(), { keepCase: true }).root
  return { root, own }
}

function addImports(root: protobuf.Root, imports: readonly string[] | undefined): void {
  for (const file of imports ?? []) {
    const json = file.startsWith('google/protobuf/') ? protobuf.common.get(file) : null
    if (json) root.addJSON((json as { nested: Record<string, protobuf.AnyNestedObject> }).nested)
  }
}

function indexPath(own: protobuf.Root, fullName: string): number[] {
  const walk = (ns: protobuf.NamespaceBase, path: number[]): number[] | undefined => {
    const list = messagesOf(ns)
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!
      if (t.fullName === fullName) return [...path, i]
      const inner = walk(t, [...path, i])
      if (inner) return inner
    }
    return undefined
  }
  const found = walk(own, [])
  if (found === undefined) throw new Error(`message ${fullName.slice(1)} is not defined in the schema`)
  return found
}

export class ProtobufSerializer<T extends object = Record<string, unknown>> {
  private prepared: Promise<{ type: protobuf.Type; indexes: number[] }> | undefined
  private readonly ids = new Map<string, number>()

  constructor(private readonly client: RegistryClient, private readonly opts: ProtobufSerializerOptions) {}

  private async prepare() {
    const { root, own } = await load(this.client, this.opts.schema, this.opts.references ?? [])
    const type = root.lookupType(this.opts.messageType)
    return { type, indexes: indexPath(own, type.fullName) }
  }

  async serialize(topic: string, value: T, isKey = false): Promise<Buffer> {
    const { type, indexes } = await (this.prepared ??= this.prepare())
    const subject = (this.opts.subjectNameStrategy ?? TopicNameStrategy)({ topic, isKey, recordName: type.fullName.slice(1) })
    let id = this.ids.get(subject)
    if (id === undefined) {
      id = await this.client.register(subject, 'PROTOBUF', this.opts.schema, this.opts.references ?? [], this.opts.autoRegister ?? true)
      this.ids.set(subject, id)
    }
    const err = type.verify(value)
    if (err) throw new Error(`value does not match ${type.fullName.slice(1)}: ${err}`)
    return frame(id, Buffer.from(type.encode(type.fromObject(value)).finish()), indexes)
  }
}

export interface ProtobufDeserializerOptions {
  /** protobufjs toObject options; default: longs as numbers, enums as names. */
  toObject?: protobuf.IConversionOptions
}

export class ProtobufDeserializer<T = Record<string, unknown>> {
  private readonly schemas = new Map<number, Promise<{ own: protobuf.Root; root: protobuf.Root }>>()

  constructor(private readonly client: RegistryClient, private readonly opts: ProtobufDeserializerOptions = {}) {}

  async deserialize(buf: Buffer): Promise<T> {
    const { id, offset } = unframe(buf)
    const at = decodeIndexes(buf, offset)
    let p = this.schemas.get(id)
    if (p === undefined) {
      p = this.client.schema(id).then((s) => load(this.client, s.schema, s.references))
      p.catch(() => this.schemas.delete(id))
      this.schemas.set(id, p)
    }
    const { own, root } = await p
    let ns: protobuf.NamespaceBase = own
    let type: protobuf.Type | undefined
    for (const i of at.indexes) {
      type = messagesOf(ns)[i]
      if (type === undefined) throw new WireFormatError(`message index path ${at.indexes.join('.')} is not in schema ${id}`)
      ns = type
    }
    const resolved = root.lookupType(type!.fullName)
    const msg = resolved.decode(buf.subarray(at.offset))
    return resolved.toObject(msg, this.opts.toObject ?? { longs: Number, enums: String }) as T
  }
}
