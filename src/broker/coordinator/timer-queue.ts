// Keyed timers on an injected clock, shared by the coordinators. Setting a key replaces its timer.
// Nothing here calls setTimeout: the owner runs `runDue()` (tests, after moving a manual clock) or
// hands the queue to a TimerDriver (the broker: one real timer for the earliest deadline).

export interface CoordinatorClock {
  now(): number
}

interface Entry {
  readonly key: string
  readonly deadline: number
  readonly seq: number
  readonly fn: () => void
}

export class TimerQueue {
  private readonly byKey = new Map<string, Entry>()
  private heap: Entry[] = []
  private seq = 0
  /** Called whenever the earliest deadline may have moved (a driver re-arms its timer). */
  onChange: (() => void) | null = null

  constructor(readonly clock: CoordinatorClock) {}

  get size(): number {
    return this.byKey.size
  }

  has(key: string): boolean {
    return this.byKey.has(key)
  }

  deadlineOf(key: string): number | undefined {
    return this.byKey.get(key)?.deadline
  }

  /** Runs `fn` once `delayMs` from now (replacing any timer under `key`). */
  schedule(key: string, delayMs: number, fn: () => void): void {
    const e: Entry = { key, deadline: this.clock.now() + Math.max(0, delayMs), seq: this.seq++, fn }
    this.byKey.set(key, e)
    this.push(e)
    // Replaced entries stay in the heap until they surface; rebuild when they dominate (a member
    // heartbeating every 100 ms with a 30-minute session would otherwise pile them up).
    this.maybeCompact()
    this.onChange?.()
  }

  cancel(key: string): void {
    // The heap entry stays until it surfaces; it is recognised as stale by identity.
    this.byKey.delete(key)
    this.maybeCompact()
  }

  /** Earliest live deadline, or undefined. */
  nextDeadline(): number | undefined {
    this.dropStale()
    return this.heap[0]?.deadline
  }

  /** Runs every timer whose deadline has passed, earliest first (a timer may schedule others). */
  runDue(): number {
    let ran = 0
    for (;;) {
      this.dropStale()
      const top = this.heap[0]
      if (top === undefined || top.deadline > this.clock.now()) break
      this.pop()
      this.byKey.delete(top.key)
      ran++
      top.fn()
    }
    return ran
  }

  clear(): void {
    this.byKey.clear()
    this.heap = []
  }

  private dropStale(): void {
    while (this.heap.length > 0 && this.byKey.get(this.heap[0].key) !== this.heap[0]) this.pop()
  }

  /** Heap length the queue may reach before stale entries are dropped: O(1) amortized per operation. */
  get heapLength(): number {
    return this.heap.length
  }

  private maybeCompact(): void {
    if (this.heap.length > 64 && this.heap.length > 4 * this.byKey.size) this.compact()
  }

  private compact(): void {
    this.heap = [...this.byKey.values()].sort(less)
  }

  private push(e: Entry): void {
    const h = this.heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (less(h[p], h[i]) <= 0) break
      ;[h[p], h[i]] = [h[i], h[p]]
      i = p
    }
  }

  private pop(): void {
    const h = this.heap
    const last = h.pop()!
    if (h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && less(h[l], h[m]) < 0) m = l
      if (r < h.length && less(h[r], h[m]) < 0) m = r
      if (m === i) break
      ;[h[m], h[i]] = [h[i], h[m]]
      i = m
    }
  }
}

function less(a: Entry, b: Entry): number {
  return a.deadline - b.deadline || a.seq - b.seq
}

/** Drives a TimerQueue with one real (unref'd) timer armed for the earliest deadline. */
export class TimerDriver {
  private timer: NodeJS.Timeout | null = null
  private armedFor = Infinity
  private stopped = false

  constructor(private readonly queue: TimerQueue, private readonly onError: (err: unknown) => void = () => {}) {
    queue.onChange = () => this.arm()
    this.arm()
  }

  arm(): void {
    if (this.stopped) return
    const next = this.queue.nextDeadline()
    if (next === undefined) {
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      this.armedFor = Infinity
      return
    }
    if (this.timer && next >= this.armedFor) return
    if (this.timer) clearTimeout(this.timer)
    this.armedFor = next
    // Cap the delay: setTimeout overflows above 2^31-1 ms.
    const delay = Math.min(Math.max(0, next - this.queue.clock.now()), 2 ** 31 - 1)
    this.timer = setTimeout(() => {
      this.timer = null
      this.armedFor = Infinity
      // A timer that throws is reported; the other due timers still run (each is popped before it runs).
      for (;;) {
        try {
          this.queue.runDue()
          break
        } catch (err) {
          this.onError(err)
        }
      }
      this.arm()
    }, delay)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.queue.onChange = null
  }
}
