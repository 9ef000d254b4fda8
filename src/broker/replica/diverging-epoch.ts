// Fetch's divergence check (KIP-320 for consumers, KIP-595's truncation on fetch for followers):
// a fetch names the epoch of the last batch it has (LastFetchedEpoch); when that epoch ends here
// before the fetch offset, or this log never had it, the fetcher's tail is not this log's and the
// answer carries DivergingEpoch {epoch, endOffset} (no records) so it can truncate there.
// The epoch end follows Kafka's leader-epoch cache lookup: the latest epoch ends at the log end;
// an older one at the start of the next higher epoch, answered with the largest epoch at or below
// it (or, below every known epoch, with the requested epoch and the first epoch's start); an epoch
// above every known one is undefined (the fetch fails with OFFSET_OUT_OF_RANGE).
import type { EpochEntry } from '../../storage/leader-epoch-cache.ts'

export interface EpochEnd {
  readonly epoch: number
  readonly endOffset: number
}

/** Where `epoch` ends in a log with these epoch entries (undefined: unknown here). */
export function epochEndOffset(entries: readonly EpochEntry[], epoch: number, logEndOffset: number): EpochEnd | undefined {
  if (epoch < 0 || entries.length === 0) return undefined
  const latest = entries[entries.length - 1]!
  if (latest.epoch === epoch) return { epoch, endOffset: logEndOffset }
  // The first entry with a higher epoch, and the one before it (the floor).
  let i = 0
  while (i < entries.length && entries[i]!.epoch <= epoch) i++
  if (i === entries.length) return undefined
  const higher = entries[i]!
  return i === 0 ? { epoch, endOffset: higher.startOffset } : { epoch: entries[i - 1]!.epoch, endOffset: higher.startOffset }
}

export type Divergence =
  | { readonly kind: 'none' }
  | { readonly kind: 'diverging', readonly at: EpochEnd }
  | { readonly kind: 'out-of-range' }

const NONE: Divergence = Object.freeze({ kind: 'none' })
const OUT_OF_RANGE: Divergence = Object.freeze({ kind: 'out-of-range' })

/**
 * The answer to a fetch at `fetchOffset` whose last fetched batch was written in `lastFetchedEpoch`
 * (-1: not given, nothing to check).
 */
export function checkDivergence(entries: readonly EpochEntry[], lastFetchedEpoch: number, fetchOffset: number,
  logStartOffset: number, logEndOffset: number): Divergence {
  if (lastFetchedEpoch < 0) return NONE
  const end = epochEndOffset(entries, lastFetchedEpoch, logEndOffset)
  if (!end) return OUT_OF_RANGE
  // Below the log start the offset is wrong whatever the epochs say.
  if (fetchOffset < logStartOffset) return OUT_OF_RANGE
  if (end.epoch < lastFetchedEpoch || end.endOffset < fetchOffset) return { kind: 'diverging', at: end }
  return NONE
}
