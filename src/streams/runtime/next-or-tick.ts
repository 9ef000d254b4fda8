// Waits for a batch or a tick, whichever comes first. The timer is cleared when the batch wins:
// a pending timer would keep its race promise, and so the batch it resolved with, reachable until
// it fires; at hundreds of batches per tick that kept whole seconds of records alive (promoted
// to the old generation, then collected there), which cost more CPU than processing them.
export function nextOrTick<T>(next: Promise<T>, ms: number): Promise<T | 'tick'> {
  let timer: NodeJS.Timeout | undefined
  const tick = new Promise<'tick'>((res) => {
    timer = setTimeout(res, ms, 'tick')
    timer.unref()
  })
  return Promise.race([next, tick]).finally(() => clearTimeout(timer))
}
