// The schema formats the registry understands, behind one shape: parse (validate, canonical text
// for identity) and "can this schema read data written with that one", from which every
// compatibility level is built (compatibility.ts).
import { AvroSchema } from './avro.ts'
import { JsonSchema } from './json-schema.ts'
import { ProtobufSchema } from './protobuf.ts'
import { invalidSchema } from './errors.ts'
import type { SchemaType } from './records.ts'

/** A reference's schema text, already fetched from its subject and version. */
export interface ResolvedReference {
  name: string
  schemaType: SchemaType
  schema: string
}

export interface ParsedSchema {
  readonly schemaType: SchemaType
  /** The text stored and compared for identity. */
  readonly canonical: string
  /** Why data written with `writer` cannot be read with this schema (empty when it can). */
  canRead(writer: ParsedSchema): string[]
  /** Names a record of this schema goes by (RecordNameStrategy subjects). */
  recordNames(): string[]
  /** Null when `payload` (after Confluent's 5-byte header) is data of this schema, else why not. */
  validate(payload: Buffer): string | null
}

type Parser = (text: string, references: readonly ResolvedReference[]) => ParsedSchema

const PARSERS: Partial<Record<SchemaType, Parser>> = {
  AVRO: (text, refs) => AvroSchema.parse(text, refs),
  JSON: (text, refs) => JsonSchema.parse(text, refs),
  PROTOBUF: (text, refs) => ProtobufSchema.parse(text, refs),
}

/** The types GET /schemas/types lists. */
export const SCHEMA_TYPES = Object.keys(PARSERS) as SchemaType[]

export function parseSchema(schemaType: SchemaType, text: string, references: readonly ResolvedReference[]): ParsedSchema {
  const parse = PARSERS[schemaType]
  if (parse === undefined) throw invalidSchema(`schema type ${schemaType} is not supported (supported: ${SCHEMA_TYPES.join(', ')})`)
  return parse(text, references)
}
