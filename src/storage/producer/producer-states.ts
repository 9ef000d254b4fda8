// The broker's producer state across partitions: hands the LogManager one ProducerStateManager
// per partition directory (`factory`), finds it again for a Log (LSO, aborted transactions,
// DescribeProducers), and runs producer.id.expiration on one timer for all of them. A manager
// leaves the registry when its Log closes or is deleted (deleted topics must not be kept alive).
import type { Scheduler } from '../clock.ts'
import type { Log } from '../log.ts'
import type { ProducerStateHook } from '../producer-state.ts'
import { ProducerStateManager } from './producer-state-manager.ts'

export interface ProducerStatesOptions {
  scheduler: Scheduler
  /** producer.id.expiration.ms (default 1 day); a function is read at every check (dynamic config). */
  producerIdExpirationMs?: number | (() => number)
  /** producer.id.expiration.check.interval.ms (default 10 minutes). */
  checkIntervalMs?: number
}

export class ProducerStates {
  private readonly byDir = new Map<string, ProducerStateManager>()
  private readonly scheduler: Scheduler
  private expirationMs: number | (() => number)
  private stop: (() => void) | undefined

  constructor(opts: ProducerStatesOptions) {
    this.scheduler = opts.scheduler
    this.expirationMs = opts.producerIdExpirationMs ?? 86_400_000
    this.stop = opts.scheduler.every(opts.checkIntervalMs ?? 600_000, () => this.removeExpired())
  }

  /** For LogManagerOptions.producerState. */
  readonly factory = (dir: string): ProducerStateHook => {
    const m: ProducerStateManager = new ProducerStateManager({
      dir,
      now: () => this.scheduler.now(),
      producerIdExpirationMs: this.currentExpirationMs(),
      // A re-created partition may already have replaced this manager under the same directory.
      onRelease: () => {
        if (this.byDir.get(dir) === m) this.byDir.delete(dir)
      },
    })
    this.byDir.set(dir, m)
    return m
  }

  /** Partitions whose producer state is registered (open logs). */
  get size(): number {
    return this.byDir.size
  }

  set producerIdExpirationMs(ms: number) {
    this.expirationMs = ms
    for (const m of this.byDir.values()) m.producerIdExpiration = ms
  }

  private currentExpirationMs(): number {
    return typeof this.expirationMs === 'function' ? this.expirationMs() : this.expirationMs
  }

  removeExpired(): number {
    let n = 0
    const now = this.scheduler.now()
    const ms = this.currentExpirationMs()
    for (const m of this.byDir.values()) {
      m.producerIdExpiration = ms
      n += m.removeExpired(now)
    }
    return n
  }

  close(): void {
    this.stop?.()
    this.stop = undefined
  }
}

/** The producer state of a Log opened with a ProducerStates factory (else undefined). */
export function producerStateOf(log: Log): ProducerStateManager | undefined {
  const hook = log.producerState
  return hook instanceof ProducerStateManager ? hook : undefined
}

/** Last stable offset: the high watermark, or the first offset of the oldest open transaction below it. */
export function lastStableOffsetOf(log: Log, highWatermark: number): number {
  const first = producerStateOf(log)?.firstUnstableOffset
  return first === undefined ? highWatermark : Math.min(first, highWatermark)
}
