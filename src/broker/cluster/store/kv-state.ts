// The in-process heart of the file and in-memory metadata stores: keys with etcd's revision
// bookkeeping, atomic compare-and-swap transactions, a bounded history of recent transactions and
// prefix watchers fed from it. Synchronous; the stores wrap it with persistence or leases.
import { CompactedError } from './metadata-store.ts'
import type { Compare, KeyValue, Op, RangeResult, Txn, TxnResult, Watch, WatchBatch, WatchEvent, WatchOptions } from './metadata-store.ts'

interface Watcher {
  readonly prefix: string
  readonly onBatch: (batch: WatchBatch) => void
  readonly queue: WatchBatch[]
  scheduled: boolean
  cancelled: boolean
}

/** Transactions kept for watches that start in the past (older ones are compacted away). */
const DEFAULT_HISTORY = 10_000

export class KvState {
  private readonly data = new Map<string, KeyValue>()
  private readonly history: WatchBatch[] = []
  private readonly watchers = new Set<Watcher>()
  private _revision: number
  /** Oldest revision still in the history (watches from before it fail). */
  private oldest: number
  /** Last revision watchers may see (a persisting store releases revisions once durable). */
  private released: number

  /**
   * `holdWatches`: watchers see a transaction only after `release(revision)` (the file store
   * calls it once the transaction is on disk, so nothing acts on metadata a crash could undo).
   */
  constructor(initial: { revision: number, kvs: readonly KeyValue[] } = { revision: 0, kvs: [] },
    private readonly opts: { holdWatches?: boolean, maxHistory?: number } = {}) {
    for (const kv of initial.kvs) this.data.set(kv.key, kv)
    this._revision = initial.revision
    this.oldest = initial.revision + 1
    this.released = initial.revision
  }

  get revision(): number {
    return this._revision
  }

  get(key: string): KeyValue | undefined {
    return this.data.get(key)
  }

  all(): IterableIterator<KeyValue> {
    return this.data.values()
  }

  range(prefix: string): RangeResult {
    const kvs: KeyValue[] = []
    for (const kv of this.data.values()) if (kv.key.startsWith(prefix)) kvs.push(kv)
    kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return { revision: this._revision, kvs }
  }

  private holds(c: Compare): boolean {
    const kv = this.data.get(c.key)
    switch (c.target) {
      case 'version': return (kv?.version ?? 0) === c.equals
      case 'modRevision': return (kv?.modRevision ?? 0) === c.equals
      case 'createRevision': return (kv?.createRevision ?? 0) === c.equals
      case 'value': return kv !== undefined && kv.value === c.equals
    }
  }

  /** Runs a transaction; `checkLease` throws for a put on an unknown lease (nothing is applied). */
  txn(txn: Txn, checkLease: (lease: number) => void = () => {}): TxnResult {
    const ok = (txn.compare ?? []).every((c) => this.holds(c))
    const ops = ok ? txn.success : (txn.failure ?? [])
    for (const op of ops) if (op.type === 'put' && op.lease) checkLease(op.lease)
    return { succeeded: ok, revision: this.write(ops) }
  }

  /** Deletes keys (a lapsed lease); one revision. */
  deleteKeys(keys: readonly string[]): number {
    return this.write(keys.map((key) => ({ type: 'delete', key })))
  }

  private write(ops: readonly Op[]): number {
    const rev = this._revision + 1
    const events: WatchEvent[] = []
    const del = (key: string): void => {
      const prev = this.data.get(key)
      if (!prev) return
      this.data.delete(key)
      events.push({ type: 'delete', kv: { key, value: '', createRevision: 0, modRevision: rev, version: 0, lease: 0 }, prev })
    }
    for (const op of ops) {
      if (op.type === 'put') {
        const prev = this.data.get(op.key)
        const kv: KeyValue = {
          key: op.key, value: op.value, createRevision: prev?.createRevision ?? rev, modRevision: rev,
          version: (prev?.version ?? 0) + 1, lease: op.lease ?? 0,
        }
        this.data.set(op.key, kv)
        events.push(prev ? { type: 'put', kv, prev } : { type: 'put', kv })
      } else if (op.type === 'delete') {
        del(op.key)
      } else {
        for (const key of [...this.data.keys()]) if (key.startsWith(op.prefix)) del(key)
      }
    }
    if (events.length === 0) return this._revision
    this._revision = rev
    const batch: WatchBatch = { revision: rev, events }
    this.history.push(batch)
    const max = this.opts.maxHistory ?? DEFAULT_HISTORY
    if (this.history.length > max) {
      this.history.splice(0, this.history.length - max)
      this.oldest = this.history[0]!.revision
    }
    if (!this.opts.holdWatches) this.release(rev)
    return rev
  }

  /** Lets watchers see every transaction up to `revision`. */
  release(revision: number): void {
    if (revision <= this.released) return
    const from = this.released
    this.released = revision
    for (const b of this.history) {
      if (b.revision <= from || b.revision > revision) continue
      for (const w of this.watchers) this.offer(w, b)
    }
  }

  watch(prefix: string, onBatch: (batch: WatchBatch) => void, opts: WatchOptions = {}): Watch {
    const w: Watcher = { prefix, onBatch, queue: [], scheduled: false, cancelled: false }
    const from = opts.fromRevision ?? this.released + 1
    if (from < this.oldest && from <= this.released) {
      const err = new CompactedError(from, this.oldest)
      queueMicrotask(() => opts.onError?.(err))
      return { cancel() {} }
    }
    for (const b of this.history) if (b.revision >= from && b.revision <= this.released) this.offer(w, b)
    this.watchers.add(w)
    return {
      cancel: () => {
        w.cancelled = true
        this.watchers.delete(w)
      },
    }
  }

  private offer(w: Watcher, batch: WatchBatch): void {
    const events = batch.events.filter((e) => e.kv.key.startsWith(w.prefix))
    if (events.length === 0) return
    w.queue.push(events.length === batch.events.length ? batch : { revision: batch.revision, events })
    if (w.scheduled) return
    w.scheduled = true
    queueMicrotask(() => {
      w.scheduled = false
      while (w.queue.length > 0 && !w.cancelled) w.onBatch(w.queue.shift()!)
    })
  }
}
