// JSON Schema serializer and deserializer in Confluent's wire format: the payload is the JSON text;
// the serializer validates each value against its schema first (ajv), as Confluent's does.
import { Ajv } from 'ajv'
import type { ValidateFunction } from 'ajv'
import type { RegistryClient } from './registry-client.ts'
import type { SchemaReference } from '../records.ts'
import { TopicNameStrategy } from './strategies.ts'
import type { SubjectNameStrategy } from './strategies.ts'
import { frame, unframe } from './wire.ts'

export interface JsonSchemaSerializerOptions {
  schema: object | string
  references?: SchemaReference[]
  subjectNameStrategy?: SubjectNameStrategy
  autoRegister?: boolean
  /** Default true: a value that does not match the schema is refused. */
  validate?: boolean
}

export class JsonValidationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'JsonValidationError'
  }
}

export class JsonSchemaSerializer<T = unknown> {
  private readonly text: string
  private readonly schema: Record<string, unknown>
  private readonly ids = new Map<string, number>()
  private check: Promise<ValidateFunction> | undefined

  constructor(private readonly client: RegistryClient, private readonly opts: JsonSchemaSerializerOptions) {
    this.text = typeof opts.schema === 'string' ? opts.schema : JSON.stringify(opts.schema)
    this.schema = JSON.parse(this.text) as Record<string, unknown>
  }

  private async validator(): Promise<ValidateFunction> {
    const ajv = new Ajv({ strict: false, validateFormats: false })
    for (const r of await this.client.referenced(this.opts.references ?? [])) ajv.addSchema(JSON.parse(r.schema.schema) as object, r.name)
    return ajv.compile(this.schema)
  }

  async serialize(topic: string, value: T, isKey = false): Promise<Buffer> {
    if (this.opts.validate ?? true) {
      const check = await (this.check ??= this.validator())
      if (!check(value)) throw new JsonValidationError(`value does not match the schema: ${check.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`)
    }
    const recordName = typeof this.schema.title === 'string' ? this.schema.title : undefined
    const subject = (this.opts.subjectNameStrategy ?? TopicNameStrategy)({ topic, isKey, recordName })
    let id = this.ids.get(subject)
    if (id === undefined) {
      id = await this.client.register(subject, 'JSON', this.text, this.opts.references ?? [], this.opts.autoRegister ?? true)
      this.ids.set(subject, id)
    }
    return frame(id, Buffer.from(JSON.stringify(value)))
  }
}

export class JsonSchemaDeserializer<T = unknown> {
  async deserialize(buf: Buffer): Promise<T> {
    const { offset } = unframe(buf)
    return JSON.parse(buf.subarray(offset).toString('utf8')) as T
  }
}
