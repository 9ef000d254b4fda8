// Typed errors of the protocol layer. Decoders never throw anything else on bad input, so a
// broker can turn any of them into a Kafka error code (or a closed connection) without guessing.

/** Why a decode failed; stable strings that tests and callers can switch on. */
export type DecodeFailure =
  | 'truncated'
  | 'negative-length'
  | 'null-not-allowed'
  | 'count-too-large'
  | 'varint-too-long'
  | 'value-out-of-range'
  | 'bad-tagged-field'
  | 'unsupported-version'

export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError'
  constructor(
    readonly reason: DecodeFailure,
    message: string,
    /** Byte position in the buffer where the problem was found. */
    readonly position = -1,
  ) {
    super(message)
  }
}

/** Why an encode failed: the value cannot be represented at the requested version. */
export type EncodeFailure = 'unsupported-field' | 'null-not-allowed' | 'value-out-of-range' | 'unsupported-version'

export class ProtocolEncodeError extends Error {
  override readonly name = 'ProtocolEncodeError'
  constructor(
    readonly reason: EncodeFailure,
    message: string,
  ) {
    super(message)
  }
}
