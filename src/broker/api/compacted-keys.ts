// Kafka refuses records without a key on a compacted topic (LogValidator): the partition answers
// INVALID_RECORD and, from Produce v8, names each offending record (KIP-467 record_errors). Only
// compacted topics pay for the key walk; everywhere else records stay undecoded.
import { ErrorCode, KafkaProtocolError } from '../../protocol/errors.ts'
import type { ProduceResponseBatchIndexAndErrorMessage } from '../../protocol/generated/messages/produce.ts'
import { keylessRecordIndexes } from '../../protocol/records/record-keys.ts'

/** How many per-record errors the partition's error message quotes (all go into record_errors). */
const QUOTED = 3

/** INVALID_RECORD with the per-record errors a Produce v8+ response carries. */
export class RecordErrors extends KafkaProtocolError {
  constructor(readonly recordErrors: ProduceResponseBatchIndexAndErrorMessage[]) {
    const quoted = recordErrors.slice(0, QUOTED).map((e) => `record ${e.batchIndex}: ${e.batchIndexErrorMessage}`).join('; ')
    super(ErrorCode.INVALID_RECORD, `${recordErrors.length} record(s) rejected (${quoted}${recordErrors.length > QUOTED ? '; ...' : ''})`)
    this.name = 'RecordErrors'
  }
}

/** Throws RecordErrors when any record of `batches` has no key. */
export function checkCompactedKeys(batches: Buffer, topic: string, partition: number): void {
  const keyless = keylessRecordIndexes(batches)
  if (keyless.length === 0) return
  const message = `compacted topic ${topic}-${partition} needs a key on every record`
  throw new RecordErrors(keyless.map((batchIndex) => ({ batchIndex, batchIndexErrorMessage: message })))
}
