// share.auto.offset.reset (KIP-932, KIP-1106): where a share-partition without persisted state
// starts — `latest` (the default: the high watermark), `earliest` (the log start), or
// `by_duration:<ISO-8601 duration>` (the first record whose timestamp is at most that long before
// now; the high watermark when no record is that recent). Durations have Java's Duration.parse form
// PnDTnHnMn.nS (days, hours, minutes, seconds with up to nine decimals; each part signed, the
// whole optionally), and must not be negative.

export type ShareAutoOffsetReset = 'earliest' | 'latest' | { readonly byDurationMs: number }

const BY_DURATION = 'by_duration:'
const ISO_DURATION = /^([-+]?)P(?:([-+]?\d+)D)?(T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?)(\d+)(?:[.,](\d{0,9}))?S)?)?$/i

/** Milliseconds of an ISO-8601 duration in Duration.parse's form; throws on anything else. */
export function parseIsoDurationMs(text: string): number {
  const m = ISO_DURATION.exec(text)
  // "P", "PT" and a trailing "T" carry no amount: invalid, as in Java.
  if (!m || (m[2] === undefined && m[3] === undefined) || m[3]?.toUpperCase() === 'T') throw new Error(`"${text}" is not an ISO-8601 duration (PnDTnHnMn.nS)`)
  const n = (s: string | undefined) => s === undefined ? 0 : Number(s)
  const fraction = m[8] ? Number(m[8].padEnd(9, '0')) / 1e6 : 0
  const seconds = (n(m[7]) * 1000 + fraction) * (m[6] === '-' ? -1 : 1)
  const ms = n(m[2]) * 86_400_000 + n(m[4]) * 3_600_000 + n(m[5]) * 60_000 + seconds
  return Math.floor(m[1] === '-' ? -ms : ms)
}

/** The strategy a config value names; throws (with the reason) on an invalid one. */
export function parseShareAutoOffsetReset(raw: string): ShareAutoOffsetReset {
  const v = raw.trim()
  if (v === 'earliest' || v === 'latest') return v
  if (v.toLowerCase().startsWith(BY_DURATION)) {
    const ms = parseIsoDurationMs(v.slice(BY_DURATION.length).trim())
    if (ms < 0) throw new Error('a negative duration is not supported in by_duration')
    return { byDurationMs: ms }
  }
  if (v.toLowerCase() === 'by_duration') throw new Error('the <:duration> part is missing in by_duration')
  throw new Error(`"${raw}" is not earliest, latest or by_duration:<PnDTnHnMn.nS>`)
}

/** What a share-partition needs to find its start. */
export interface StartOffsetSource {
  readonly logStartOffset: number
  readonly highWatermark: number
  offsetForTimestamp(timestamp: number, upper: number): Promise<{ offset: number } | undefined>
}

/** The start offset of a share-partition without state under `reset`, at time `now`. */
export async function resetStartOffset(reset: ShareAutoOffsetReset, p: StartOffsetSource, now: number): Promise<number> {
  if (reset === 'earliest') return p.logStartOffset
  if (reset === 'latest') return p.highWatermark
  const found = await p.offsetForTimestamp(now - reset.byDurationMs, p.highWatermark)
  return found ? Math.max(found.offset, p.logStartOffset) : p.highWatermark
}
