// A byte budget for request frames in flight across all connections (queued.max.request.bytes,
// as in Kafka a broker-wide bound). A connection that would go over it pauses reading; when bytes
// are released, paused connections are woken in FIFO order to try again. One frame is always
// admitted on a connection that has nothing in flight, so progress never depends on others.
export interface BudgetWaiter {
  /** Called when the budget has room again; the waiter re-checks and may pause again. */
  budgetAvailable(): void
}

export class RequestBudget {
  private used = 0
  private readonly waiting = new Set<BudgetWaiter>()
  private wakeScheduled = false
  readonly limit: number

  /** `limit` < 0 means unbounded. */
  constructor(limit: number) {
    this.limit = limit < 0 ? Infinity : limit
  }

  get inUse(): number {
    return this.used
  }

  get exhausted(): boolean {
    return this.used > this.limit
  }

  acquire(bytes: number): void {
    this.used += bytes
  }

  release(bytes: number): void {
    this.used -= bytes
    if (this.waiting.size > 0 && this.used <= this.limit && !this.wakeScheduled) {
      // Wake on a later tick: the releasing connection is in the middle of writing responses.
      this.wakeScheduled = true
      setImmediate(() => this.wake())
    }
  }

  private wake(): void {
    this.wakeScheduled = false
    const waiters = [...this.waiting]
    this.waiting.clear()
    for (const w of waiters) {
      if (this.used > this.limit) this.waiting.add(w)
      else w.budgetAvailable()
    }
  }

  wait(w: BudgetWaiter): void {
    this.waiting.add(w)
  }

  cancel(w: BudgetWaiter): void {
    this.waiting.delete(w)
  }
}
