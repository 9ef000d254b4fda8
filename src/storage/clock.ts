// Time and timers are injected so that retention, segment.ms and flush.ms can be tested without
// waiting. `systemScheduler` uses real timers (unref'd: storage must not keep a process alive).
export interface Scheduler {
  /** Milliseconds since the epoch. */
  now(): number
  /** Runs `fn` every `ms` milliseconds until the returned function is called. */
  every(ms: number, fn: () => void): () => void
}

export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms)
    t.unref()
    return () => clearInterval(t)
  },
}

/** A scheduler whose time only moves when `advance` is called (tests). */
export class ManualScheduler implements Scheduler {
  private time: number
  private tasks = new Set<{ ms: number; due: number; fn: () => void }>()
  constructor(start = 1_700_000_000_000) {
    this.time = start
  }
  now(): number {
    return this.time
  }
  every(ms: number, fn: () => void): () => void {
    const task = { ms, due: this.time + ms, fn }
    this.tasks.add(task)
    return () => this.tasks.delete(task)
  }
  /** Moves time forward, running due tasks in time order. */
  advance(ms: number): void {
    const end = this.time + ms
    for (;;) {
      let next: { ms: number; due: number; fn: () => void } | undefined
      for (const t of this.tasks) if (t.due <= end && (!next || t.due < next.due)) next = t
      if (!next) break
      this.time = next.due
      next.due += next.ms
      next.fn()
    }
    this.time = end
  }
}
