// Kafka version ranges: "3+", "0-2", "5", "none".

export interface Range {
  lo: number
  /** Inclusive; Infinity for an open range. lo > hi means empty. */
  hi: number
}

export const EMPTY: Range = { lo: 1, hi: 0 }

export function parseRange(s: string | undefined, fallback: Range = EMPTY): Range {
  if (s === undefined) return fallback
  const t = s.trim()
  if (t === 'none') return EMPTY
  let m = /^(\d+)\+$/.exec(t)
  if (m) return { lo: Number(m[1]), hi: Infinity }
  m = /^(\d+)-(\d+)$/.exec(t)
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) }
  m = /^(\d+)$/.exec(t)
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) }
  throw new Error(`bad version range ${JSON.stringify(s)}`)
}

export function inRange(r: Range, v: number): boolean {
  return v >= r.lo && v <= r.hi
}

/** A run of consecutive versions that share one key. */
export interface Interval<K> {
  lo: number
  hi: number
  key: K
}

/** Groups versions lo..hi by `keyOf`, merging consecutive versions with the same key. */
export function intervals<K extends string>(lo: number, hi: number, keyOf: (v: number) => K): Interval<K>[] {
  const out: Interval<K>[] = []
  for (let v = lo; v <= hi; v++) {
    const key = keyOf(v)
    const last = out[out.length - 1]
    if (last && last.key === key) last.hi = v
    else out.push({ lo: v, hi: v, key })
  }
  return out
}

/** A condition on `version` selecting [lo, hi] inside the generated range [min, max]. */
export function versionCondition(lo: number, hi: number, min: number, max: number): string {
  if (lo <= min && hi >= max) return 'true'
  if (lo === hi) return `version === ${lo}`
  if (lo <= min) return `version <= ${hi}`
  if (hi >= max) return `version >= ${lo}`
  return `version >= ${lo} && version <= ${hi}`
}
