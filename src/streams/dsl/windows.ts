// Window definitions with Kafka's rules: time windows (tumbling when advance = size, hopping
// otherwise) are [start, end) and aligned to the epoch; sliding windows are [start, start +
// timeDifference] around records; session windows close after an inactivity gap; join windows
// pair records at most `before`/`after` apart. Each has a grace period: records later than the
// window's end plus grace (by stream time) are dropped.
export interface Window {
  start: number
  end: number
}

const check = (what: string, v: number): number => {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${what} must be a non-negative integer (ms), got ${v}`)
  return v
}

export class TimeWindows {
  private constructor(readonly sizeMs: number, readonly advanceMs: number, readonly graceMs: number) {}

  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return TimeWindows.ofSizeAndGrace(sizeMs, 0)
  }

  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    if (check('window size', sizeMs) === 0) throw new Error('window size must be > 0')
    return new TimeWindows(sizeMs, sizeMs, check('grace', graceMs))
  }

  /** Hopping windows: a new window every `advanceMs` (0 < advance <= size). */
  advanceBy(advanceMs: number): TimeWindows {
    if (!(advanceMs > 0 && advanceMs <= this.sizeMs)) throw new Error(`advance must be in (0, ${this.sizeMs}], got ${advanceMs}`)
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs)
  }

  /** Every window containing `timestamp`, by start. */
  windowsFor(timestamp: number): Window[] {
    const out: Window[] = []
    let start = Math.floor(Math.max(0, timestamp - this.sizeMs + this.advanceMs) / this.advanceMs) * this.advanceMs
    for (; start <= timestamp; start += this.advanceMs) out.push({ start, end: start + this.sizeMs })
    return out
  }
}

export class SlidingWindows {
  private constructor(readonly timeDifferenceMs: number, readonly graceMs: number) {}

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return SlidingWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0)
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    return new SlidingWindows(check('time difference', timeDifferenceMs), check('grace', graceMs))
  }
}

export class SessionWindows {
  private constructor(readonly inactivityGapMs: number, readonly graceMs: number) {}

  static ofInactivityGapWithNoGrace(gapMs: number): SessionWindows {
    return SessionWindows.ofInactivityGapAndGrace(gapMs, 0)
  }

  static ofInactivityGapAndGrace(gapMs: number, graceMs: number): SessionWindows {
    if (check('inactivity gap', gapMs) === 0) throw new Error('inactivity gap must be > 0')
    return new SessionWindows(gapMs, check('grace', graceMs))
  }
}

export class JoinWindows {
  private constructor(readonly beforeMs: number, readonly afterMs: number, readonly graceMs: number) {}

  static ofTimeDifferenceWithNoGrace(diffMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(diffMs, 0)
  }

  static ofTimeDifferenceAndGrace(diffMs: number, graceMs: number): JoinWindows {
    return new JoinWindows(check('time difference', diffMs), diffMs, check('grace', graceMs))
  }

  /** Only records of the other side at most `beforeMs` earlier (and `afterMs` later) join. */
  before(beforeMs: number): JoinWindows {
    return new JoinWindows(check('before', beforeMs), this.afterMs, this.graceMs)
  }

  after(afterMs: number): JoinWindows {
    return new JoinWindows(this.beforeMs, check('after', afterMs), this.graceMs)
  }
}
