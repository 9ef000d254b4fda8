// One prefix watch on etcd, with the store interface's guarantees: each transaction's events arrive
// as one batch, in revision order, none missed and none repeated. etcd sends the events of one
// revision in one response (we never ask for fragments) but may put several revisions in one, so
// responses are split by mod revision. A lost stream (member down, "no leader" under `hasleader`)
// reconnects by itself from the revision after the last delivered one; only a start revision that
// etcd compacted away ends the watch (onError with CompactedError: the reader must re-read).
import type { IEvent, IKeyValue, IWatchResponse } from 'etcd3'
import { CompactedError } from './metadata-store.ts'
import type { KeyValue, Watch, WatchBatch, WatchEvent, WatchOptions } from './metadata-store.ts'
import type { EtcdClient } from './etcd-client.ts'

type Stream = Awaited<ReturnType<EtcdClient['etcd']['watchClient']['watch']>>

const BACKOFF_MIN_MS = 100
const BACKOFF_MAX_MS = 2000

export interface WatchTarget {
  readonly key: Buffer
  readonly rangeEnd: Buffer
  /** The store key of an etcd key (its prefix removed). */
  readonly unprefix: (key: Buffer) => string
  /** Revision to start from when the caller gave none: the next one (learned by a read). */
  readonly currentRevision: () => Promise<number>
}

export class EtcdWatch implements Watch {
  private stream: Stream | undefined
  private cancelled = false
  private backoff = BACKOFF_MIN_MS
  private timer: NodeJS.Timeout | undefined
  /** The next revision to deliver. */
  private next = 0

  constructor(
    private readonly client: EtcdClient,
    private readonly target: WatchTarget,
    private readonly onBatch: (batch: WatchBatch) => void,
    private readonly opts: WatchOptions,
    private readonly onTrouble: (err: unknown) => void,
  ) {
    void this.begin()
  }

  private async begin(): Promise<void> {
    try {
      this.next = this.opts.fromRevision ?? (await this.target.currentRevision()) + 1
    } catch (err) {
      this.onTrouble(err)
      this.retryLater(() => this.begin())
      return
    }
    void this.connect()
  }

  private async connect(): Promise<void> {
    if (this.cancelled) return
    let stream: Stream
    try {
      stream = await this.client.etcd.watchClient.watch()
    } catch (err) {
      this.onTrouble(err)
      this.retryLater(() => this.connect())
      return
    }
    if (this.cancelled) {
      stream.cancel()
      return
    }
    this.stream = stream
    let lost = false
    const lose = (err: unknown): void => {
      if (lost) return
      lost = true
      if (this.stream === stream) this.stream = undefined
      stream.cancel()
      if (this.cancelled) return
      this.onTrouble(err)
      this.retryLater(() => this.connect())
    }
    stream.on('data', (res: IWatchResponse) => {
      if (lost || this.cancelled) return
      if (res.canceled) {
        const compacted = Number(res.compact_revision)
        if (compacted > 0) {
          lost = true
          this.cancel()
          this.opts.onError?.(new CompactedError(this.next, compacted))
          return
        }
        lose(new Error(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`))
        return
      }
      if (res.created) {
        this.backoff = BACKOFF_MIN_MS
        return
      }
      this.deliver(res.events)
    })
    stream.on('error', (err: Error) => lose(err))
    stream.on('end', () => lose(new Error('etcd closed the watch stream')))
    stream.write({
      create_request: { key: this.target.key, range_end: this.target.rangeEnd, start_revision: this.next, prev_kv: true },
    })
  }

  private deliver(events: readonly IEvent[]): void {
    let batch: { revision: number, events: WatchEvent[] } | undefined
    const flush = (): void => {
      if (!batch || batch.revision < this.next) return
      this.next = batch.revision + 1
      try {
        this.onBatch(batch)
      } catch (err) {
        this.onTrouble(err)
      }
    }
    for (const e of events) {
      const revision = Number(e.kv.mod_revision)
      if (batch?.revision !== revision) {
        flush()
        batch = { revision, events: [] }
      }
      const kv = this.toKv(e.kv)
      const prev = e.prev_kv ? this.toKv(e.prev_kv) : undefined
      batch.events.push(e.type === 'Delete'
        ? { type: 'delete', kv: { ...kv, value: '', createRevision: 0, version: 0, lease: 0 }, ...(prev ? { prev } : {}) }
        : { type: 'put', kv, ...(prev ? { prev } : {}) })
    }
    flush()
  }

  private toKv(kv: IKeyValue): KeyValue {
    return toKeyValue(kv, this.target.unprefix(kv.key))
  }

  private retryLater(fn: () => Promise<void>): void {
    if (this.cancelled) return
    const delay = this.backoff
    this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2)
    this.timer = setTimeout(() => { void fn() }, delay)
  }

  cancel(): void {
    this.cancelled = true
    if (this.timer) clearTimeout(this.timer)
    this.stream?.cancel()
    this.stream = undefined
  }
}

export function toKeyValue(kv: IKeyValue, key: string): KeyValue {
  return {
    key,
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: Number(kv.lease),
  }
}
