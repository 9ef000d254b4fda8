// Runs a controller job one pass at a time: a kick during a pass asks for exactly one more pass
// after it (kicks in between fold into that pass), so the job always ends on the latest image
// without two passes overlapping. After close() no pass starts; `idle` is the running pass, if any.
export class CoalescedRun {
  private running: Promise<void> | undefined
  private again = false
  private closed = false

  constructor(private readonly pass: () => Promise<void>) {}

  get isClosed(): boolean {
    return this.closed
  }

  kick(): void {
    if (this.closed) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = (async () => {
      do {
        this.again = false
        await this.pass()
      } while (this.again && !this.closed)
      this.running = undefined
    })()
  }

  /** Stops further passes and waits for the current one. */
  async close(): Promise<void> {
    this.closed = true
    await this.running
  }
}
