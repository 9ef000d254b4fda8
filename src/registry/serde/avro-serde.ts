// Avro serializer and deserializer in Confluent's wire format (avsc). The serializer registers its
// schema under the strategy's subject once per subject and then encodes synchronously; the
// deserializer parses each writer schema once per id and, given a reader schema, resolves
// between them (Avro schema evolution).
import avsc from 'avsc'
import type { RegistryClient } from './registry-client.ts'
import type { SchemaReference } from '../records.ts'
import { TopicNameStrategy } from './strategies.ts'
import type { SubjectNameStrategy } from './strategies.ts'
import { frame, unframe } from './wire.ts'

export interface AvroSerializerOptions {
  /** The writer schema (object or JSON text). */
  schema: object | string
  /** Named types from other subjects, already registered there. */
  references?: SchemaReference[]
  subjectNameStrategy?: SubjectNameStrategy
  /** Default true; false looks the schema up and fails when it is not registered. */
  autoRegister?: boolean
}

async function parseWithReferences(client: RegistryClient, schema: object | string, references: readonly SchemaReference[]): Promise<avsc.Type> {
  const registry: Record<string, avsc.Type> = {}
  for (const { schema: ref } of await client.referenced(references)) avsc.Type.forSchema(JSON.parse(ref.schema) as avsc.Schema, { registry })
  return avsc.Type.forSchema((typeof schema === 'string' ? JSON.parse(schema) : schema) as avsc.Schema, { registry })
}

export class AvroSerializer<T = unknown> {
  private readonly text: string
  private type: Promise<avsc.Type> | undefined
  private readonly ids = new Map<string, number>()

  constructor(private readonly client: RegistryClient, private readonly opts: AvroSerializerOptions) {
    this.text = typeof opts.schema === 'string' ? opts.schema : JSON.stringify(opts.schema)
  }

  /** The record as Confluent-framed Avro bytes for `topic`'s key or value. */
  async serialize(topic: string, value: T, isKey = false): Promise<Buffer> {
    const type = await (this.type ??= parseWithReferences(this.client, this.opts.schema, this.opts.references ?? []))
    const subject = (this.opts.subjectNameStrategy ?? TopicNameStrategy)({ topic, isKey, recordName: type.name })
    let id = this.ids.get(subject)
    if (id === undefined) {
      id = await this.client.register(subject, 'AVRO', this.text, this.opts.references ?? [], this.opts.autoRegister ?? true)
      this.ids.set(subject, id)
    }
    return frame(id, type.toBuffer(value))
  }
}

export interface AvroDeserializerOptions {
  /** Read every record as this schema (resolving from each writer schema); default: the writer's. */
  readerSchema?: object | string
}

export class AvroDeserializer<T = unknown> {
  private readonly readers = new Map<number, Promise<{ type: avsc.Type; resolver: avsc.Resolver | undefined }>>()
  private reader: avsc.Type | undefined

  constructor(private readonly client: RegistryClient, opts: AvroDeserializerOptions = {}) {
    if (opts.readerSchema !== undefined) {
      this.reader = avsc.Type.forSchema((typeof opts.readerSchema === 'string' ? JSON.parse(opts.readerSchema) : opts.readerSchema) as avsc.Schema)
    }
  }

  private readerFor(id: number) {
    let p = this.readers.get(id)
    if (p === undefined) {
      p = this.client.schema(id).then(async (s) => {
        const writer = await parseWithReferences(this.client, s.schema, s.references)
        return this.reader === undefined ? { type: writer, resolver: undefined } : { type: this.reader, resolver: this.reader.createResolver(writer) }
      })
      p.catch(() => this.readers.delete(id))
      this.readers.set(id, p)
    }
    return p
  }

  async deserialize(buf: Buffer): Promise<T> {
    const { id, offset } = unframe(buf)
    const { type, resolver } = await this.readerFor(id)
    return type.fromBuffer(buf.subarray(offset), resolver) as T
  }
}
