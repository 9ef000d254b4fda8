// Time and one-shot timers as an injected seam ("time and randomness are injected"): the cluster
// code that waits (follower fetch back-off, lease renewals, controller and loader retries) asks
// this instead of calling setTimeout and Date.now, so the deterministic simulation
// (tools/sim/) can run it on a virtual clock. `realTimers` is what a broker uses: plain
// setTimeout/Date.now, with the same ref/unref choice each caller made before the seam existed.

export interface Timers {
  /** Milliseconds since the epoch. */
  now(): number
  /**
   * Runs `fn` once after `ms`; returns a function that cancels it. `unref`: a real timer that
   * does not keep the process alive.
   */
  after(ms: number, fn: () => void, unref?: boolean): () => void
}

export const realTimers: Timers = {
  now: () => Date.now(),
  after(ms, fn, unref = false) {
    const t = setTimeout(fn, ms)
    if (unref) t.unref()
    return () => clearTimeout(t)
  },
}
