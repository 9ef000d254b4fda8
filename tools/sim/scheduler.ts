// The discrete-event scheduler: one virtual clock and one queue of events ordered by (time,
// sequence number). `step()` takes the earliest event, moves the clock to it, runs it, and then
// lets every promise chain it started settle (one macrotask turn: the microtask queue drains
// completely before a setImmediate callback) before the next event runs. Nothing on the simulated
// path touches real timers or I/O, so what runs — and in which order — is a function of the seed.
// Production code reaches the clock through the `Timers` seam (src/broker/timers.ts) and the
// TimerQueue's `CoordinatorClock`; both are implemented here. Every event run is folded into the
// trace hash, which the replay test compares across two runs of one seed.
import { createHash } from 'node:crypto'
import type { Hash } from 'node:crypto'
import type { Timers } from '../../src/broker/timers.ts'
import type { TimerQueue } from '../../src/broker/coordinator/timer-queue.ts'

/** Virtual time starts here (a plausible epoch-millisecond value, as brokers expect). */
export const SIM_EPOCH = 1_700_000_000_000

interface SimEvent {
  readonly time: number
  readonly seq: number
  readonly label: string
  readonly fn: () => void
  cancelled: boolean
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export class SimScheduler implements Timers {
  private time = SIM_EPOCH
  private seq = 0
  private heap: SimEvent[] = []
  private readonly hash: Hash = createHash('sha256')
  /** Events run so far. */
  steps = 0
  /** Extra lines folded into the trace (state digests). */
  traceTail: string[] | undefined

  now(): number {
    return this.time
  }

  /** Timers seam: production code's one-shot timers (unref is meaningless on a virtual clock). */
  after(ms: number, fn: () => void): () => void {
    return this.at(this.time + Math.max(0, ms), 'timer', fn)
  }

  /** Schedules `fn` at virtual time `time` (not before now); returns a cancel function. */
  at(time: number, label: string, fn: () => void): () => void {
    const e: SimEvent = { time: Math.max(time, this.time), seq: this.seq++, label, fn, cancelled: false }
    this.push(e)
    return () => { e.cancelled = true }
  }

  in(ms: number, label: string, fn: () => void): () => void {
    return this.at(this.time + ms, label, fn)
  }

  get pending(): number {
    return this.heap.length
  }

  /** The next live event's time (undefined: nothing scheduled). */
  peekTime(): number | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop()
    return this.heap[0]?.time
  }

  /** Runs the earliest event and lets what it started settle; false when nothing is scheduled. */
  async step(): Promise<boolean> {
    let e: SimEvent | undefined
    do e = this.pop()
    while (e && e.cancelled)
    if (!e) return false
    this.time = e.time
    this.steps++
    this.hash.update(`${e.time - SIM_EPOCH} ${e.label}\n`)
    e.fn()
    await turn()
    return true
  }

  /** Lets promise chains settle without running an event (after driving code from outside). */
  settle(): Promise<void> {
    return turn()
  }

  /** Folds a line (a state digest) into the trace. */
  record(line: string): void {
    this.hash.update(line)
    this.hash.update('\n')
  }

  /** The trace hash so far (hex). */
  digest(): string {
    return this.hash.copy().digest('hex')
  }

  /** Drives a TimerQueue (a broker's purgatories and ISR expiration) from this clock. */
  drive(queue: TimerQueue, label: string): () => void {
    let cancel: (() => void) | undefined
    let stopped = false
    const arm = (): void => {
      cancel?.()
      cancel = undefined
      if (stopped) return
      const next = queue.nextDeadline()
      if (next === undefined) return
      cancel = this.at(next, label, () => {
        cancel = undefined
        queue.runDue()
        arm()
      })
    }
    queue.onChange = arm
    arm()
    return () => {
      stopped = true
      queue.onChange = null
      cancel?.()
    }
  }

  private push(e: SimEvent): void {
    const h = this.heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }

  private pop(): SimEvent | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && before(h[l]!, h[m]!)) m = l
        if (r < h.length && before(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}
