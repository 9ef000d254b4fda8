// One turn at a time: processing, commits and rebalance callbacks of a KafkaStreams instance
// queue here in call order; a failed turn does not stop the ones behind it.
export class Lock {
  private tail: Promise<unknown> = Promise.resolve()
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.tail.then(fn)
    this.tail = p.catch(() => {})
    return p
  }
}
