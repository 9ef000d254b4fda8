// Several record-batch buffers sent as one `records` field without concatenating them. A read can
// return more than one Buffer (tail-cache chunks, one per append); the generated codecs take a
// single Buffer, so a RecordsChain stands in for it: the Writer only reads `length` and, for
// payloads under its zero-copy threshold, calls `copy`; above it, the chain becomes one output
// chunk that `expandChains` replaces by its parts before the socket write.
export class RecordsChain {
  readonly parts: readonly Buffer[]
  readonly length: number

  private constructor(parts: readonly Buffer[], length: number) {
    this.parts = parts
    this.length = length
  }

  /** The parts as a Buffer-typed value for a generated codec's `records` field. */
  static of(parts: readonly Buffer[]): Buffer {
    if (parts.length === 1) return parts[0]!
    let n = 0
    for (const p of parts) n += p.length
    return new RecordsChain(parts, n) as unknown as Buffer
  }

  /** Buffer.copy subset used by the Writer for small payloads. */
  copy(target: Buffer, targetStart = 0): number {
    let at = targetStart
    for (const p of this.parts) at += p.copy(target, at)
    return at - targetStart
  }
}

/** Replaces RecordsChain chunks of an encoded response by their parts (no copying). */
export function expandChains(chunks: Buffer[]): Buffer[] {
  let found = false
  for (const c of chunks) if ((c as unknown) instanceof RecordsChain) found = true
  if (!found) return chunks
  const out: Buffer[] = []
  for (const c of chunks) {
    if ((c as unknown) instanceof RecordsChain) out.push(...(c as unknown as RecordsChain).parts)
    else out.push(c)
  }
  return out
}
