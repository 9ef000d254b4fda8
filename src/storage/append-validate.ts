// Validation of a produce's record batches before they are assigned offsets. Header-only: the
// records stay undecoded (see docs/design.md: the append path does no per-record work).
import {
  CONTROL_BIT,
  MAX_TIMESTAMP,
  attributes,
  batchSize,
  lastOffsetDelta,
  magic,
  readInt64,
  recordCount,
} from '../protocol/records/batch-header.ts'
import { batchProblem, describeProblem } from './batch-check.ts'
import type { LogConfig } from './config.ts'
import { StorageError } from './errors.ts'

export interface AppendSummary {
  batches: number
  records: number
  /** Offsets the append consumes (sum of lastOffsetDelta + 1). */
  offsets: number
  /** Base offset of the first batch as sent (used when offsets are not assigned). */
  firstBaseOffset: number
}

/**
 * Who appends: 'client' (offsets assigned here, control batches refused, CreateTime bounds
 * checked), 'coordinator' (like client but control batches allowed), 'replication' (batches keep
 * their offsets and may have offset gaps).
 */
export type AppendOrigin = 'client' | 'coordinator' | 'replication'

export interface ValidateOptions {
  /** Origin 'client' may not write control batches (only coordinators and replication may). */
  origin: AppendOrigin
  /** Replication keeps the leader's offsets and may carry compacted batches with gaps. */
  assignOffsets: boolean
}

export function validateAppend(buf: Buffer, config: LogConfig, now: number, opts: ValidateOptions): AppendSummary {
  if (buf.length === 0) throw new StorageError('CORRUPT_MESSAGE', 'Empty record batch data')
  if (buf.length > config.segmentBytes) {
    throw new StorageError(
      'RECORD_LIST_TOO_LARGE',
      `Record batches of ${buf.length} bytes exceed segment.bytes ${config.segmentBytes}`,
    )
  }
  const createTime = config.messageTimestampType === 'CreateTime'
  let pos = 0
  let batches = 0
  let records = 0
  let offsets = 0
  while (pos < buf.length) {
    const problem = batchProblem(buf, pos, buf.length)
    if (problem) {
      if (problem === 'magic' && magic(buf, pos) < 2) {
        throw new StorageError(
          'UNSUPPORTED_FOR_MESSAGE_FORMAT',
          `Record batch magic ${magic(buf, pos)} must be converted to v2 before append`,
        )
      }
      throw new StorageError('CORRUPT_MESSAGE', `Invalid record batch at byte ${pos}: ${describeProblem[problem]}`)
    }
    const size = batchSize(buf, pos)
    if (size > config.maxMessageBytes) {
      throw new StorageError(
        'MESSAGE_TOO_LARGE',
        `Record batch of ${size} bytes exceeds max.message.bytes ${config.maxMessageBytes}`,
      )
    }
    const count = recordCount(buf, pos)
    const delta = lastOffsetDelta(buf, pos)
    if (opts.assignOffsets && (count === 0 || count !== delta + 1)) {
      throw new StorageError('INVALID_RECORD', `Record batch has ${count} records but last offset delta ${delta}`)
    }
    if (opts.origin === 'client' && attributes(buf, pos) & CONTROL_BIT) {
      throw new StorageError('INVALID_RECORD', 'Clients may not write control batches')
    }
    if (createTime && opts.origin === 'client') {
      const ts = readInt64(buf, pos + MAX_TIMESTAMP)
      if (ts < now - config.messageTimestampBeforeMaxMs || ts > now + config.messageTimestampAfterMaxMs) {
        throw new StorageError('INVALID_TIMESTAMP', `Timestamp ${ts} is out of the accepted range around ${now}`)
      }
    }
    batches++
    records += count
    offsets += delta + 1
    pos += size
  }
  return { batches, records, offsets, firstBaseOffset: readInt64(buf, 0) }
}
