// The in-memory metadata store (tests, embedded clusters): etcd's semantics without a process.
// Revisions, compare-and-swap and watches come from KvState; leases really lapse, on an injected
// clock, so lease-based membership can be tested deterministically: a test moves its clock and
// calls `expireLeases()`; with the real clock an unref'd timer does it.
import { KvState } from './kv-state.ts'
import { LeaseNotFoundError, StoreClosedError } from './metadata-store.ts'
import type { MetadataStore, RangeResult, Txn, TxnResult, Watch, WatchBatch, WatchOptions } from './metadata-store.ts'

export interface StoreClock {
  now(): number
}

export interface MemoryStoreOptions {
  /** Default: Date.now with a timer checking leases every `leaseCheckMs`. */
  readonly clock?: StoreClock
  /** Real-clock lease checks (default 250 ms); ignored with an injected clock. */
  readonly leaseCheckMs?: number
}

interface Lease {
  readonly ttlMs: number
  expiresAt: number
}

export class MemoryMetadataStore implements MetadataStore {
  readonly state = new KvState()
  private readonly clock: StoreClock
  private readonly leases = new Map<number, Lease>()
  private nextLease = 1
  private timer: NodeJS.Timeout | undefined
  private closed = false

  constructor(opts: MemoryStoreOptions = {}) {
    this.clock = opts.clock ?? { now: () => Date.now() }
    if (!opts.clock) {
      this.timer = setInterval(() => this.expireLeases(), opts.leaseCheckMs ?? 250)
      this.timer.unref()
    }
  }

  private check(): void {
    if (this.closed) throw new StoreClosedError()
    this.expireLeases()
  }

  range(prefix: string): Promise<RangeResult> {
    try {
      this.check()
      return Promise.resolve(this.state.range(prefix))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  txn(txn: Txn): Promise<TxnResult> {
    try {
      this.check()
      return Promise.resolve(this.state.txn(txn, (id) => { if (!this.leases.has(id)) throw new LeaseNotFoundError(id) }))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  grantLease(ttlMs: number): Promise<number> {
    if (this.closed) return Promise.reject(new StoreClosedError())
    const id = this.nextLease++
    this.leases.set(id, { ttlMs, expiresAt: this.clock.now() + ttlMs })
    return Promise.resolve(id)
  }

  keepAlive(lease: number): Promise<void> {
    try {
      this.check()
      const l = this.leases.get(lease)
      if (!l) throw new LeaseNotFoundError(lease)
      l.expiresAt = this.clock.now() + l.ttlMs
      return Promise.resolve()
    } catch (err) {
      return Promise.reject(err)
    }
  }

  revokeLease(lease: number): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError())
    this.drop(lease)
    return Promise.resolve()
  }

  /** Ends every lease whose TTL has passed (deleting its keys, one revision per lease). */
  expireLeases(): void {
    const now = this.clock.now()
    for (const [id, l] of this.leases) if (l.expiresAt <= now) this.drop(id)
  }

  private drop(lease: number): void {
    if (!this.leases.delete(lease)) return
    const keys: string[] = []
    for (const kv of this.state.all()) if (kv.lease === lease) keys.push(kv.key)
    if (keys.length > 0) this.state.deleteKeys(keys)
  }

  watch(prefix: string, onBatch: (batch: WatchBatch) => void, opts?: WatchOptions): Watch {
    if (this.closed) throw new StoreClosedError()
    return this.state.watch(prefix, onBatch, opts)
  }

  close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    return Promise.resolve()
  }
}
