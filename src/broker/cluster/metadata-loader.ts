// The metadata loader turns the metadata store into a sequence of images: one range read at
// start-up, then a watch from the next revision; every transaction becomes a MetadataDelta that is
// handed to the publishers (the replica manager first) one at a time, in revision order, and only
// then becomes the current image. `waitFor(revision)` lets a writer (the controller) wait until
// its change has been applied here — and learn if applying it failed.
import type { Logger } from 'pino'
import { MetadataDelta } from './metadata-delta.ts'
import { MetadataImage } from './metadata-image.ts'
import type { MetadataView, TopicImage } from './metadata-image.ts'
import type { MetadataStore, Watch, WatchBatch } from './store/metadata-store.ts'
import { realTimers } from '../timers.ts'
import type { Timers } from '../timers.ts'

/** Acts on a delta before its image becomes current; a throw is reported to `waitFor` callers. */
export type MetadataPublisher = (delta: MetadataDelta) => Promise<void> | void

/** Everything the broker keeps in the store lives under this prefix. */
const ROOT = '/'
const MAX_FAILURES = 1000
const RESYNC_RETRY_MS = 1000

export class MetadataLoader implements MetadataView {
  private current = MetadataImage.EMPTY
  private readonly publishers: MetadataPublisher[] = []
  private watch: Watch | undefined
  private queue: Promise<void> = Promise.resolve()
  /** Watch batches not yet published. */
  private pending: WatchBatch[] = []
  private waiters: { revision: number, resolve: () => void, reject: (err: unknown) => void }[] = []
  /** Revisions whose publication failed, with the error (kept until a waiter asks). */
  private readonly failures = new Map<number, unknown>()
  private closed = false

  constructor(private readonly store: MetadataStore, private readonly log: Logger, private readonly timers: Timers = realTimers) {}

  get image(): MetadataImage {
    return this.current
  }

  get clusterId(): string {
    return this.current.clusterId
  }

  topic(name: string): TopicImage | undefined {
    return this.current.topic(name)
  }

  topicById(id: string): TopicImage | undefined {
    return this.current.topicById(id)
  }

  topics(): IterableIterator<TopicImage> {
    return this.current.topics()
  }

  get topicCount(): number {
    return this.current.topicCount
  }

  /** Adds a publisher; it sees every delta published after this call. */
  subscribe(publisher: MetadataPublisher): void {
    this.publishers.push(publisher)
  }

  /** Reads the whole store: the first delta (from the empty image), not yet published. */
  async load(): Promise<MetadataDelta> {
    const r = await this.store.range(ROOT)
    return MetadataDelta.fromRange(this.current, r.revision, r.kvs)
  }

  /** Publishes the loaded delta, then follows the store's changes. */
  async start(initial: MetadataDelta): Promise<void> {
    await this.enqueue(initial)
    this.follow(initial.revision + 1)
  }

  private follow(fromRevision: number): void {
    if (this.closed) return
    this.watch = this.store.watch(ROOT, (batch) => { void this.onBatch(batch) }, {
      fromRevision,
      onError: (err) => {
        if (this.closed) return
        // Fell behind a compaction (or lost the stream): catch up with a full read.
        this.log.warn({ err }, 'metadata watch failed: reloading the metadata image')
        this.watch = undefined
        void this.resync()
      },
    })
  }

  private async resync(): Promise<void> {
    try {
      await this.queue
      const r = await this.store.range(ROOT)
      await this.enqueue(MetadataDelta.fromRange(this.current, r.revision, r.kvs))
      this.follow(r.revision + 1)
    } catch (err) {
      if (this.closed) return
      // The store is unavailable (etcd without quorum): keep trying; the image stays as it was.
      this.log.error({ err }, 'metadata reload failed; retrying')
      this.timers.after(RESYNC_RETRY_MS, () => { void this.resync() }, true)
    }
  }

  private onBatch(batch: WatchBatch): Promise<void> {
    this.pending.push(batch)
    if (this.pending.length > 1) return this.queue
    return this.enqueue('pending')
  }

  /**
   * Publications run one at a time; a delta is built against the image current when its turn
   * comes, from every transaction that arrived meanwhile (one delta for a burst of writes).
   */
  private enqueue(what: MetadataDelta | 'pending'): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.closed) return
      if (what instanceof MetadataDelta) return this.publish(what)
      const batches = this.pending.filter((b) => b.revision > this.current.revision)
      this.pending = []
      if (batches.length === 0) return
      let merged: MetadataDelta | undefined
      try {
        merged = MetadataDelta.fromEvents(this.current, batches[batches.length - 1]!.revision, batches.flatMap((b) => b.events))
      } catch {
        // A malformed record somewhere: apply the transactions one by one, skipping the bad one.
      }
      if (merged) return this.publish(merged)
      for (const b of batches) {
        let delta: MetadataDelta
        try {
          delta = MetadataDelta.fromEvents(this.current, b.revision, b.events)
        } catch (err) {
          this.log.error({ err, revision: b.revision }, 'malformed metadata change ignored')
          this.failures.set(b.revision, err)
          delta = MetadataDelta.fromEvents(this.current, b.revision, [])
        }
        await this.publish(delta)
      }
    }
    this.queue = this.queue.then(run, run)
    return this.queue
  }

  private async publish(delta: MetadataDelta): Promise<void> {
    let failure: unknown
    for (const p of this.publishers) {
      try {
        await p(delta)
      } catch (err) {
        failure ??= err
        this.log.error({ err, revision: delta.revision }, 'applying a metadata change failed')
      }
    }
    const from = this.current.revision
    this.current = delta.image
    // Every transaction merged into the delta shares its outcome.
    if (failure !== undefined) {
      for (let r = Math.max(from + 1, delta.revision - MAX_FAILURES); r <= delta.revision; r++) if (!this.failures.has(r)) this.failures.set(r, failure)
    }
    this.wake()
  }

  private wake(): void {
    const rev = this.current.revision
    const still: typeof this.waiters = []
    for (const w of this.waiters) {
      if (w.revision > rev) {
        still.push(w)
        continue
      }
      const err = this.failures.get(w.revision)
      if (err !== undefined) {
        this.failures.delete(w.revision)
        w.reject(err)
      } else w.resolve()
    }
    this.waiters = still
    // A failure may be published before its writer asks about it: keep the most recent ones.
    for (const r of this.failures.keys()) {
      if (this.failures.size <= MAX_FAILURES) break
      this.failures.delete(r)
    }
  }

  /** Resolves once the image reflects `revision` (rejects if applying that revision failed). */
  waitFor(revision: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('metadata loader is closed'))
    if (revision <= this.current.revision) {
      const err = this.failures.get(revision)
      this.failures.delete(revision)
      return err === undefined ? Promise.resolve() : Promise.reject(err)
    }
    return new Promise((resolve, reject) => this.waiters.push({ revision, resolve, reject }))
  }

  /** Stops following the store; waits for the publication in progress. */
  async close(): Promise<void> {
    this.closed = true
    this.watch?.cancel()
    await this.queue.catch(() => {})
    for (const w of this.waiters) w.reject(new Error('metadata loader is closed'))
    this.waiters = []
  }
}
