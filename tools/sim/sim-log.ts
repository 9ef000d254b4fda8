// The simulation's partition log: storage's Log contract (log-api.ts) held in memory, so that the
// real Partition, ReplicaManager and fetchers run over it deterministically (a file-backed Log's
// I/O completes in whatever order the thread pool finishes it). What it keeps of the real Log:
// appends and truncations queued in arrival order, each taking a random disk latency on the
// virtual clock, effects visible only when the operation completes; leader appends stamp offsets
// and the leader epoch into the batch headers (storage's stampBatches), replicated ones keep the
// leader's and must start at or past the log end; the leader-epoch cache is storage's own class;
// reads return whole batches below a bound, OFFSET_OUT_OF_RANGE outside [start, end]. What it
// leaves out: validation, segments, indexes, timestamps, producer state (the workload has no
// producer ids). Durability: with `lossy`, data since the last flush (every `flushMs`) is what a
// kill loses; otherwise every completed append is durable. A restart opens a new SimLog from
// the durable part; the dead incarnation's queued operations never complete.
import { baseOffset as batchBase, baseTimestamp, batchSize, lastOffsetDelta, partitionLeaderEpoch } from '../../src/protocol/records/batch-header.ts'
import { stampBatches } from '../../src/storage/append-stamp.ts'
import { LeaderEpochCache } from '../../src/storage/leader-epoch-cache.ts'
import type { EpochEntry } from '../../src/storage/leader-epoch-cache.ts'
import { DEFAULT_LOG_CONFIG, ProducerStateManager, StorageError } from '../../src/storage/index.ts'
import type { AppendOptions, AppendResult, LogConfig, ReadOptions, ReadResult } from '../../src/storage/index.ts'
import type { ReplicaLog } from '../../src/broker/replica/partition.ts'
import type { ReplicaLogs } from '../../src/broker/replica/replica-manager.ts'
import type { Prng } from './prng.ts'
import type { SimScheduler } from './scheduler.ts'

/** One batch in the log: the workload puts one record per batch, its id in the base timestamp. */
export interface SimBatch {
  readonly base: number
  readonly last: number
  readonly epoch: number
  readonly id: number
  readonly buf: Buffer
}

/** The epoch cache kept in memory (persisting is the durable-state snapshot at kill time). */
class MemoryEpochCache extends LeaderEpochCache {
  constructor(entries: readonly EpochEntry[]) {
    super('')
    for (const e of entries) this.assign(e.epoch, e.startOffset)
  }

  override persist(): Promise<void> {
    return Promise.resolve()
  }
}

/** What survives a kill. */
interface Durable {
  readonly batches: readonly SimBatch[]
  readonly start: number
  readonly epochs: readonly EpochEntry[]
}

export interface SimLogOptions {
  readonly scheduler: SimScheduler
  readonly random: Prng
  /** Disk latency range (ms) per append or truncation. */
  readonly maxDiskMs: number
  /** A kill loses what was appended since the last flush. */
  readonly lossy: boolean
  /** Injected bug (the checker's own test): truncation does nothing. */
  readonly skipTruncation?: boolean
}

export class SimLog implements ReplicaLog {
  batches: SimBatch[]
  logStartOffset: number
  readonly epochs: LeaderEpochCache
  readonly producerState: ProducerStateManager
  config: LogConfig = DEFAULT_LOG_CONFIG
  private queue: Promise<unknown> = Promise.resolve()
  private flushed: Durable
  dead = false
  /** Bumped by every truncation (the checker rescans). */
  version = 0
  /** Told of every leader append (the checker's one-writer-per-epoch rule). */
  onLeaderAppend: ((epoch: number) => void) | undefined

  constructor(private readonly opts: SimLogOptions, from?: Durable) {
    this.batches = [...(from?.batches ?? [])]
    this.logStartOffset = from?.start ?? 0
    this.epochs = new MemoryEpochCache(from?.epochs ?? [])
    this.flushed = this.snapshot()
    this.producerState = new ProducerStateManager({ dir: '/sim', now: () => opts.scheduler.now(), producerIdExpirationMs: 86_400_000, segmentBaseFor: () => 0 })
  }

