// One broker's connection to the shared metadata store (the real MemoryMetadataStore, with etcd's
// revisions, compare-and-swap, leases and watches, its leases lapsing on the virtual clock) across
// the simulated network. Calls are RPCs to the store node: a lost request or answer is a timeout,
// so a transaction may have been applied although its caller saw an error (as with etcd). Watch
// batches travel as an ordered, reliable stream: while the link is cut they wait (a stalled
// stream that resumes from its revision), and they are never reordered or duplicated.
import type {
  MetadataStore, RangeResult, Txn, TxnResult, Watch, WatchBatch, WatchOptions,
} from '../../src/broker/cluster/store/metadata-store.ts'
import type { MemoryMetadataStore } from '../../src/broker/cluster/store/memory-store.ts'
import type { SimNetwork } from './network.ts'
import type { SimScheduler } from './scheduler.ts'

/** The store's node id on the simulated network. */
export const STORE_NODE = 0

const STORE_TIMEOUT_MS = 1000
const STREAM_RETRY_MS = 50

export class SimStoreLink implements MetadataStore {
  private readonly watches = new Set<Watch>()
  private closed = false

  constructor(private readonly node: number, private readonly store: MemoryMetadataStore, private readonly network: SimNetwork,
    private readonly scheduler: SimScheduler) {}

  private call<T>(label: string, fn: () => Promise<T>): Promise<T> {
    return this.network.rpc(this.node, STORE_NODE, label, fn, STORE_TIMEOUT_MS)
  }

  range(prefix: string): Promise<RangeResult> {
    return this.call('store.range', () => this.store.range(prefix))
  }

  txn(txn: Txn): Promise<TxnResult> {
    return this.call('store.txn', () => this.store.txn(txn))
  }

  grantLease(ttlMs: number): Promise<number> {
    return this.call('store.grant', () => this.store.grantLease(ttlMs))
  }

  keepAlive(lease: number): Promise<void> {
    return this.call('store.keepalive', () => this.store.keepAlive(lease))
  }

  revokeLease(lease: number): Promise<void> {
    return this.call('store.revoke', () => this.store.revokeLease(lease))
  }

  watch(prefix: string, onBatch: (batch: WatchBatch) => void, opts?: WatchOptions): Watch {
    const queue: WatchBatch[] = []
    let cancelled = false
    let sending = false
    const stalled = (): void => {
      // Link cut (or this broker down): the stream stalls and tries again.
      sending = false
      if (!cancelled) this.scheduler.in(STREAM_RETRY_MS, `store.watch stalled ${this.node}`, pump)
    }
    const pump = (): void => {
      if (sending || cancelled || queue.length === 0) return
      sending = true
      const at = this.network.send(STORE_NODE, this.node, 'store.watch', () => {
        sending = false
        if (cancelled) return
        onBatch(queue.shift()!)
        pump()
      }, true, stalled)
      if (at < 0) stalled()
    }
    const inner = this.store.watch(prefix, (batch) => {
      queue.push(batch)
      pump()
    }, opts)
    const w: Watch = {
      cancel: () => {
        cancelled = true
        inner.cancel()
        this.watches.delete(w)
      },
    }
    this.watches.add(w)
    return w
  }

  /** The broker died or stopped: its watches end (the store itself stays up). */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      for (const w of [...this.watches]) w.cancel()
    }
    return Promise.resolve()
  }
}
