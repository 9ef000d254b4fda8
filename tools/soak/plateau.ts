// What "memory plateaus" means for a soak: after a warm-up (the first `warmup` share of the
// frames the load sent), the heap's growth rate (least-squares slope of heap-after-GC over
// time) is near zero, and its largest value stays close to where the warm-up ended.
import type { Sample } from './soak.ts'

export interface Plateau {
  fromT: number
  heapStartMB: number
  heapMaxMB: number
  rssStartMB: number
  rssMaxMB: number
  /** Heap growth after warm-up, MB per minute. */
  heapSlopeMBPerMin: number
}

function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length
  if (n < 2) return 0
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my)
    den += (xs[i] - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

/**
 * `warmup`: the share of the load's frames before which samples are ignored. Counted in frames,
 * not seconds: the state fills per request, and on a shared machine the load may be starved for a
 * while, which would move a time-based warm-up window onto a stretch where little happened.
 */
export function plateau(samples: readonly Sample[], warmup = 1 / 3): Plateau {
  const under = samples.slice(0, -1) // the last sample is taken after the load stopped
  const total = under.at(-1)?.frames ?? 0
  const firstAfter = under.findIndex((s) => s.frames >= total * warmup)
  const from = Math.min(under.length - 1, Math.max(0, firstAfter))
  const after = under.slice(from)
  return {
    fromT: after[0]?.t ?? 0,
    heapStartMB: after[0]?.heapMB ?? 0,
    heapMaxMB: Math.max(...after.map((s) => s.heapMB)),
    rssStartMB: after[0]?.rssMB ?? 0,
    rssMaxMB: Math.max(...after.map((s) => s.rssMB)),
    heapSlopeMBPerMin: Math.round(slope(after.map((s) => s.t), after.map((s) => s.heapMB)) * 60 * 10) / 10,
  }
}
