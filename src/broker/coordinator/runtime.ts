// A small CoordinatorRuntime (Kafka's shape): one per coordinator, over the partitions of its
// internal topic (__consumer_offsets, __transaction_state). It hears leadership of those
// partitions: `onElection(partition, epoch)` creates the partition's shard context and replays
// the partition into the coordinator (loading, then active); `onResignation(partition)` drops it
// and has the coordinator unload that partition (parked requests answered NOT_COORDINATOR, its
// timers cancelled, its state forgotten). An election with an epoch not newer than the current
// one is ignored, as is a resignation older than it.
//
// Every coordinator write goes through `write(partition, batch)`: appended through the partition
// only while this shard is active in the partition's current leader epoch (else
// NOT_LEADER_OR_FOLLOWER, which the coordinators answer as NOT_COORDINATOR), and resolved only
// once the high watermark covers it, so callers apply records by replay and answer only what is
// committed. A resignation fails the writes still waiting.
export type ShardStatus = 'loading' | 'active'

/** What the coordinator does when the runtime elects or resigns one of its partitions. */
export interface CoordinatorShardHooks {
  /** Elected: the partition's requests answer COORDINATOR_LOAD_IN_PROGRESS from now on. */
  beginLoad(partition: number, epoch: number): void
  /** Replays the partition into the coordinator; resolves with the number of records applied. */
  load(partition: number, epoch: number): Promise<number>
  /** Replay done: the partition's requests are served. */
  completeLoad(partition: number, epoch: number): void
  /** Resigned: parked requests answered NOT_COORDINATOR, timers cancelled, state dropped. */
  unload(partition: number): void
}

/** The internal topic's partitions as the runtime writes them. */
export interface CoordinatorPartitionWriter {
  /** The partition's leader epoch here, or undefined when this broker does not lead it. */
  leaderEpoch(partition: number): number | undefined
  /** Appends a batch as coordinator; resolves with the offset after it. */
  append(partition: number, batch: Buffer): Promise<number>
  highWatermark(partition: number): number
}

/** Where leadership of internal-topic partitions is announced (the metadata image's listener plugs in here). */
export interface CoordinatorLeadershipListener {
  onElection(topic: string, partition: number, epoch: number): void
  /** `epoch` undefined: resign whatever epoch (shutdown, topic deleted). */
  onResignation(topic: string, partition: number, epoch?: number): void
}

interface ShardContext {
  readonly epoch: number
  status: ShardStatus
  readonly loaded: Promise<void>
  /** Writes waiting for the high watermark: offset to reach and how to settle. */
  readonly waiting: Set<{ end: number, resolve: () => void, reject: (err: Error) => void }>
}

export interface CoordinatorRuntimeOptions {
  /** The internal topic, for messages. */
  readonly topic: string
  readonly hooks: CoordinatorShardHooks
  readonly writer: CoordinatorPartitionWriter
  readonly onError?: (err: unknown, what: string) => void
  readonly onLoaded?: (partition: number, records: number, ms: number) => void
}

export function notCoordinatorError(message: string): Error {
  return Object.assign(new Error(message), { code: 'NOT_LEADER_OR_FOLLOWER' })
}

export class CoordinatorRuntime {
  private readonly shards = new Map<number, ShardContext>()
  private closed = false

  constructor(private readonly opts: CoordinatorRuntimeOptions) {}

  get topic(): string {
    return this.opts.topic
  }

  status(partition: number): ShardStatus | undefined {
    return this.shards.get(partition)?.status
  }

  /** The epoch this shard was elected in (markers carry it as the coordinator epoch). */
  epochOf(partition: number): number | undefined {
    return this.shards.get(partition)?.epoch
  }

  partitions(): number[] {
    return [...this.shards.keys()]
  }

  /** Resolves once `partition` is loaded (at once when it is not elected). */
  whenLoaded(partition: number): Promise<void> {
    return this.shards.get(partition)?.loaded ?? Promise.resolve()
  }

  /** Resolves once every elected partition is loaded. */
  whenAllLoaded(): Promise<void> {
    return Promise.all([...this.shards.values()].map((s) => s.loaded)).then(() => {})
  }

  onElection(partition: number, epoch: number): void {
    if (this.closed) return
    const current = this.shards.get(partition)
    if (current && current.epoch >= epoch) return
    if (current) this.onResignation(partition)
    const { hooks } = this.opts
    hooks.beginLoad(partition, epoch)
    const started = Date.now()
    const loaded = Promise.resolve().then(() => hooks.load(partition, epoch)).catch((err: unknown) => {
      this.opts.onError?.(err, `loading ${this.opts.topic}-${partition}; continuing with what was read`)
      return 0
    }).then((records) => {
      if (this.shards.get(partition) !== ctx) return
      ctx.status = 'active'
      hooks.completeLoad(partition, epoch)
      this.opts.onLoaded?.(partition, records, Date.now() - started)
    })
    const ctx: ShardContext = { epoch, status: 'loading', loaded, waiting: new Set() }
    this.shards.set(partition, ctx)
  }

  onResignation(partition: number, epoch?: number): void {
    const ctx = this.shards.get(partition)
    if (!ctx) {
      // Never led here (a partition created while this broker ran, followed from the start): the
      // coordinator still has to mark it led elsewhere, or requests about its keys would be served.
      if (!this.closed) this.opts.hooks.unload(partition)
      return
    }
    if (epoch !== undefined && epoch < ctx.epoch) return
    this.shards.delete(partition)
    for (const w of ctx.waiting) w.reject(notCoordinatorError(`${this.opts.topic}-${partition} resigned`))
    ctx.waiting.clear()
    this.opts.hooks.unload(partition)
  }

  /**
   * Appends `batch` to the partition while this shard leads it in its epoch (waiting for a load
   * in progress), and resolves once the high watermark covers it.
   */
  async write(partition: number, batch: Buffer): Promise<void> {
    let ctx = this.shards.get(partition)
    if (ctx?.status === 'loading') {
      await ctx.loaded
      ctx = this.shards.get(partition)
    }
    if (!ctx || ctx.status !== 'active') throw notCoordinatorError(`${this.opts.topic}-${partition} is not coordinated here`)
    if (this.opts.writer.leaderEpoch(partition) !== ctx.epoch) {
      throw notCoordinatorError(`${this.opts.topic}-${partition} is no longer led in epoch ${ctx.epoch}`)
    }
    const end = await this.opts.writer.append(partition, batch)
    // Only the high watermark of the leadership the append was made in confirms it: if the
    // partition changed hands meanwhile, the offsets below a later high watermark may hold another
    // leader's records (the append is then as good as truncated).
    if (this.shards.get(partition) !== ctx || this.opts.writer.leaderEpoch(partition) !== ctx.epoch) {
      throw notCoordinatorError(`${this.opts.topic}-${partition} changed leadership during the write`)
    }
    if (this.opts.writer.highWatermark(partition) >= end) return
    await new Promise<void>((resolve, reject) => {
      ctx.waiting.add({ end, resolve, reject })
    })
  }

  /** The partition's high watermark moved: writes it now covers are answered. */
  onHighWatermarkUpdated(partition: number): void {
    const ctx = this.shards.get(partition)
    if (!ctx || ctx.waiting.size === 0) return
    const hw = this.opts.writer.highWatermark(partition)
    for (const w of ctx.waiting) {
      if (w.end > hw) continue
      ctx.waiting.delete(w)
      w.resolve()
    }
  }

  /** Shutdown: every shard resigns. */
  close(): void {
    if (this.closed) return
    for (const p of [...this.shards.keys()]) this.onResignation(p)
    this.closed = true
  }
}
