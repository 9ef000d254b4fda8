// Failures of topic operations as Kafka error codes: the handlers put code and message into the
// per-topic (per-resource) result; nothing here closes a connection.
import { ErrorCode, KafkaProtocolError } from '../../protocol/errors.ts'
import { ConfigError } from '../config/config-error.ts'

export function topicError(code: number, message: string): KafkaProtocolError {
  return new KafkaProtocolError(code, message)
}

/**
 * Code and message of any failure: KafkaProtocolError keeps its code, ConfigError is
 * INVALID_CONFIG, a storage error with a Kafka error name keeps that, anything else is
 * UNKNOWN_SERVER_ERROR.
 */
export function errorOf(err: unknown): { code: number, message: string } {
  if (err instanceof KafkaProtocolError) return { code: err.code, message: err.message }
  if (err instanceof ConfigError) return { code: ErrorCode.INVALID_CONFIG, message: err.message }
  const code = (err as { code?: unknown })?.code
  if (typeof code === 'string' && Object.hasOwn(ErrorCode, code)) {
    return { code: ErrorCode[code as keyof typeof ErrorCode], message: (err as Error).message }
  }
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: (err as Error)?.message ?? String(err) }
}
