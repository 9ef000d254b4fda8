// Errors of the Kafka-facing commands, as one line for the user: what went wrong and with which
// topic, group or address. Only unexpected failures (bugs) keep their stack trace.
import { AbortedError, ConnectionError, KafkaClientError, KafkaError, RequestTimeoutError } from '../../client/index.ts'

/** A problem with the user's input or the cluster's state, told in one line. */
export class CliError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CliError'
  }
}

function rootCause(err: unknown): unknown {
  let e = err
  while (e instanceof AbortedError && e.cause !== undefined) e = e.cause
  return e
}

/** The one-line message for a user-facing error, or null for a bug. */
export function userMessage(err: unknown, bootstrap: string): string | null {
  if (err instanceof CliError) return err.message
  const e = rootCause(err)
  if (e instanceof ConnectionError || e instanceof RequestTimeoutError) return `cannot connect to ${bootstrap}: ${e.message}`
  if (e instanceof KafkaError) {
    if (e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION' && e.topic !== undefined && e.partition === undefined) return `unknown topic '${e.topic}'`
    if (e.errorName === 'UNKNOWN_TOPIC_OR_PARTITION' && e.topic !== undefined) return `unknown partition ${e.partition} of topic '${e.topic}'`
    if (e.errorName.endsWith('AUTHORIZATION_FAILED')) return `not authorized: ${e.message}`
    return e.message
  }
  if (e instanceof KafkaClientError) return e.message
  return null
}
