// A partition log: ordered segments, the append queue (group commit), reads, truncation, retention
// and the hooks the cleaner uses. Appends to one Log are strictly ordered through `queue`; state
// (segments, offsets) changes only in synchronous sections between awaits.
import { randomBytes } from 'node:crypto'
import { rename } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import {
  RECORD_BATCH_OVERHEAD,
  baseOffset as batchBase,
  batchSize,
  lastOffsetDelta,
  partitionLeaderEpoch,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '../protocol/records/batch-header.ts'
import { validateAppend } from './append-validate.ts'
import type { AppendOrigin, AppendSummary } from './append-validate.ts'
import { systemScheduler } from './clock.ts'
import type { Scheduler } from './clock.ts'
import { compacted, deletes } from './config.ts'
import type { LogConfig } from './config.ts'
import { StorageError } from './errors.ts'
import { DELETE_DIR_SUFFIX, DELETED_SUFFIX, parsePartitionDir } from './file-names.ts'
import { fsyncDir, rmrf } from './fs-util.ts'
import { LeaderEpochCache } from './leader-epoch-cache.ts'
import { loadLog, maxIndexEntries } from './log-loader.ts'
import { silentLogger } from './logger.ts'
import type { StorageLogger } from './logger.ts'
import { Mutex } from './mutex.ts'
import { ProducerStateManager } from './producer/producer-state-manager.ts'
import type { DuplicateAppend } from './producer/producer-state-manager.ts'
import { scanSegment } from './scan.ts'
import { Segment } from './segment.ts'
import { LogTailCache } from './tail-cache.ts'
import type { TailCacheBudget } from './tail-cache.ts'

export interface LogOptions {
  /** Partition directory, `<log.dir>/<topic>-<partition>`. */
  dir: string
  config: LogConfig
  scheduler?: Scheduler
  logger?: StorageLogger
  /** From the recovery-point checkpoint; 0 (default) re-validates the whole log. */
  recoveryPoint?: number
  /** From the log-start-offset checkpoint. */
  logStartOffset?: number
  /** True when the log directory was shut down cleanly (skip recovery). */
  cleanShutdown?: boolean
  /** Shared budget of the in-memory tail cache; without one nothing is cached. */
  tailCache?: TailCacheBudget
  /** producer.id.expiration.ms for the log's producer state (default 1 day). */
  producerIdExpirationMs?: number
  /** Called when the log start offset moves (the LogManager checkpoints it). */
  onLogStartOffset?: (log: Log) => void
}

export interface AppendOptions {
  /** Stamped into every batch and recorded in the leader epoch cache. */
  leaderEpoch?: number
  /**
   * 'client' (default): offsets assigned here, control batches refused, CreateTime bounds checked.
   * 'coordinator': like client but control batches allowed. 'replication': batches keep their
   * offsets (must be >= log end offset) and may have offset gaps (compacted leader data).
   */
  origin?: AppendOrigin
}

export interface AppendResult {
  baseOffset: number
  lastOffset: number
  /** Broker time stamped into the batches for LogAppendTime topics, else -1. */
  logAppendTime: number
  logStartOffset: number
  recordCount: number
}

export interface ReadOptions {
  /** Exclusive upper bound (high watermark or last stable offset); default the log end offset. */
  maxOffset?: number
  /**
   * Return the first batch even when it is larger than maxBytes (default true). Kafka does so only
   * for the first partition of a fetch response; pass false for the others.
   */
  minOneBatch?: boolean
  /**
   * Where file reads go: returns a buffer of at least `size` bytes that the caller owns until it
   * is done with the result (a pool that takes it back after the response is sent). Default: a
   * fresh allocation per read. Results served from the tail cache do not use it.
   */
  allocate?: (size: number) => Buffer
}

export interface ReadResult {
  /** Whole record batches in offset order; each Buffer holds one or more consecutive batches. */
  batches: Buffer[]
  bytes: number
  logStartOffset: number
  logEndOffset: number
}

export interface TimestampOffset {
  offset: number
  timestamp: number
}

type QueueItem =
  | {
      kind: 'append'
      buf: Buffer
      summary: AppendSummary
      opts: AppendOptions
      resolve: (r: AppendResult) => void
      reject: (e: unknown) => void
    }
  | { kind: 'task'; fn: () => Promise<unknown>; resolve: (r: unknown) => void; reject: (e: unknown) => void }

const EMPTY: Buffer[] = []
const MAX_REL = 0x7fffffff
const WRITEV_MAX = 512
const WRITEV_BYTES = 1024 * 1024

export class Log {
  readonly dir: string
  readonly topic: string
  readonly partition: number
  config: LogConfig
  /** Sorted by base offset; the last one is active (receives appends). */
  segments: Segment[]
  private startOffset: number
  private endOffset: number
  private recoveryOffset: number
  private unflushedRecords = 0
  private lastFlushAt: number
  private queue: QueueItem[] = []
  private draining = false
  private closed = false
  private failure: StorageError | undefined
  readonly scheduler: Scheduler
  readonly logger: StorageLogger
  readonly tail: LogTailCache
  readonly epochs: LeaderEpochCache
  /** Serialises retention, cleaning, deleteRecords and truncation. */
  readonly maintenance = new Mutex()
  /** Idempotent/transactional producer state: sequences, open transactions, aborted-txn index. */
  readonly producerState: ProducerStateManager
  private readonly onStartOffset: ((log: Log) => void) | undefined

  private constructor(
    opts: LogOptions,
    segments: Segment[],
    start: number,
    recovery: number,
    epochs: LeaderEpochCache,
  ) {
    this.dir = opts.dir
    const parsed = parsePartitionDir(basename(opts.dir))
    this.topic = parsed?.topic ?? basename(opts.dir)
    this.partition = parsed?.partition ?? 0
    this.config = opts.config
    this.scheduler = opts.scheduler ?? systemScheduler
    this.logger = opts.logger ?? silentLogger
    this.segments = segments
    this.startOffset = start
    this.endOffset = segments[segments.length - 1]!.nextOffset
    this.recoveryOffset = recovery
    this.lastFlushAt = this.scheduler.now()
    this.tail = new LogTailCache(opts.tailCache)
    this.epochs = epochs
    this.producerState = new ProducerStateManager({
      dir: opts.dir,
      now: () => this.scheduler.now(),
      producerIdExpirationMs: opts.producerIdExpirationMs ?? 86_400_000,
      segmentBaseFor: (offset) => this.segments[this.segmentIndexFor(offset)]!.baseOffset,
    })
    this.onStartOffset = opts.onLogStartOffset
  }

  /** Opens (creating if needed) and recovers the partition directory. */
  static async open(opts: LogOptions): Promise<Log> {
    const logger = opts.logger ?? silentLogger
    const now = (opts.scheduler ?? systemScheduler).now()
    const loaded = await loadLog(opts.dir, {
      config: opts.config,
      now,
      logger,
      recoveryPoint: opts.recoveryPoint ?? 0,
      logStartOffset: opts.logStartOffset ?? 0,
      cleanShutdown: opts.cleanShutdown ?? false,
    })
    try {
      const epochs = await LeaderEpochCache.load(opts.dir, logger)
      const leo = loaded.segments[loaded.segments.length - 1]!.nextOffset
      let epochsChanged = epochs.truncateFromEnd(leo)
      epochsChanged = epochs.truncateFromStart(loaded.logStartOffset) || epochsChanged
      if (epochsChanged) await epochs.persist()
      const log = new Log(opts, loaded.segments, loaded.logStartOffset, loaded.recoveryPoint, epochs)
      await log.producerState.load({
        logStartOffset: log.logStartOffset,
        logEndOffset: log.logEndOffset,
        segmentBases: log.segments.map((s) => s.baseOffset),
        read: async (offset, maxBytes) => (await log.read(offset, maxBytes)).batches,
      })
      return log
    } catch (e) {
      for (const s of loaded.segments) await s.close()
      throw e
    }
  }

  get logStartOffset(): number {
    return this.startOffset
  }
  get logEndOffset(): number {
    return this.endOffset
  }
  /** Everything below this offset has been fsynced. */
  get recoveryPoint(): number {
    return this.recoveryOffset
  }
  get activeSegment(): Segment {
    return this.segments[this.segments.length - 1]!
  }
  /** Total bytes of all segments. */
  get size(): number {
    let n = 0
    for (const s of this.segments) n += s.size
    return n
  }
  get isClosed(): boolean {
    return this.closed
  }
  get unflushed(): number {
    return this.unflushedRecords
  }

  /** Last stable offset: `highWatermark`, or the first offset of the oldest open transaction below it. */
  lastStableOffset(highWatermark: number): number {
    const first = this.producerState.firstUnstableOffset
    return first === undefined ? highWatermark : Math.min(first, highWatermark)
  }

  updateConfig(config: LogConfig): void {
    this.config = config
  }

  // ---------------------------------------------------------------- append

  /**
   * Appends one or more RecordBatch v2 (magic 2) batches given as bytes. Validation errors reject
   * before anything is queued. Offsets (and LogAppendTime, leader epoch) are written into `batches`
   * in place: the Log owns the buffer until the append settles (the caller must not modify it
   * meanwhile; the tail cache keeps only copies). Resolves once written (and fsynced when
   * flush.messages says so).
   */
  append(batches: Buffer, opts: AppendOptions = {}): Promise<AppendResult> {
    let summary: AppendSummary
    try {
      this.checkOpen()
      const origin = opts.origin ?? 'client'
      const assignOffsets = origin !== 'replication'
      summary = validateAppend(batches, this.config, this.scheduler.now(), { origin, assignOffsets })
    } catch (e) {
      return Promise.reject(e)
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ kind: 'append', buf: batches, summary, opts, resolve, reject })
      if (!this.draining) this.scheduleDrain()
    })
  }

  /** Runs `fn` inside the append queue: nothing is appended while it runs. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ kind: 'task', fn, resolve: resolve as (r: unknown) => void, reject })
      if (!this.draining) void this.drain()
    })
  }

  private drainScheduled = false

  /**
   * Appends start writing at the end of the event loop's current I/O phase, not at once: every
   * append that arrived in the same phase (the produce requests of all socket reads done in it)
   * then goes into one writev, and their answers into one socket write per connection. Writing
   * each 64 KiB request on its own cost the bench ~15% more broker CPU per MB (1 KiB records).
   */
  private scheduleDrain(): void {
    if (this.drainScheduled) return
    this.drainScheduled = true
    setImmediate(() => {
      this.drainScheduled = false
      if (!this.draining) void this.drain()
    })
  }

  private async drain(): Promise<void> {
    this.draining = true
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!
        if (head.kind === 'task') {
          this.queue.shift()
          try {
            head.resolve(await head.fn())
          } catch (e) {
            head.reject(e)
          }
          continue
        }
        let n = 0
        while (n < this.queue.length && this.queue[n]!.kind === 'append') n++
        const group = this.queue.splice(0, n) as Extract<QueueItem, { kind: 'append' }>[]
        if (this.failure) {
          for (const item of group) item.reject(this.failure)
          continue
        }
        try {
          await this.writeGroup(group)
        } catch (e) {
          // An I/O failure leaves the file state uncertain: stop taking writes (Kafka takes the
          // log dir offline). Data already acknowledged stays readable.
          const msg = `Write to ${this.dir} failed: ${(e as Error).message}`
          this.failure = new StorageError('KAFKA_STORAGE_ERROR', msg, { cause: e })
          this.logger.error({ dir: this.dir, err: e }, 'log write failed; the log no longer accepts appends')
          for (const item of group) item.reject(this.failure)
        }
      }
    } finally {
      this.draining = false
    }
  }

  /** Writes a group of queued appends: one writev per segment touched, one fsync at the end if due. */
  private async writeGroup(group: Extract<QueueItem, { kind: 'append' }>[]): Promise<void> {
    const now = this.scheduler.now()
    const appendTime = this.config.messageTimestampType === 'LogAppendTime' ? now : -1
    const results: (AppendResult | Error)[] = []
    let pending: Buffer[] = []
    let pendingBytes = 0
    let records = 0
    const flushPending = async () => {
      if (pending.length === 0) return
      await this.writeToActive(pending, pendingBytes)
      pending = []
      pendingBytes = 0
    }
    let next = this.endOffset
    for (const item of group) {
      const { buf, summary, opts } = item
      const replicated = opts.origin === 'replication'
      if (replicated && !increasingFrom(buf, next)) {
        const msg = `Replicated batches must have increasing offsets from the log end offset ${next}`
        results.push(new StorageError('INVALID_RECORD', msg))
        continue
      }
      const problem = this.producerState.check(buf, opts.origin ?? 'client')
      if (problem instanceof StorageError) {
        results.push(problem)
        continue
      }
      if (problem) {
        results.push(duplicateResult(problem))
        continue
      }
      const first = replicated ? summary.firstBaseOffset : next
      const lastOffsetOfItem = replicated ? lastOffsetIn(buf) : next + summary.offsets - 1
      if (!Number.isSafeInteger(lastOffsetOfItem)) {
        results.push(new StorageError('INVALID_RECORD', 'Offsets exceed 2^53'))
        continue
      }
      const active = this.activeSegment
      const activeSize = active.size + pendingBytes
      if (
        activeSize > 0 &&
        (activeSize + buf.length > this.config.segmentBytes ||
          now - active.createdAt >= this.config.segmentMs ||
          active.index.isFull ||
          lastOffsetOfItem - active.baseOffset > MAX_REL)
      ) {
        await flushPending()
        await this.rollInternal(first)
      }
      // Stamp offsets, epoch and append time in place (replicated batches keep the leader's).
      let pos = 0
      let off = first
      let epochsChanged = false
      while (pos < buf.length) {
        if (!replicated) {
          setBaseOffset(buf, pos, off)
          if (opts.leaderEpoch !== undefined) setPartitionLeaderEpoch(buf, pos, opts.leaderEpoch)
          if (appendTime >= 0) setLogAppendTime(buf, pos, appendTime)
        } else {
          off = batchBase(buf, pos)
          epochsChanged = this.epochs.assign(partitionLeaderEpoch(buf, pos), off) || epochsChanged
        }
        this.producerState.onAppend(buf, pos)
        off += lastOffsetDelta(buf, pos) + 1
        pos += batchSize(buf, pos)
      }
      if (!replicated && opts.leaderEpoch !== undefined) epochsChanged = this.epochs.assign(opts.leaderEpoch, first)
      if (epochsChanged) {
        await flushPending()
        await this.epochs.persist()
      }
      pending.push(buf)
      pendingBytes += buf.length
      records += summary.records
      next = off
      results.push({
        baseOffset: first,
        lastOffset: off - 1,
        logAppendTime: appendTime,
        logStartOffset: 0,
        recordCount: summary.records,
      })
    }
    await flushPending()
    this.unflushedRecords += records
    if (this.unflushedRecords >= this.config.flushMessages) await this.flushActive()
    for (let i = 0; i < group.length; i++) {
      const r = results[i]!
      if (r instanceof Error) group[i]!.reject(r)
      else {
        r.logStartOffset = this.startOffset
        group[i]!.resolve(r)
      }
    }
  }

  /** Writes whole batches at the end of the active segment, then publishes them to readers. */
  private async writeToActive(bufs: Buffer[], bytes: number): Promise<void> {
    const seg = this.activeSegment
    const position = seg.size
    let written = 0
    // One writev per ~1 MiB: a group of large batches written in one multi-MiB call measured
    // markedly slower here than the same bytes in 1 MiB calls (one fsync still covers the group).
    for (let i = 0; i < bufs.length; ) {
      let j = i
      let partBytes = 0
      while (j < bufs.length && j - i < WRITEV_MAX && (j === i || partBytes + bufs[j]!.length <= WRITEV_BYTES)) {
        partBytes += bufs[j++]!.length
      }
      const part = i === 0 && j === bufs.length ? bufs : bufs.slice(i, j)
      // Parts of up to WRITEV_BYTES are written on the event loop (see Segment.writeSync); a single
      // larger batch goes through the thread pool so the loop is never blocked for long.
      let done = partBytes <= WRITEV_BYTES
        ? seg.writeSync(part, position + written)
        : (await seg.fh.writev(part, position + written)).bytesWritten
      while (done < partBytes) {
        // Short write (rare on regular files): finish it in one piece.
        const rest = Buffer.concat(part).subarray(done)
        done += (await seg.fh.write(rest, 0, rest.length, position + written + done)).bytesWritten
      }
      written += partBytes
      i = j
    }
    // Publish: indexes, size, log end offset, tail cache (synchronously, together).
    let pos = position
    for (const b of bufs) {
      seg.onBatches(b, pos, this.config.indexIntervalBytes)
      const first = batchBase(b, 0)
      this.tail.add(b, first, lastOffsetIn(b))
      pos += b.length
    }
    seg.size = position + bytes
    this.endOffset = seg.nextOffset
  }

  /**
   * fsyncs of segments rolled away from, chained in roll order; never rejects (a failure takes
   * the log offline). Appends do not wait for them — as in Kafka, whose roll schedules the old
   * segment's flush: fsyncing up to a second of writes (hundreds of MB at full speed) inside the
   * append queue stalled every producer of the partition for as long (and so did the directory
   * fsync for the new file, queued behind that writeback). The recovery point moves past a
   * rolled segment only when the directory, its data and its index files are durable; flushes
   * and close wait for these first.
   */
  private rolledFlushes: Promise<void> = Promise.resolve()

  private async rollInternal(newBase: number): Promise<void> {
    const old = this.activeSegment
    const seg = await Segment.create(this.dir, newBase, this.scheduler.now(), maxIndexEntries(this.config))
    this.segments.push(seg)
    seg.nextOffset = newBase
    this.unflushedRecords = 0
    const upTo = old.nextOffset
    old.acquire()
    this.rolledFlushes = this.rolledFlushes.then(async () => {
      try {
        if (this.failure) return
        await fsyncDir(this.dir)
        await old.flush()
        await old.persistIndexes()
        // Everything below upTo is in this segment or older ones (flushed before it, in order).
        this.recoveryOffset = Math.max(this.recoveryOffset, Math.min(upTo, this.endOffset))
      } catch (e) {
        this.failure ??= new StorageError('KAFKA_STORAGE_ERROR', `Flush of ${this.dir} failed: ${(e as Error).message}`, { cause: e })
        this.logger.error({ dir: this.dir, err: e }, 'flush of a rolled segment failed; the log no longer accepts appends')
      } finally {
        old.release()
      }
    })
    await this.producerState.onRoll(newBase)
    this.logger.info({ dir: this.dir, base: newBase }, 'rolled segment')
  }

  /** Starts a new segment at the log end offset (if the active one is not empty). */
  roll(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.activeSegment.isEmpty) await this.rollInternal(this.endOffset)
    })
  }

  private async flushActive(): Promise<void> {
    await this.rolledFlushes
    const leo = this.endOffset
    const seg = this.activeSegment
    await seg.flush()
    this.unflushedRecords = 0
    this.lastFlushAt = this.scheduler.now()
    if (leo > this.recoveryOffset) this.recoveryOffset = leo
  }

  /** fsyncs what has been written so far (runs beside appends; moves the recovery point). */
  async flush(): Promise<void> {
    if (this.closed) return
    await this.rolledFlushes
    if (this.closed) return
    const leo = this.endOffset
    const records = this.unflushedRecords
    const seg = this.activeSegment
    seg.acquire()
    try {
      await seg.flush()
    } finally {
      seg.release()
    }
    this.unflushedRecords = Math.max(0, this.unflushedRecords - records)
    this.lastFlushAt = this.scheduler.now()
    if (leo > this.recoveryOffset) this.recoveryOffset = leo
  }

  /** Flushes when flush.ms has passed since the last flush and something is unflushed. */
  async maybeFlush(now: number): Promise<void> {
    if (this.unflushedRecords > 0 && now - this.lastFlushAt >= this.config.flushMs) await this.flush()
  }

  // ---------------------------------------------------------------- read

  /**
   * Whole batches from the one containing `offset`, up to `maxBytes` (the first batch is returned
   * even when larger), never a batch whose last offset is >= `maxOffset`. Only one segment is read
   * per call. OFFSET_OUT_OF_RANGE below the log start offset or above the log end offset.
   */
  async read(offset: number, maxBytes: number, opts: ReadOptions = {}): Promise<ReadResult> {
    if (offset < this.startOffset || offset > this.endOffset || !Number.isSafeInteger(offset)) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `Offset ${offset} is out of range [${this.startOffset}, ${this.endOffset}] for ${this.topic}-${this.partition}`,
      )
    }
    const maxOffset = Math.min(opts.maxOffset ?? this.endOffset, this.endOffset)
    const result = (batches: Buffer[]): ReadResult => {
      if (opts.minOneBatch === false && batches.length > 0 && batchSize(batches[0]!, 0) > maxBytes) batches = EMPTY
      let bytes = 0
      for (const b of batches) bytes += b.length
      return { batches, bytes, logStartOffset: this.startOffset, logEndOffset: this.endOffset }
    }
    if (offset >= maxOffset) return result(EMPTY)
    const cached = this.tail.read(offset, maxBytes, maxOffset)
    if (cached) return result(cached)
    // Segments are found by base offset after each await: retention may shift the array meanwhile.
    let seg: Segment | undefined = this.segments[this.segmentIndexFor(offset)]
    while (seg && seg.baseOffset < maxOffset) {
      const buf = await this.readSegment(seg, offset, maxBytes, maxOffset, opts.allocate)
      if (buf === undefined) break
      if (buf.length > 0) return result([buf])
      seg = this.segmentAfter(seg.baseOffset)
    }
    return result(EMPTY)
  }

  /** The first segment whose base offset is > base. */
  private segmentAfter(base: number): Segment | undefined {
    let lo = 0
    let hi = this.segments.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.segments[mid]!.baseOffset > base) hi = mid
      else lo = mid + 1
    }
    return this.segments[lo]
  }

  /** Index of the last segment whose base offset is <= offset (0 if none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0
    let hi = this.segments.length - 1
    let ans = 0
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.segments[mid]!.baseOffset <= offset) {
        ans = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return ans
  }

  /**
   * Reads from one segment. Returns an empty buffer when no batch at/after offset is in this segment
   * and undefined when a batch at/after offset exists but lies beyond maxOffset.
   */
  private async readSegment(
    seg: Segment,
    offset: number,
    maxBytes: number,
    maxOffset: number,
    allocate: ((size: number) => Buffer) | undefined,
  ): Promise<Buffer | undefined> {
    seg.acquire()
    try {
      const end = seg.size
      let pos = seg.index.lookup(offset)
      const slack = Math.max(this.config.indexIntervalBytes, 16384)
      while (pos < end) {
        let buf = await seg.read(pos, Math.min(end - pos, Math.max(maxBytes, 65536) + slack), allocate)
        let off = 0
        // Skip batches that end before `offset`.
        while (off + RECORD_BATCH_OVERHEAD <= buf.length && batchBase(buf, off) + lastOffsetDelta(buf, off) < offset) {
          off += batchSize(buf, off)
        }
        if (off + RECORD_BATCH_OVERHEAD > buf.length) {
          if (off === 0) return Buffer.alloc(0)
          pos += off
          continue
        }
        const firstSize = batchSize(buf, off)
        if (batchBase(buf, off) + lastOffsetDelta(buf, off) >= maxOffset) return undefined
        let bufPos = pos
        if (off + firstSize > buf.length) {
          bufPos = pos + off
          buf = await seg.read(bufPos, Math.max(firstSize, maxBytes), allocate)
          off = 0
          if (buf.length < firstSize) return Buffer.alloc(0)
        }
        const start = off
        const limit = Math.min(buf.length, start + Math.max(firstSize, maxBytes))
        off += firstSize
        // When no batch of this segment can reach maxOffset, jump over whole batches with the
        // offset index (its positions are batch starts) instead of walking every header.
        if (maxOffset >= seg.nextOffset) {
          const jump = seg.index.floorPosition(bufPos + limit) - bufPos
          if (jump > off) off = jump
        }
        while (off + RECORD_BATCH_OVERHEAD <= limit) {
          const size = batchSize(buf, off)
          if (off + size > limit) break
          if (batchBase(buf, off) + lastOffsetDelta(buf, off) >= maxOffset) break
          off += size
        }
        return buf.subarray(start, off)
      }
      return Buffer.alloc(0)
    } finally {
      seg.release()
    }
  }

  // ---------------------------------------------------------------- timestamps

  /** Earliest batch whose max timestamp is >= `timestamp` (its base offset, not below the log start). */
  async offsetForTimestamp(timestamp: number): Promise<TimestampOffset | undefined> {
    for (const seg of [...this.segments]) {
      if (seg.maxTimestamp < timestamp || seg.isEmpty || !this.segments.includes(seg)) continue
      const found = await this.findInSegment(seg, timestamp)
      if (found) return { offset: Math.max(found.offset, this.startOffset), timestamp: found.timestamp }
    }
    return undefined
  }

  /** The batch holding the largest timestamp (ListOffsets MAX_TIMESTAMP). */
  async maxTimestamp(): Promise<TimestampOffset | undefined> {
    let best: Segment | undefined
    for (const seg of this.segments) if (!seg.isEmpty && (!best || seg.maxTimestamp > best.maxTimestamp)) best = seg
    if (!best || best.maxTimestamp < 0) return undefined
    const found = await this.findInSegment(best, best.maxTimestamp)
    return found && { offset: Math.max(found.offset, this.startOffset), timestamp: found.timestamp }
  }

  private async findInSegment(seg: Segment, timestamp: number): Promise<TimestampOffset | undefined> {
    const startOffset = seg.timeIndex.startOffsetFor(timestamp)
    seg.acquire()
    try {
      let found: TimestampOffset | undefined
      await scanSegment(seg.fh, seg.index.lookup(startOffset), seg.size, seg.baseOffset, seg.baseOffset, (b) => {
        if (b.lastOffset >= startOffset && b.maxTimestamp >= timestamp && b.lastOffset >= this.startOffset) {
          found = { offset: b.baseOffset, timestamp: b.maxTimestamp }
          return true
        }
        return false
      })
      return found
    } finally {
      seg.release()
    }
  }

  // ---------------------------------------------------------------- truncation, deletion

  /**
   * Removes every batch from the one containing `offset` onwards (replication: follower catching up
   * with a new leader). The log end offset becomes the base offset of the first removed batch.
   */
  truncateTo(offset: number): Promise<void> {
    return this.maintenance.run(() =>
      this.exclusive(async () => {
        if (offset >= this.endOffset) return
        this.tail.clear()
        while (this.segments.length > 1 && this.activeSegment.baseOffset >= offset) {
          const seg = this.segments.pop()!
          await this.removeSegment(seg)
        }
        const seg = this.activeSegment
        if (seg.baseOffset >= offset) {
          // Everything goes: restart the log at `offset`.
          this.segments.pop()
          await this.removeSegment(seg)
          const fresh = await Segment.create(this.dir, offset, this.scheduler.now(), maxIndexEntries(this.config))
          await fsyncDir(this.dir)
          this.segments.push(fresh)
          this.startOffset = offset
        } else {
          let cut = seg.size
          let cutOffset = seg.nextOffset
          seg.acquire()
          try {
            await scanSegment(seg.fh, seg.index.lookup(offset), seg.size, seg.baseOffset, seg.baseOffset, (b) => {
              if (b.lastOffset >= offset) {
                cut = b.position
                cutOffset = b.baseOffset
                return true
              }
              return false
            })
          } finally {
            seg.release()
          }
          await seg.truncateToPosition(cut, cutOffset)
          await seg.refreshTail(this.config.indexIntervalBytes)
          seg.nextOffset = cutOffset
          await seg.flush()
        }
        this.endOffset = this.activeSegment.nextOffset
        if (this.recoveryOffset > this.endOffset) this.recoveryOffset = this.endOffset
        if (this.startOffset > this.endOffset) this.startOffset = this.endOffset
        this.unflushedRecords = 0
        if (this.epochs.truncateFromEnd(this.endOffset)) await this.epochs.persist()
        this.producerState.onTruncate(this.endOffset)
        this.logger.info({ dir: this.dir, offset: this.endOffset }, 'truncated log')
      }),
    )
  }

  /**
   * DeleteRecords: moves the log start offset to `offset` (records below become unreadable) and
   * deletes segments that lie wholly below it. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): Promise<number> {
    if (this.config.cleanupPolicy === 'compact') {
      return Promise.reject(new StorageError('POLICY_VIOLATION', 'Records cannot be deleted from a compacted topic'))
    }
    if (offset > this.endOffset || offset < 0) {
      const msg = `Offset ${offset} is beyond the log end offset ${this.endOffset}`
      return Promise.reject(new StorageError('OFFSET_OUT_OF_RANGE', msg))
    }
    this.advanceStartOffset(offset)
    return this.maintenance.run(async () => {
      await this.deleteSegmentsBelowStart()
      return this.startOffset
    })
  }

  private advanceStartOffset(offset: number): void {
    if (offset <= this.startOffset) return
    this.startOffset = offset
    if (this.epochs.truncateFromStart(offset)) {
      void this.epochs.persist().catch((e) => this.logger.warn({ err: e }, 'leader epoch checkpoint failed'))
    }
    this.producerState.onLogStartOffset(offset)
    this.onStartOffset?.(this)
  }

  /** Deletes segments whose successor starts at or below the log start offset. Caller holds `maintenance`. */
  private async deleteSegmentsBelowStart(): Promise<number> {
    let n = 0
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= this.startOffset) {
      await this.removeSegment(this.segments.shift()!)
      n++
    }
    return n
  }

  /** Unlinks a segment already taken out of `segments`, once its readers are done. */
  async removeSegment(seg: Segment): Promise<void> {
    await seg.renameAll(DELETED_SUFFIX)
    await seg.close()
    await Segment.deleteFiles(this.dir, seg.baseOffset, DELETED_SUFFIX)
  }

  /**
   * Retention: deletes the oldest whole segments past retention.ms (by their largest timestamp) or
   * beyond retention.bytes, and any wholly below the log start offset. The active segment is rolled
   * first when it too has expired. Returns the number of segments deleted.
   */
  async applyRetention(now: number): Promise<number> {
    if (this.closed) return 0
    const c = this.config
    // Batches without timestamps (-1, from converted magic 0 data) fall back to the segment's
    // creation time, which a restart resets: such segments are kept longer, never dropped early.
    const expired = (s: Segment) =>
      deletes(c) && c.retentionMs >= 0 && (s.maxTimestamp >= 0 ? s.maxTimestamp : s.createdAt) < now - c.retentionMs
    const active = this.activeSegment
    if (!active.isEmpty && expired(active) && this.segments.slice(0, -1).every(expired)) await this.roll()
    return this.maintenance.run(async () => {
      let deleted = await this.deleteSegmentsBelowStart()
      let total = this.size
      while (this.segments.length > 1) {
        const seg = this.segments[0]!
        const bySize = deletes(c) && c.retentionBytes >= 0 && total - seg.size >= c.retentionBytes
        if (!expired(seg) && !bySize) break
        this.segments.shift()
        total -= seg.size
        this.advanceStartOffset(this.segments[0]!.baseOffset)
        await this.removeSegment(seg)
        deleted++
      }
      if (deleted > 0) {
        this.logger.info({ dir: this.dir, deleted, logStartOffset: this.startOffset }, 'retention deleted segments')
      }
      return deleted
    })
  }

  get isCompacted(): boolean {
    return compacted(this.config)
  }

  /** Waits for queued appends, fsyncs, writes index files and closes every file. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.maintenance.run(() =>
      this.exclusive(async () => {
        this.closed = true
        await this.rolledFlushes
        if (!this.failure) {
          await this.producerState.close(this.endOffset)
          await this.activeSegment.flush()
          for (const s of this.segments) await s.persistIndexes()
          this.recoveryOffset = this.endOffset
        }
        for (const s of this.segments) await s.close()
        this.tail.clear()
      }),
    )
  }

  /** Closes and removes the partition directory (renamed first so a crash cannot resurrect it). */
  async delete(): Promise<void> {
    if (!this.closed) {
      await this.maintenance.run(() =>
        this.exclusive(async () => {
          this.closed = true
          for (const s of this.segments) await s.close()
          this.tail.clear()
        }),
      )
    }
    this.producerState.delete()
    const nonce = randomBytes(6).toString('hex')
    const doomed = join(dirname(this.dir), `${basename(this.dir)}.${nonce}${DELETE_DIR_SUFFIX}`)
    await rename(this.dir, doomed)
    await fsyncDir(dirname(this.dir))
    await rmrf(doomed)
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('NOT_LEADER_OR_FOLLOWER', `Log ${this.topic}-${this.partition} is closed`)
    if (this.failure) throw this.failure
  }

  // ---------------------------------------------------------------- cleaner support

  /**
   * Removes a segment the cleaner emptied (every record superseded by a later one, so a crash at
   * any point loses nothing); reads of its offsets continue in the next segment. The first and the
   * active segment stay (the first one anchors the log start offset). Caller holds `maintenance`.
   */
  async dropCleanedSegment(seg: Segment): Promise<boolean> {
    const i = this.segments.indexOf(seg)
    if (i <= 0 || i === this.segments.length - 1) return false
    this.segments.splice(i, 1)
    await this.removeSegment(seg)
    return true
  }

  /** Replaces `old` (still in `segments`) by `replacement` in memory. Caller holds `maintenance`. */
  replaceSegment(old: Segment, replacement: Segment): void {
    const i = this.segments.indexOf(old)
    if (i < 0) throw new Error('segment no longer in the log')
    this.segments[i] = replacement
  }
}

function duplicateResult(d: DuplicateAppend): AppendResult {
  return { baseOffset: d.baseOffset, lastOffset: d.lastOffset, logAppendTime: -1, logStartOffset: 0, recordCount: 0 }
}

/** True when every batch's base offset is above the previous batch's last offset, starting at `next`. */
function increasingFrom(buf: Buffer, next: number): boolean {
  for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
    const base = batchBase(buf, pos)
    if (base < next) return false
    next = base + lastOffsetDelta(buf, pos) + 1
  }
  return true
}

function lastOffsetIn(buf: Buffer): number {
  let pos = 0
  let last = -1
  while (pos < buf.length) {
    last = batchBase(buf, pos) + lastOffsetDelta(buf, pos)
    pos += batchSize(buf, pos)
  }
  return last
}
