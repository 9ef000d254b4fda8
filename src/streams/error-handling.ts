// What happens to a record that fails: Kafka Streams' exception handlers as settings
// (deserialization, processing (KIP-1033) and production), each 'logAndFail' / 'fail' (the
// default: the instance stops) or 'logAndContinue' / 'continue' (the record is skipped), and the
// dead-letter topic (KIP-1034, `errors.dead.letter.queue.topic.name`): with it set, every record a
// handler sees goes there (whether the handler continues or fails) — the source record's key,
// value, timestamp and headers, plus Kafka's error headers: `__streams.errors.exception` (the
// error's name), `.message`, `.stacktrace`, `.topic`, `.partition`, `.offset` (of the source record).
import type { RecordHeader } from '../client/index.ts'
import type { RawRecord } from './processor/task.ts'

/** A record as read from its topic (serialized): the task's raw input record. */
export type SourceRecord = RawRecord

export interface DeadLetterRecord {
  topic: string
  key: Buffer | null
  value: Buffer | null
  timestamp: number
  headers: RecordHeader[]
}

export const HEADER_ERRORS_EXCEPTION_NAME = '__streams.errors.exception'
export const HEADER_ERRORS_EXCEPTION_MESSAGE_NAME = '__streams.errors.message'
export const HEADER_ERRORS_STACKTRACE_NAME = '__streams.errors.stacktrace'
export const HEADER_ERRORS_TOPIC_NAME = '__streams.errors.topic'
export const HEADER_ERRORS_PARTITION_NAME = '__streams.errors.partition'
export const HEADER_ERRORS_OFFSET_NAME = '__streams.errors.offset'

export function deadLetterRecord(dlqTopic: string, source: SourceRecord, err: unknown): DeadLetterRecord {
  const e = err instanceof Error ? err : new Error(String(err))
  const h = (key: string, v: string): RecordHeader => ({ key, value: Buffer.from(v) })
  return {
    topic: dlqTopic, key: source.key, value: source.value, timestamp: source.timestamp,
    headers: [
      ...source.headers,
      h(HEADER_ERRORS_EXCEPTION_NAME, e.name), h(HEADER_ERRORS_EXCEPTION_MESSAGE_NAME, e.message), h(HEADER_ERRORS_STACKTRACE_NAME, e.stack ?? ''),
      h(HEADER_ERRORS_TOPIC_NAME, source.topic), h(HEADER_ERRORS_PARTITION_NAME, String(source.partition)), h(HEADER_ERRORS_OFFSET_NAME, String(source.offset)),
    ],
  }
}

export interface ErrorHandlingConfig {
  /** Default 'logAndFail'. */
  deserializationExceptionHandler?: 'logAndFail' | 'logAndContinue'
  /** KIP-1033: an error thrown while a record goes through the processors. Default 'logAndFail'. */
  processingExceptionHandler?: 'logAndFail' | 'logAndContinue'
  /** KIP-1034 `errors.dead.letter.queue.topic.name`: failed records go there (the topic must exist). */
  deadLetterQueueTopicName?: string
}

/** Decides for a failed record: true to skip it and go on, false to fail; sends it to the dead-letter topic first when one is set. */
export function recordErrorHandler(config: ErrorHandlingConfig, send: (r: DeadLetterRecord) => void, log: (m: string) => void):
  (kind: 'deserialization' | 'processing', err: unknown, source: SourceRecord, taskId: string) => boolean {
  return (kind, err, source, taskId) => {
    const handler = kind === 'deserialization' ? config.deserializationExceptionHandler : config.processingExceptionHandler
    const go = handler === 'logAndContinue'
    log(`${kind} of the record at ${source.topic}-${source.partition}@${source.offset} (task ${taskId}) failed${go ? ', skipped' : ''}: ${(err as Error).message}`)
    const dlq = config.deadLetterQueueTopicName
    if (dlq !== undefined && dlq !== '') send(deadLetterRecord(dlq, source, err))
    return go
  }
}
