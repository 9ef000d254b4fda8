// Helpers for the tagged-field section of flexible versions (KIP-482) that are not worth
// inlining into every generated struct codec.
import { ProtocolEncodeError } from './errors.ts'
import type { Writer } from './writer.ts'

/** A tagged field the codec does not know, kept verbatim so it survives a re-encode. */
export interface TaggedField {
  tag: number
  data: Buffer
}

/** Shared zero-length value for absent `bytes` fields (a zero-length Buffer cannot be mutated). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0)

/**
 * Writes a whole tagged-field section from raw entries, in ascending tag order. This is the
 * slow path, used only when a struct carries unknown tagged fields.
 */
export function writeTaggedFields(w: Writer, fields: TaggedField[]): void {
  const sorted = fields.slice().sort((a, b) => a.tag - b.tag)
  w.uvarint(sorted.length)
  let last = -1
  for (const f of sorted) {
    if (f.tag === last) throw new ProtocolEncodeError('value-out-of-range', `tagged field ${f.tag} appears twice`)
    last = f.tag
    w.uvarint(f.tag)
    w.uvarint(f.data.length)
    w.raw(f.data)
  }
}

export function unsupportedVersion(what: string, version: number): ProtocolEncodeError {
  return new ProtocolEncodeError('unsupported-version', `${what} has no version ${version}`)
}

/** A field that does not exist at `version` was given a non-default value (and is not ignorable). */
export function fieldNotInVersion(struct: string, field: string, version: number): ProtocolEncodeError {
  return new ProtocolEncodeError('unsupported-field', `${struct}.${field} cannot be sent at version ${version}`)
}

export function nullNotAllowed(struct: string, field: string, version: number): ProtocolEncodeError {
  return new ProtocolEncodeError('null-not-allowed', `${struct}.${field} may not be null at version ${version}`)
}
