// The in-memory network between simulated nodes (brokers, the metadata store, clients): every
// message is an event on the scheduler, delivered after a random delay (so messages reorder),
// sometimes dropped or duplicated, never across a cut link, never to or from a node that is down,
// and never to a later life of a node than the one it was sent to (a restarted broker does not get
// its previous incarnation's traffic). `rpc` builds request/response on top: the caller's promise
// rejects with RequestTimeout when either leg is lost, as a socket timeout would.
import type { Prng } from './prng.ts'
import type { SimScheduler } from './scheduler.ts'

export interface NetworkFaults {
  /** Probability a message is lost. */
  readonly drop: number
  /** Probability a message is delivered twice. */
  readonly duplicate: number
  /** Delivery delay range (ms): uniform in [minDelay, maxDelay). */
  readonly minDelay: number
  readonly maxDelay: number
}

export class RequestTimeout extends Error {
  constructor(what: string) {
    super(`${what}: request timed out`)
    this.name = 'RequestTimeout'
  }
}

export class SimNetwork {
  private readonly up = new Map<number, number>()
  private readonly cut = new Set<string>()
  faults: NetworkFaults

  constructor(private readonly scheduler: SimScheduler, private readonly random: Prng, faults: NetworkFaults) {
    this.faults = faults
  }

  /** Brings a node up under a new incarnation (its first start or a restart). */
  start(node: number): number {
    const inc = Math.abs(this.up.get(node) ?? 0) + 1
    this.up.set(node, inc)
    return inc
  }

  /** Takes a node down: everything in flight to or from its current life is lost. */
  stop(node: number): void {
    const inc = this.up.get(node)
    if (inc !== undefined && inc > 0) this.up.set(node, -inc)
  }

  isUp(node: number): boolean {
    return (this.up.get(node) ?? 0) > 0
  }

  private incarnation(node: number): number {
    return this.up.get(node) ?? 0
  }

  private static link(a: number, b: number): string {
    return a < b ? `${a}-${b}` : `${b}-${a}`
  }

  /** Cuts the link between `a` and `b` (both directions) until `heal`. */
  partition(a: number, b: number): void {
    this.cut.add(SimNetwork.link(a, b))
  }

  connected(a: number, b: number): boolean {
    return !this.cut.has(SimNetwork.link(a, b))
  }

  heal(): void {
    this.cut.clear()
  }

  get partitions(): readonly string[] {
    return [...this.cut].sort()
  }

  /**
   * Sends one message: `deliver` runs at the destination after a random delay, unless the message
   * is lost (dropped, link cut or either end down at sending or at delivery). `reliable`: no random
   * drop or duplicate (an ordered stream such as a watch; it still needs the link and both ends);
   * `onLost` hears of a message lost in flight (returns -1 when lost at once).
   */
  send(from: number, to: number, label: string, deliver: () => void, reliable = false, onLost?: () => void): number {
    const fromInc = this.incarnation(from)
    const toInc = this.incarnation(to)
    const f = this.faults
    if (fromInc <= 0 || toInc <= 0 || !this.connected(from, to)) return -1
    if (!reliable && this.random.chance(f.drop)) return -1
    const copies = !reliable && this.random.chance(f.duplicate) ? 2 : 1
    let at = -1
    for (let i = 0; i < copies; i++) {
      at = this.scheduler.now() + this.random.int(f.minDelay, f.maxDelay)
      this.scheduler.at(at, `${label} ${from}>${to}`, () => {
        if (this.incarnation(from) !== fromInc || this.incarnation(to) !== toInc || !this.connected(from, to)) {
          onLost?.()
          return
        }
        deliver()
      })
    }
    return at
  }

  /**
   * A request from `from` handled at `to` by `handle`, whose answer travels back; rejects with
   * RequestTimeout after `timeoutMs` when either leg was lost, or with the handler's error.
   */
  rpc<Res>(from: number, to: number, label: string, handle: () => Res | Promise<Res>, timeoutMs: number): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      let done = false
      const cancel = this.scheduler.in(timeoutMs, `timeout ${label} ${from}>${to}`, () => {
        if (done) return
        done = true
        reject(new RequestTimeout(label))
      })
      const settle = (ok: boolean, value: unknown): void => {
        if (done) return
        done = true
        cancel()
        if (ok) resolve(value as Res)
        else reject(value)
      }
      this.send(from, to, label, () => {
        let answer: Promise<Res>
        try {
          answer = Promise.resolve(handle())
        } catch (err) {
          answer = Promise.reject(err)
        }
        answer.then(
          (value) => { this.send(to, from, `${label} response`, () => settle(true, value)) },
          (err: unknown) => { this.send(to, from, `${label} error`, () => settle(false, err)) },
        )
      })
    })
  }
}
