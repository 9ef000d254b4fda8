// Subject name strategies (Confluent's names): which subject a topic's key or value schema is
// registered under.
export interface SubjectContext {
  topic: string
  isKey: boolean
  /** The record's fully qualified name (Avro record, Protobuf message, JSON Schema title). */
  recordName: string | undefined
}

export type SubjectNameStrategy = (ctx: SubjectContext) => string

const named = (ctx: SubjectContext, strategy: string): string => {
  if (ctx.recordName === undefined) throw new Error(`${strategy} needs a named record (Avro record, Protobuf message, JSON Schema with a title)`)
  return ctx.recordName
}

export const TopicNameStrategy: SubjectNameStrategy = (ctx) => `${ctx.topic}-${ctx.isKey ? 'key' : 'value'}`
export const RecordNameStrategy: SubjectNameStrategy = (ctx) => named(ctx, 'RecordNameStrategy')
export const TopicRecordNameStrategy: SubjectNameStrategy = (ctx) => `${ctx.topic}-${named(ctx, 'TopicRecordNameStrategy')}`
