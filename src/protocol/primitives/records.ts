// The type of a `records` field: one Buffer, or several record-batch buffers sent as one field
// without concatenating them (a read can return a chunk per append from the tail cache). Decoded
// fields are always one Buffer (a subarray of the frame); the Writer writes a list part by part
// and, at or above its zero-copy threshold, references each part instead of copying it.
export type Records = Buffer | readonly Buffer[]

/** Encoded payload length of `r`. */
export function recordsLength(r: Records): number {
  if (Buffer.isBuffer(r)) return r.length
  let n = 0
  for (const p of r) n += p.length
  return n
}

/**
 * `r` as one Buffer: itself when it is one (every decoded field), else its parts concatenated
 * (a copy, for callers that need contiguous bytes).
 */
export function recordsBuffer(r: Records): Buffer {
  return Buffer.isBuffer(r) ? r : r.length === 1 ? r[0]! : Buffer.concat(r as Buffer[])
}
