// Typed client errors. Every failure a caller can see is a KafkaClientError with a stable
// `errorName` and a `retriable` flag, so retry decisions never parse messages. Broker error codes
// become KafkaError with Kafka's own names, taken from the protocol layer's error table.
import { errorInfo } from '../protocol/errors.ts'
import type { ErrorName } from '../protocol/errors.ts'

export class KafkaClientError extends Error {
  /** Kafka's error name for broker errors; a client name (CONNECTION_ERROR, ...) otherwise. */
  readonly errorName: string
  readonly retriable: boolean

  constructor(errorName: string, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KafkaClientError'
    this.errorName = errorName
    this.retriable = retriable
  }
}

/** An error code answered by a broker, e.g. NOT_LEADER_OR_FOLLOWER (6, retriable). */
export class KafkaError extends KafkaClientError {
  readonly code: number
  readonly topic: string | undefined
  readonly partition: number | undefined

  constructor(code: number, context: { topic?: string; partition?: number; message?: string | null; api?: string } = {}) {
    const info = errorInfo(code)
    const where = context.topic === undefined ? '' : ` (${context.topic}${context.partition === undefined ? '' : `-${context.partition}`})`
    const api = context.api === undefined ? '' : `${context.api}: `
    super(info.name, `${api}${info.name}${where}: ${context.message ?? info.message}`, info.retriable)
    this.name = 'KafkaError'
    this.code = code
    this.topic = context.topic
    this.partition = context.partition
  }

  is(name: ErrorName): boolean {
    return this.errorName === name
  }
}

/** The TCP/TLS connection failed or closed; requests on it may or may not have been processed. */
export class ConnectionError extends KafkaClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION_ERROR', message, true, options)
    this.name = 'ConnectionError'
  }
}

/** No response within request.timeout.ms; the connection is closed (responses are ordered). */
export class RequestTimeoutError extends KafkaClientError {
  constructor(message: string) {
    super('REQUEST_TIMED_OUT', message, true)
    this.name = 'RequestTimeoutError'
  }
}

/** Bad options or bad use of the API: never retriable. */
export class ClientConfigError extends KafkaClientError {
  constructor(message: string) {
    super('INVALID_CONFIG', message, false)
    this.name = 'ClientConfigError'
  }
}

/** The operation was given up: the client is closing, an AbortSignal fired, or retries ran out. */
export class AbortedError extends KafkaClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ABORTED', message, false, options)
    this.name = 'AbortedError'
  }
}

/** The broker does not implement a version of the API this client can speak. */
export class UnsupportedVersionError extends KafkaClientError {
  constructor(message: string) {
    super('UNSUPPORTED_VERSION', message, false)
    this.name = 'UnsupportedVersionError'
  }
}

/** Throws a KafkaError for a non-zero error code. */
export function check(code: number, context?: { topic?: string; partition?: number; message?: string | null; api?: string }): void {
  if (code !== 0) throw new KafkaError(code, context)
}

export const isRetriable = (err: unknown): boolean => err instanceof KafkaClientError && err.retriable
