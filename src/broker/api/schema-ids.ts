// Broker-side schema validation (Confluent Server's confluent.key/value.schema.validation): every
// record of a produced batch must carry, in Confluent's wire format (magic byte 0, big-endian
// int32 schema id), an id registered under the topic's subject — and with
// samsa.value.schema.validation.mode=full, bytes that decode with that schema. Offenders make the
// partition answer INVALID_RECORD naming each record (KIP-467 record_errors). The registry lives
// above the broker, so the composition root (`samsa start`) lends its lookup through
// `ctx.broker.schemas`; without one, validated topics refuse every batch rather than pass it.
import { decodeRecordBatch, checkBatchBounds } from '../../protocol/records/batch-decoder.ts'
import { RecordErrors } from './compacted-keys.ts'

export type SubjectNameStrategy = 'TopicNameStrategy' | 'RecordNameStrategy' | 'TopicRecordNameStrategy'

/** Which side of the records a topic validates, and how (from its configs). */
export interface SchemaValidation {
  key: SubjectNameStrategy | null
  value: SubjectNameStrategy | null
  full: boolean
}

/** What the broker asks of a schema registry (implemented by src/registry, lent by the composition root). */
export interface SchemaIdLookup {
  /** Whether `id` is registered (live) under the subject `strategy` names for this topic and side. */
  registered(topic: string, isKey: boolean, strategy: SubjectNameStrategy, id: number): boolean
  /** Full mode: null when `payload` (after the 5-byte header) decodes with schema `id`, else why not. */
  conforms(id: number, payload: Buffer): string | null
  /** Catches up with writes made elsewhere (another broker's registry) before an unknown id is refused. */
  refresh(): Promise<void>
}

/** The late-bound slot: the registry starts after the broker's listeners. */
export interface SchemaLookupSlot {
  lookup: SchemaIdLookup | null
}

export function schemaValidation(configs: { get(name: string): unknown }): SchemaValidation | null {
  const strategy = (on: string, name: string): SubjectNameStrategy | null =>
    configs.get(on) === true ? String(configs.get(name) ?? 'TopicNameStrategy').split('.').pop() as SubjectNameStrategy : null
  const key = strategy('confluent.key.schema.validation', 'confluent.key.subject.name.strategy')
  const value = strategy('confluent.value.schema.validation', 'confluent.value.subject.name.strategy')
  if (key === null && value === null) return null
  return { key, value, full: configs.get('samsa.value.schema.validation.mode') === 'full' }
}

interface Field { index: number; isKey: boolean; bytes: Buffer | null }

function fields(batches: Buffer, v: SchemaValidation): Field[] {
  const out: Field[] = []
  let index = 0
  for (let pos = 0; pos < batches.length;) {
    const size = checkBatchBounds(batches, pos)
    for (const r of decodeRecordBatch(batches, pos).records) {
      if (v.key !== null) out.push({ index, isKey: true, bytes: r.key })
      if (v.value !== null) out.push({ index, isKey: false, bytes: r.value })
      index++
    }
    pos += size
  }
  return out
}

function problem(topic: string, f: Field, strategy: SubjectNameStrategy, lookup: SchemaIdLookup | null, full: boolean): string | null {
  const side = f.isKey ? 'key' : 'value'
  if (lookup === null) return `topic ${topic} validates ${side} schemas but this broker serves no schema registry`
  const b = f.bytes
  if (b === null) return null // a tombstone or a keyless record carries no schema
  if (b.length < 5 || b[0] !== 0) return `the ${side} is not in Confluent's wire format (no magic byte 0 and schema id)`
  const id = b.readInt32BE(1)
  if (!lookup.registered(topic, f.isKey, strategy, id)) return `the ${side}'s schema id ${id} is not registered under the topic's ${side} subject (${strategy})`
  if (full) {
    const why = lookup.conforms(id, b.subarray(5))
    if (why !== null) return `the ${side} does not decode with schema ${id}: ${why}`
  }
  return null
}

/** Throws RecordErrors (INVALID_RECORD) when any record breaks the topic's schema validation. */
export async function checkSchemaIds(batches: Buffer, topic: string, v: SchemaValidation, slot: SchemaLookupSlot): Promise<void> {
  const all = fields(batches, v)
  const check = () => all.flatMap((f) => {
    const why = problem(topic, f, f.isKey ? v.key! : v.value!, slot.lookup, v.full)
    return why === null ? [] : [{ batchIndex: f.index, batchIndexErrorMessage: why }]
  })
  let errors = check()
  if (errors.length > 0 && slot.lookup !== null) {
    // An id registered a moment ago through another broker may not have reached this one yet.
    await slot.lookup.refresh()
    errors = check()
  }
  if (errors.length > 0) throw new RecordErrors(errors)
}
