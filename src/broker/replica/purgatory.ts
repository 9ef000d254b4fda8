// Waiting room for requests that cannot be answered yet (Fetch below minBytes; later acks=all
// produce with followers). An operation watches some partitions and has a deadline. Appends wake
// the operations watching that partition; deadlines are served by ONE timer armed for the earliest
// deadline (a min-heap with lazy deletion), not a setTimeout per request or per partition.
import type { Partition } from './partition.ts'
import type { TimerQueue } from '../coordinator/timer-queue.ts'

export interface DelayedOperation {
  /** Absolute time (ms, purgatory clock) at which the operation is answered with what it has. */
  readonly deadline: number
  /** New data arrived on a watched partition; return true when the operation should complete now. */
  onData(partition: Partition, newBytes: number): boolean
  /** Answers the operation (called exactly once, by wake-up, deadline or shutdown). */
  complete(): void
}

interface Entry {
  op: DelayedOperation
  partitions: readonly Partition[]
  done: boolean
}

export interface PurgatoryClock {
  now(): number
  setTimer(fn: () => void, ms: number): unknown
  clearTimer(handle: unknown): void
}

const TIMER_MAX = 2 ** 31 - 1

export const monotonicClock: PurgatoryClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, Math.min(Math.max(0, ms), TIMER_MAX)),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
}

let purgatories = 0

/**
 * A purgatory clock over the broker's one timer queue (broker.ts): the purgatory's earliest
 * deadline is one keyed entry there, so purgatories and coordinators share one real timer and one
 * injected clock (a manual clock plus `runDue()` drives fetch long-polls in tests).
 */
export function timerQueueClock(queue: TimerQueue, name: string): PurgatoryClock {
  const key = `purgatory:${name}:${purgatories++}`
  return {
    now: () => queue.clock.now(),
    setTimer: (fn, ms) => {
      queue.schedule(key, ms, fn)
      return key
    },
    clearTimer: () => queue.cancel(key),
  }
}

export class Purgatory {
  /**
   * Each partition's waiting operations. A set stays once made (a long poll parks and wakes per
   * append: no new Set each time); the WeakMap lets a deleted partition go with its set.
   */
  private readonly watchers = new WeakMap<Partition, Set<Entry>>()
  private heap: Entry[] = []
  private live = 0
  private timer: unknown = undefined
  private timerAt = Infinity
  private closed = false

  constructor(readonly clock: PurgatoryClock = monotonicClock) {}

  /** Operations waiting right now. */
  get size(): number {
    return this.live
  }

  /** Parks `op` until data arrives on one of `partitions` and it says so, or its deadline passes. */
  add(op: DelayedOperation, partitions: readonly Partition[]): void {
    const entry: Entry = { op, partitions, done: false }
    if (this.closed || op.deadline <= this.clock.now()) {
      entry.done = true
      op.complete()
      return
    }
    this.live++
    for (const p of partitions) {
      let set = this.watchers.get(p)
      if (!set) this.watchers.set(p, (set = new Set()))
      set.add(entry)
    }
    this.push(entry)
    if (op.deadline < this.timerAt) this.arm(op.deadline)
  }

  /** A partition's readable end moved by `newBytes`. */
  notify(partition: Partition, newBytes: number): void {
    const set = this.watchers.get(partition)
    if (!set || set.size === 0) return
    // Iterated in place (finishing deletes the entry, which a Set's iteration allows).
    for (const entry of set) {
      if (!entry.done && entry.op.onData(partition, newBytes)) this.finish(entry)
    }
  }

  /** Answers everything still waiting (shutdown, or a partition going away). */
  completeAll(partition?: Partition): void {
    if (partition) {
      for (const entry of [...(this.watchers.get(partition) ?? [])]) this.finish(entry)
      this.watchers.delete(partition)
      return
    }
    for (const entry of this.heap) if (!entry.done) this.finish(entry)
  }

  close(): void {
    this.closed = true
    this.completeAll()
    this.disarm()
  }

  private finish(entry: Entry): void {
    if (entry.done) return
    entry.done = true
    this.live--
    for (const p of entry.partitions) this.watchers.get(p)?.delete(entry)
    entry.op.complete()
    // Completed entries stay in the heap until popped; rebuild when they dominate it.
    if (this.heap.length > 64 && this.heap.length > 4 * this.live) this.compact()
  }

  private onTimer = (): void => {
    this.timer = undefined
    this.timerAt = Infinity
    const now = this.clock.now()
    while (this.heap.length > 0) {
      const top = this.heap[0]!
      if (top.done) {
        this.pop()
        continue
      }
      if (top.op.deadline > now) break
      this.pop()
      this.finish(top)
    }
    while (this.heap.length > 0 && this.heap[0]!.done) this.pop()
    if (this.heap.length > 0) this.arm(this.heap[0]!.op.deadline)
  }

  private arm(at: number): void {
    this.disarm()
    this.timerAt = at
    this.timer = this.clock.setTimer(this.onTimer, at - this.clock.now())
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
  }

  private compact(): void {
    this.heap = this.heap.filter((e) => !e.done)
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i)
  }

  // ---- binary min-heap by deadline

  private push(e: Entry): void {
    const h = this.heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (h[parent]!.op.deadline <= e.op.deadline) break
      h[i] = h[parent]!
      i = parent
    }
    h[i] = e
  }

  private pop(): Entry | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last) {
      h[0] = last
      this.down(0)
    }
    return top
  }

  private down(i: number): void {
    const h = this.heap
    const n = h.length
    const e = h[i]!
    for (;;) {
      let c = 2 * i + 1
      if (c >= n) break
      if (c + 1 < n && h[c + 1]!.op.deadline < h[c]!.op.deadline) c++
      if (h[c]!.op.deadline >= e.op.deadline) break
      h[i] = h[c]!
      i = c
    }
    h[i] = e
  }
}