  get logEndOffset(): number {
    const last = this.batches[this.batches.length - 1]
    return last ? last.last + 1 : this.logStartOffset
  }

  get size(): number {
    let n = 0
    for (const b of this.batches) n += b.buf.length
    return n
  }

  lastStableOffset(highWatermark: number): number {
    return highWatermark
  }

  /** What a kill keeps: everything (not lossy) or the last flush. */
  durable(): Durable {
    return this.opts.lossy ? this.flushed : this.snapshot()
  }

  /** Periodic flush (lossy mode). */
  flush(): void {
    this.flushed = this.snapshot()
  }

  private snapshot(): Durable {
    return { batches: [...this.batches], start: this.logStartOffset, epochs: this.epochs.all.map((e) => ({ ...e })) }
  }

  /** Runs `fn` after the operations queued before it, one disk latency later. */
  private queued<T>(fn: () => T): Promise<T> {
    const { scheduler, random, maxDiskMs } = this.opts
    const run = (): Promise<T> => new Promise<T>((resolve, reject) => {
      scheduler.in(random.int(0, maxDiskMs + 1), 'disk', () => {
        if (this.dead) return
        try {
          resolve(fn())
        } catch (err) {
          reject(err)
        }
      })
    })
    const p = this.queue.then(run, run)
    this.queue = p.catch(() => {})
    return p
  }

  append(buf: Buffer, opts: AppendOptions = {}): Promise<AppendResult> {
    const replicated = opts.origin === 'replication'
    return this.queued(() => {
      let next = this.logEndOffset
      const added: SimBatch[] = []
      for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
        const base = batchBase(buf, pos)
        if (replicated && base < next) throw new StorageError('INVALID_RECORD', `Replicated batches must have increasing offsets from the log end offset ${next}`)
        next = base + lastOffsetDelta(buf, pos) + 1
      }
      const first = this.logEndOffset
      const end = stampBatches(buf, first, { replicated, leaderEpoch: opts.leaderEpoch, appendTime: -1 }, (pos, base) => {
        const epoch = partitionLeaderEpoch(buf, pos)
        if (replicated) this.epochs.assign(epoch, base)
        const one = Buffer.from(buf.subarray(pos, pos + batchSize(buf, pos)))
        added.push({ base, last: base + lastOffsetDelta(buf, pos), epoch, id: baseTimestamp(buf, pos), buf: one })
      })
      if (!replicated && opts.leaderEpoch !== undefined) this.epochs.assign(opts.leaderEpoch, first)
      if (!replicated) this.onLeaderAppend?.(opts.leaderEpoch ?? -1)
      this.batches.push(...added)
      return { baseOffset: added[0]?.base ?? first, lastOffset: end - 1, logAppendTime: -1, logStartOffset: this.logStartOffset, recordCount: added.length }
    })
  }

  read(offset: number, maxBytes: number, opts: ReadOptions = {}): Promise<ReadResult> {
    try {
      return Promise.resolve(this.readNow(offset, maxBytes, opts))
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** As storage's Log.readNow; everything is in memory here, so it always answers. */
  readNow(offset: number, maxBytes: number, opts: ReadOptions = {}): ReadResult {
    const end = this.logEndOffset
    if (offset < this.logStartOffset || offset > end) {
      throw new StorageError('OFFSET_OUT_OF_RANGE', `Offset ${offset} is out of range [${this.logStartOffset}, ${end}]`)
    }
    const bound = Math.min(opts.maxOffset ?? end, end)
    const out: Buffer[] = []
    let bytes = 0
    for (const b of this.batches) {
      if (b.last < offset) continue
      if (b.last >= bound) break
      if (bytes > 0 && bytes + b.buf.length > maxBytes) break
      if (bytes === 0 && b.buf.length > maxBytes && opts.minOneBatch === false) break
      out.push(b.buf)
      bytes += b.buf.length
    }
    return { batches: out, bytes, logStartOffset: this.logStartOffset, logEndOffset: end }
  }

  /** As storage's Log: the epoch starts at the log end once the operations queued before it are done. */
  startLeaderEpoch(epoch: number): Promise<number> {
    return this.queued(() => {
      const start = this.logEndOffset
      this.epochs.assign(epoch, start)
      return start
    })
  }

  /** Removes the batch holding `offset` and everything after it. */
  truncateTo(offset: number): Promise<void> {
    return this.queued(() => {
      if (this.opts.skipTruncation) return
      // As storage's Log: at or past the end no record goes, but epochs starting there do.
      if (offset >= this.logEndOffset) {
        this.epochs.truncateFromEnd(this.logEndOffset)
        return
      }
      this.version++
      this.batches = this.batches.filter((b) => b.last < offset && b.base < offset)
      if (this.logStartOffset > this.logEndOffset) this.logStartOffset = this.logEndOffset
      this.epochs.truncateFromEnd(this.logEndOffset)
    })
  }

  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.queued(() => {
      this.version++
      this.batches = []
      this.logStartOffset = offset
      this.epochs.truncateFromEnd(-1)
    })
  }

  deleteRecordsBefore(offset: number): Promise<number> {
    if (offset > this.logEndOffset || offset < 0) return Promise.reject(new StorageError('OFFSET_OUT_OF_RANGE', `Offset ${offset} is beyond the log end offset`))
    if (offset > this.logStartOffset) {
      this.version++
      this.logStartOffset = offset
      this.batches = this.batches.filter((b) => b.last >= offset)
      this.epochs.truncateFromStart(offset)
    }
    return Promise.resolve(this.logStartOffset)
  }

  maxTimestamp(): Promise<undefined> {
    return Promise.resolve(undefined)
  }

  offsetForTimestamp(): Promise<undefined> {
    return Promise.resolve(undefined)
  }

  /** The batch holding `offset` (checker). */
  batchAt(offset: number): SimBatch | undefined {
    for (const b of this.batches) if (b.base <= offset && offset <= b.last) return b
    return undefined
  }
}

