// KafkaJS's error classes, with its names and fields (`retriable`, and `type`/`code` for broker
// errors), and the mapping from samsa/client's errors to them. Every public method of the facade
// rejects with one of these, so `err instanceof KafkaJSProtocolError && err.type === '...'` works
// as it does with KafkaJS.
import { ConnectionError, KafkaClientError, KafkaError, RequestTimeoutError, UnsupportedVersionError } from '../errors.ts'
import { errorInfo } from '../../protocol/errors.ts'

export class KafkaJSError extends Error {
  readonly retriable: boolean
  readonly helpUrl?: string
  override readonly cause?: Error

  constructor(e: Error | string, metadata: { retriable?: boolean; cause?: Error } = {}) {
    super(typeof e === 'string' ? e : e.message)
    this.name = 'KafkaJSError'
    this.retriable = metadata.retriable ?? true
    const cause = metadata.cause ?? (typeof e === 'string' ? undefined : e)
    if (cause !== undefined) this.cause = cause
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: Error | string, metadata: { cause?: Error } = {}) {
    super(e, { retriable: false, cause: metadata.cause })
    this.name = 'KafkaJSNonRetriableError'
  }
}

/** A broker error code: `type` is Kafka's name (UNKNOWN_TOPIC_OR_PARTITION), `code` its number. */
export class KafkaJSProtocolError extends KafkaJSError {
  readonly code: number
  readonly type: string

  constructor(e: Error | string | { code: number; message?: string }, metadata: { retriable?: boolean } = {}) {
    const code = typeof e === 'object' && 'code' in e && typeof e.code === 'number' ? e.code : -1
    const info = errorInfo(code)
    const message = typeof e === 'string' ? e : e.message ?? info.message
    super(message, { retriable: metadata.retriable ?? info.retriable, cause: e instanceof Error ? e : undefined })
    this.name = 'KafkaJSProtocolError'
    this.code = code
    this.type = info.name
  }
}

export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  readonly topic: string
  readonly partition: number

  constructor(e: Error | string | { code: number; message?: string }, metadata: { topic: string; partition: number }) {
    super(e)
    this.name = 'KafkaJSOffsetOutOfRange'
    this.topic = metadata.topic
    this.partition = metadata.partition
  }
}

export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  readonly topic: string

  constructor(e: Error | string | { code: number; message?: string }, topicName: string) {
    super(e)
    this.name = 'KafkaJSCreateTopicError'
    this.topic = topicName
  }
}

export class KafkaJSAlterPartitionReassignmentsError extends KafkaJSProtocolError {
  readonly topic: string | undefined
  readonly partition: number | undefined

  constructor(e: Error | string | { code: number; message?: string }, topicName?: string, partition?: number) {
    super(e)
    this.name = 'KafkaJSAlterPartitionReassignmentsError'
    this.topic = topicName
    this.partition = partition
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  readonly retryCount: number
  readonly retryTime: number

  constructor(e: Error | string, metadata: { retryCount?: number; retryTime?: number } = {}) {
    super(e)
    this.name = 'KafkaJSNumberOfRetriesExceeded'
    this.retryCount = metadata.retryCount ?? 0
    this.retryTime = metadata.retryTime ?? 0
  }
}

export class KafkaJSConnectionError extends KafkaJSError {
  readonly broker: string | undefined
  readonly code: string | undefined

  constructor(e: Error | string, metadata: { broker?: string; code?: string } = {}) {
    super(e)
    this.name = 'KafkaJSConnectionError'
    this.broker = metadata.broker
    this.code = metadata.code
  }
}

export class KafkaJSRequestTimeoutError extends KafkaJSError {
  constructor(e: Error | string) {
    super(e)
    this.name = 'KafkaJSRequestTimeoutError'
  }
}

export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  constructor(e: Error | string) {
    super(e)
    this.name = 'KafkaJSServerDoesNotSupportApiKey'
  }
}

export class KafkaJSTopicMetadataNotLoaded extends KafkaJSError {
  readonly topic: string

  constructor(e: Error | string, metadata: { topic: string }) {
    super(e)
    this.name = 'KafkaJSTopicMetadataNotLoaded'
    this.topic = metadata.topic
  }
}

export class KafkaJSTimeout extends KafkaJSError {
  constructor(e: Error | string) {
    super(e)
    this.name = 'KafkaJSTimeout'
  }
}

export class KafkaJSDeleteGroupsError extends KafkaJSError {
  readonly groups: { groupId: string; errorCode: number; error: KafkaJSError }[]

  constructor(e: Error | string, groups: { groupId: string; errorCode: number; error: KafkaJSError }[] = []) {
    super(e)
    this.name = 'KafkaJSDeleteGroupsError'
    this.groups = groups
  }
}

/** Several errors at once, e.g. one per topic of createTopics. */
export class KafkaJSAggregateError extends Error {
  readonly errors: (Error | string)[]

  constructor(message: Error | string, errors: (Error | string)[]) {
    super(typeof message === 'string' ? message : message.message)
    this.name = 'KafkaJSAggregateError'
    this.errors = errors
  }
}

/** samsa/client's error (or anything thrown) as the KafkaJS error a KafkaJS caller expects. */
export function toKafkaJsError(err: unknown): Error {
  if (err instanceof KafkaJSError || err instanceof KafkaJSAggregateError) return err
  if (err instanceof KafkaError) {
    if (err.code === 1 && err.topic !== undefined) return new KafkaJSOffsetOutOfRange(err, { topic: err.topic, partition: err.partition ?? -1 })
    return new KafkaJSProtocolError(err)
  }
  if (err instanceof ConnectionError) return new KafkaJSConnectionError(err)
  if (err instanceof RequestTimeoutError) return new KafkaJSRequestTimeoutError(err)
  if (err instanceof UnsupportedVersionError) return new KafkaJSServerDoesNotSupportApiKey(err)
  if (err instanceof KafkaClientError) return err.retriable ? new KafkaJSError(err) : new KafkaJSNonRetriableError(err)
  if (err instanceof Error) return new KafkaJSNonRetriableError(err)
  return new KafkaJSNonRetriableError(String(err))
}

/** Runs `fn`, rethrowing its failure as a KafkaJS error. */
export async function kafkaJsErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw toKafkaJsError(err)
  }
}
