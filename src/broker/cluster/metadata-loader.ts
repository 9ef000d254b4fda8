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

/** Acts on a delta before its image becomes current; a throw is reported to `waitFor` callers. */
export type MetadataPublisher = (delta: MetadataDelta) => Promise<void> | void

/** Everything the broker keeps in the store lives under this prefix. */
const ROOT = '/'
const MAX_FAILURES = 1000

export class MetadataLoader implements MetadataView {
  private current = MetadataImage.EMPTY
  private readonly publishers: MetadataPublisher[] = []
  private watch: Watch | undefined
  private queue: Promise<void> = Promise.resolve()
  private waiters: { revision: number, resolve: () => void, reject: (err: unknown) => void }[] = []
  /** Revisions whose publication failed, with the error (kept until a waiter asks). */
  private readonly failures = new Map<number, unknown>()
  private closed = false

  constructor(private readonly store: MetadataStore, private readonly log: Logger) {}

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
      if (!this.closed) this.log.error({ err }, 'metadata reload failed')
    }
  }

  private onBatch(batch: WatchBatch): Promise<void> {
    return this.enqueue({ batch })
  }

  /** Publications run one at a time; a delta is built against the image current when its turn comes. */
  private enqueue(what: MetadataDelta | { batch: WatchBatch }): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.closed) return
      let delta: MetadataDelta
      try {
        if (what instanceof MetadataDelta) delta = what
        else {
          if (what.batch.revision <= this.current.revision) return
          delta = MetadataDelta.fromEvents(this.current, what.batch.revision, what.batch.events)
        }
      } catch (err) {
        // A malformed record: skip the transaction, keep the revision moving.
        this.log.error({ err }, 'malformed metadata change ignored')
        this.failures.set(what instanceof MetadataDelta ? what.revision : what.batch.revision, err)
        return
      }
      let failure: unknown
      for (const p of this.publishers) {
        try {
          await p(delta)
        } catch (err) {
          failure ??= err
          this.log.error({ err, revision: delta.revision }, 'applying a metadata change failed')
        }
      }
      this.current = delta.image
      if (failure !== undefined) this.failures.set(delta.revision, failure)
      this.wake()
    }
    this.queue = this.queue.then(run, run)
    return this.queue
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