/** One broker's logs (the ReplicaManager's LogManager); its durable state outlives incarnations. */
export class SimLogs implements ReplicaLogs {
  private readonly logs = new Map<string, SimLog>()

  /** `onLeaderAppend(topic-partition, epoch)`: every leader append of these logs. */
  constructor(private readonly opts: SimLogOptions, private readonly onLeaderAppend?: (tp: string, epoch: number) => void) {}

  private hook(k: string, log: SimLog): SimLog {
    const h = this.onLeaderAppend
    if (h) log.onLeaderAppend = (epoch) => h(k, epoch)
    return log
  }

  private static key(topic: string, partition: number): string {
    return `${topic}-${partition}`
  }

  get(topic: string, partition: number): SimLog | undefined {
    return this.logs.get(SimLogs.key(topic, partition))
  }

  getOrCreate(topic: string, partition: number): Promise<SimLog> {
    const k = SimLogs.key(topic, partition)
    let log = this.logs.get(k)
    if (!log) this.logs.set(k, log = this.hook(k, new SimLog(this.opts)))
    return Promise.resolve(log)
  }

  delete(topic: string, partition: number): Promise<void> {
    const k = SimLogs.key(topic, partition)
    const log = this.logs.get(k)
    if (log) log.dead = true
    this.logs.delete(k)
    return Promise.resolve()
  }

  updateConfig(): void {}

  all(): IterableIterator<[string, SimLog]> {
    return this.logs.entries()
  }

  flush(): void {
    for (const log of this.logs.values()) log.flush()
  }

  /** A kill: the next incarnation's logs hold only what was durable. */
  crashed(): SimLogs {
    const next = new SimLogs(this.opts, this.onLeaderAppend)
    for (const [k, log] of this.logs) {
      log.dead = true
      next.logs.set(k, next.hook(k, new SimLog(this.opts, log.durable())))
    }
    return next
  }
}
