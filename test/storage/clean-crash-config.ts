// Shared by clean-crash.test.ts and its child.
export const CLEAN_CONFIG = {
  'cleanup.policy': 'compact',
  'segment.bytes': 8192,
  'min.cleanable.dirty.ratio': 0.01,
  'delete.retention.ms': 100_000_000,
}

/** The deterministic write history: batch i holds 4 (key, value | null) puts. */
export function history(batches: number): [string, string | null][][] {
  const out: [string, string | null][][] = []
  for (let i = 0; i < batches; i++) {
    const b: [string, string | null][] = []
    for (let j = 0; j < 4; j++) b.push([`k${(i * 7 + j * 13) % 97}`, (i + j) % 11 === 0 ? null : `v${i}-${j}`])
    out.push(b)
  }
  return out
}

/** Latest value per key after `history(batches)`. */
export function latest(batches: number): Map<string, string | null> {
  const m = new Map<string, string | null>()
  for (const b of history(batches)) for (const [k, v] of b) m.set(k, v)
  return m
}
