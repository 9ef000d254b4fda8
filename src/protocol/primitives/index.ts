// Wire primitives shared by the generated codecs and the record-batch code.
export { Reader } from './reader.ts'
export { Writer } from './writer.ts'
export { ProtocolDecodeError, ProtocolEncodeError } from './errors.ts'
export type { DecodeFailure, EncodeFailure } from './errors.ts'
export { ZERO_UUID, isUuidString } from './uuid.ts'
export { sizeOfUvarint, sizeOfVarint, sizeOfVarlong, sizeOfVarlongNumber, utf8Length } from './varint.ts'
export { EMPTY_BYTES, writeTaggedFields, fieldNotInVersion, nullNotAllowed, unsupportedVersion } from './tagged.ts'
export type { TaggedField } from './tagged.ts'
