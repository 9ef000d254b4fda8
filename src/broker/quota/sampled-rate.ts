// A rate measured over a ring of time samples, with the semantics of Kafka's quota sensors (a
// Rate over a windowed sum): `quota.window.num` samples of `quota.window.size.seconds` each; a
// sample idle for the whole span is forgotten; the span a rate is divided by is never shorter than
// all samples but the current one, so a first burst is not measured over a few milliseconds.
// Time is passed in (the broker's injected clock), never read here.

interface Sample {
  start: number
  last: number
  value: number
}

export class SampledRate {
  private readonly samples: Sample[] = []
  private current = 0

  constructor(readonly sampleMs: number, readonly numSamples: number) {}

  /** Adds `value` at `now` (ms); a negative value takes back what was recorded. */
  record(value: number, now: number): void {
    let s = this.currentSample(now)
    if (now - s.start >= this.sampleMs) s = this.advance(now)
    s.value += value
    s.last = now
  }

  /** Per second, over the retained samples. */
  measure(now: number): number {
    this.purge(now)
    let total = 0
    for (const s of this.samples) total += s.value
    return total / (this.windowMs(now) / 1000)
  }

  /** The span (ms) the rate is divided by at `now`. */
  windowMs(now: number): number {
    this.purge(now)
    let oldest = this.currentSample(now).start
    for (const s of this.samples) if (s.start < oldest) oldest = s.start
    let elapsed = now - oldest
    const full = Math.floor(elapsed / this.sampleMs)
    const minFull = this.numSamples - 1
    if (full < minFull) elapsed += (minFull - full) * this.sampleMs
    return Math.max(elapsed, 1)
  }

  private currentSample(now: number): Sample {
    if (this.samples.length === 0) this.samples.push({ start: now, last: now, value: 0 })
    return this.samples[this.current]
  }

  /** One slot more than the samples measured: the oldest may still overlap the measured span. */
  private advance(now: number): Sample {
    this.current = (this.current + 1) % (this.numSamples + 1)
    if (this.current >= this.samples.length) {
      const s = { start: now, last: now, value: 0 }
      this.samples.push(s)
      return s
    }
    const s = this.samples[this.current]
    reset(s, now)
    return s
  }

  private purge(now: number): void {
    const expireAfter = this.numSamples * this.sampleMs
    for (const s of this.samples) if (now - s.last >= expireAfter) reset(s, now)
  }
}

function reset(s: Sample, now: number): void {
  s.start = now
  s.last = now
  s.value = 0
}

/**
 * How long (ms) a client over its quota must stay silent for the measured rate to come back to the
 * bound: with O observed over a span W and a bound T, O·W / (W + X) = T gives X = (O − T) / T · W.
 */
export function throttleTimeMs(observed: number, bound: number, windowMs: number): number {
  return Math.round((observed - bound) / bound * windowMs)
}
