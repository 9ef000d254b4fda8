// A partition log: its segments (log-segments.ts), the append queue (group commit), reads, flushes
// and rolls, and the offsets that move with them; retention and truncation (log-retention.ts) and
// compaction (cleaner.ts) run under its `maintenance` mutex. Appends to one Log are strictly
// ordered through `queue`; state (segments, offsets) changes only in synchronous sections between
// awaits. Every Log owns its producer state (idempotence, transactions).
import { basename } from 'node:path'
import { baseOffset as batchBase, batchSize, partitionLeaderEpoch } from '../protocol/records/batch-header.ts'
import { increasingFrom, lastOffsetIn, stampBatches } from './append-stamp.ts'
import { validateAppend } from './append-validate.ts'
import type { AppendSummary } from './append-validate.ts'
import { AppendQueue } from './append-queue.ts'
import type { QueuedAppend } from './append-queue.ts'
import { systemScheduler } from './clock.ts'
import type { Scheduler } from './clock.ts'
import { compacted } from './config.ts'
import type { LogConfig } from './config.ts'
import { StorageError } from './errors.ts'
import { DELETE_DIR_SUFFIX, parsePartitionDir } from './file-names.ts'
import { removeDirDurably } from './fs-util.ts'
import type { LeaderEpochCache } from './leader-epoch-cache.ts'
import type { AppendOptions, AppendResult, LogOptions, ReadOptions, ReadResult } from './log-api.ts'
import { loadLog, maxIndexEntries } from './log-loader.ts'
import { deleteRetainedSegments, deleteSegmentsBelow, everySegmentExpired, restartSegmentsAt, retentionExpired, truncateSegments } from './log-retention.ts'
import { LogFlusher } from './log-flush.ts'
import { LogSegments } from './log-segments.ts'
import { silentLogger } from './logger.ts'
import type { StorageLogger } from './logger.ts'
import { Mutex } from './mutex.ts'
import { ProducerStateManager } from './producer/producer-state-manager.ts'
import type { DuplicateAppend } from './producer/producer-state-manager.ts'
import type { RollSnapshot } from './producer/snapshot.ts'
import { Segment } from './segment.ts'
import { SegmentSpare } from './segment-spare.ts'
import type { TimestampOffset } from './segment.ts'
import { LogTailCache } from './tail-cache.ts'
import type { BufferHold } from './tail-cache.ts'

export type { AppendOptions, AppendResult, LogOptions, ReadOptions, ReadResult, TimestampOffset }

const EMPTY: Buffer[] = []

export class Log {
  readonly dir: string
  readonly topic: string
  readonly partition: number
  config: LogConfig
  private readonly segs: LogSegments
  private startOffset: number
  private endOffset: number
  private readonly flusher: LogFlusher
  private readonly queue: AppendQueue
  private closed = false
  private failure: StorageError | undefined
  readonly scheduler: Scheduler
  readonly logger: StorageLogger
  readonly tail: LogTailCache
  readonly epochs: LeaderEpochCache
  /** Serialises retention, cleaning, deleteRecords and truncation. */
  readonly maintenance = new Mutex()
  readonly spare: SegmentSpare // the next segment's file, opened ahead of the roll (read by tests)
  /** Idempotent/transactional producer state: sequences, open transactions, aborted-txn index. */
  readonly producerState: ProducerStateManager
  private readonly onStartOffset: (() => void) | undefined

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
    this.segs = new LogSegments(opts.dir, segments)
    this.spare = new SegmentSpare(opts.dir)
    this.startOffset = start
    this.endOffset = this.segs.active.nextOffset
    this.flusher = new LogFlusher(
      {
        dir: this.dir,
        activeSegment: () => this.segs.active,
        logEndOffset: () => this.endOffset,
        now: () => this.scheduler.now(),
        failed: () => this.failure !== undefined,
        fail: (e) => {
          this.failure ??= new StorageError('KAFKA_STORAGE_ERROR', `Flush of ${this.dir} failed: ${(e as Error).message}`, { cause: e })
          this.logger.error({ dir: this.dir, err: e }, 'flush of a rolled segment failed; the log no longer accepts appends')
        },
      },
      recovery,
    )
    this.tail = new LogTailCache(opts.tailCache)
    this.epochs = epochs
    this.producerState = new ProducerStateManager({
      dir: opts.dir,
      now: () => this.scheduler.now(),
      producerIdExpirationMs: opts.producerIdExpirationMs ?? 86_400_000,
      segmentBaseFor: (offset) => this.segs.floor(offset).baseOffset,
    })
    this.onStartOffset = opts.onLogStartOffset
    this.queue = new AppendQueue({
      writeGroup: (group) => this.writeGroup(group),
      failure: () => this.failure,
      onWriteFailure: (e) => {
        // Data already acknowledged stays readable.
        this.failure = new StorageError('KAFKA_STORAGE_ERROR', `Write to ${this.dir} failed: ${(e as Error).message}`, { cause: e })
        this.logger.error({ dir: this.dir, err: e }, 'log write failed; the log no longer accepts appends')
        return this.failure
      },
    })
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
      const log = new Log(opts, loaded.segments, loaded.logStartOffset, loaded.recoveryPoint, loaded.epochs)
      await log.producerState.load({
        logStartOffset: log.logStartOffset,
        logEndOffset: log.logEndOffset,
        segmentBases: log.segs.baseOffsets,
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
    return this.flusher.recoveryPoint
  }
  /** Sorted by base offset; the last one is active (receives appends). */
  get segments(): readonly Segment[] {
    return this.segs.all
  }
  get activeSegment(): Segment {
    return this.segs.active
  }
  /** Total bytes of all segments. */
  get size(): number {
    return this.segs.size
  }
  get isClosed(): boolean {
    return this.closed
  }
  get unflushed(): number {
    return this.flusher.unflushed
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
    return this.queue.append(batches, summary, opts)
  }

  /** Runs `fn` inside the append queue: nothing is appended while it runs. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.exclusive(fn)
  }

  /** Writes a group of queued appends: one writev per segment touched, one fsync at the end if due. */
  private async writeGroup(group: QueuedAppend[]): Promise<void> {
    const now = this.scheduler.now()
    const appendTime = this.config.messageTimestampType === 'LogAppendTime' ? now : -1
    const results: (AppendResult | Error)[] = []
    let pending: Buffer[] = []
    /** Each pending buffer's hold (lent to the tail cache), when any append of the group has one. */
    let holds: (BufferHold | undefined)[] | null = null
    let pendingBytes = 0
    let records = 0
    // Parts of up to 1 MiB are written on the event loop (Segment.append), leaders' and followers'
    // alike. Both wrote through the thread pool in sessions 9-11 (then the event loop was the
    // limit, paying for page-cache copies into fresh pages); since followers' fetches stopped
    // reading files (tail cache), the pool's round trip — two thread wake-ups on this VM, plus its
    // queue behind fsyncs — cost more than the copy: session 11 (followers) and 12 (leaders) A/B,
    // docs/benchmarks/replication-history-11-13.md.
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
      if (this.activeSegment.shouldRoll(pendingBytes, buf.length, lastOffsetOfItem, now, this.config)) {
        if (pending.length > 0) {
          await this.writeToActive(pending, pendingBytes, holds)
          pending = []
          holds = null
          pendingBytes = 0
        }
        await this.rollInternal(first)
      }
      // Stamp offsets, epoch and append time in place (replicated batches keep the leader's).
      let epochsChanged = false
      const off = stampBatches(buf, first, { replicated, leaderEpoch: opts.leaderEpoch, appendTime }, (pos, base) => {
        if (replicated) epochsChanged = this.epochs.assign(partitionLeaderEpoch(buf, pos), base) || epochsChanged
        this.producerState.onAppend(buf, pos)
      })
      if (!replicated && opts.leaderEpoch !== undefined) epochsChanged = this.epochs.assign(opts.leaderEpoch, first)
      if (epochsChanged) {
        if (pending.length > 0) {
          await this.writeToActive(pending, pendingBytes, holds)
          pending = []
          holds = null
          pendingBytes = 0
        }
        await this.epochs.persist()
      }
      if (opts.hold !== undefined) (holds ??= new Array<BufferHold | undefined>(pending.length))[pending.length] = opts.hold
      else if (holds !== null) holds[pending.length] = undefined
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
    if (pending.length > 0) await this.writeToActive(pending, pendingBytes, holds)
    this.flusher.unflushed += records
    if (this.flusher.unflushed >= this.config.flushMessages) await this.flusher.flushActive()
    for (let i = 0; i < group.length; i++) {
      const r = results[i]!
      if (r instanceof Error) group[i]!.reject(r)
      else {
        r.logStartOffset = this.startOffset
        group[i]!.resolve(r)
      }
    }
  }

  /** Writes whole batches at the end of the active segment; the tail cache and log end offset follow. */
  private async writeToActive(bufs: Buffer[], bytes: number, holds: (BufferHold | undefined)[] | null): Promise<void> {
    const seg = this.activeSegment
    await seg.append(bufs, bytes, this.config.indexIntervalBytes)
    this.spare.prepare(seg.size, this.config.segmentBytes)
    for (let i = 0; i < bufs.length; i++) {
      const b = bufs[i]!
      this.tail.add(b, batchBase(b, 0), lastOffsetIn(b), holds?.[i])
    }
    this.endOffset = seg.nextOffset
  }

  private async rollInternal(newBase: number): Promise<void> {
    const old = this.activeSegment
    const seg = await Segment.create(this.dir, newBase, this.scheduler.now(), maxIndexEntries(this.config), this.spare)
    // The cache never spans segments: what it holds stays exactly what the file holds even when the
    // rolled segment is later cleaned or deleted (and lent buffers go back sooner).
    this.tail.clear()
    this.segs.add(seg)
    seg.nextOffset = newBase
    // The snapshot is written unsynced; the background flush of the old segment fsyncs it (and the
    // directory, after its rename) before the recovery point moves past the roll.
    let snapshot: RollSnapshot | undefined
    try {
      snapshot = await this.producerState.onRoll(newBase)
    } finally {
      this.flusher.rolledAway(old, old.nextOffset, snapshot)
    }
    this.logger.info({ dir: this.dir, base: newBase }, 'rolled segment')
  }

  /** Starts a new segment at the log end offset (if the active one is not empty). */
  roll(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.activeSegment.isEmpty) await this.rollInternal(this.endOffset)
    })
  }

  /** fsyncs what has been written so far (runs beside appends; moves the recovery point). */
  async flush(): Promise<void> {
    if (this.closed) return
    await this.flusher.rolledFlushes()
    if (this.closed) return
    await this.flusher.flushWritten()
  }

  /** Flushes when flush.ms has passed since the last flush and something is unflushed. */
  async maybeFlush(now: number): Promise<void> {
    if (this.flusher.due(now, this.config.flushMs)) await this.flush()
  }

  // ---------------------------------------------------------------- read

  /**
   * Whole batches from the one containing `offset`, up to `maxBytes` (the first batch is returned
   * even when larger), never a batch whose last offset is >= `maxOffset`. Only one segment is read
   * per call. OFFSET_OUT_OF_RANGE below the log start offset or above the log end offset.
   */
  async read(offset: number, maxBytes: number, opts: ReadOptions = {}): Promise<ReadResult> {
    const now = this.readNow(offset, maxBytes, opts)
    if (now !== undefined) return now
    const maxOffset = Math.min(opts.maxOffset ?? this.endOffset, this.endOffset)
    // Segments are found by base offset after each await: retention may shift the list meanwhile.
    const slack = Math.max(this.config.indexIntervalBytes, 16384)
    let seg: Segment | undefined = this.segs.floor(offset)
    while (seg && seg.baseOffset < maxOffset) {
      const buf = await seg.readBatches(offset, maxBytes, maxOffset, slack, opts.allocate)
      if (buf === undefined) break
      if (buf.length > 0) return this.readResult([buf], maxBytes, opts)
      seg = this.segs.higher(seg.baseOffset)
    }
    return this.readResult(EMPTY, maxBytes, opts)
  }

  /**
   * `read` when it needs no file I/O — nothing to read below `maxOffset`, or the batches are in
   * the tail cache — else undefined. Synchronous: a consumer's long poll (nothing new, then the
   * append that woke it) is served without a promise per layer. Throws OFFSET_OUT_OF_RANGE as `read`.
   */
  readNow(offset: number, maxBytes: number, opts: ReadOptions = {}): ReadResult | undefined {
    if (offset < this.startOffset || offset > this.endOffset || !Number.isSafeInteger(offset)) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `Offset ${offset} is out of range [${this.startOffset}, ${this.endOffset}] for ${this.topic}-${this.partition}`,
      )
    }
    const maxOffset = Math.min(opts.maxOffset ?? this.endOffset, this.endOffset)
    if (offset >= maxOffset) return this.readResult(EMPTY, maxBytes, opts)
    const cached = this.tail.read(offset, maxBytes, maxOffset, opts.holder)
    return cached ? this.readResult(cached, maxBytes, opts) : undefined
  }

  private readResult(batches: Buffer[], maxBytes: number, opts: ReadOptions): ReadResult {
    if (opts.minOneBatch === false && batches.length > 0 && batchSize(batches[0]!, 0) > maxBytes) batches = EMPTY
    let bytes = 0
    for (const b of batches) bytes += b.length
    return { batches, bytes, logStartOffset: this.startOffset, logEndOffset: this.endOffset }
  }

  // ---------------------------------------------------------------- timestamps

  /** Earliest batch whose max timestamp is >= `timestamp` (its base offset, not below the log start). */
  offsetForTimestamp(timestamp: number): Promise<TimestampOffset | undefined> {
    return this.segs.offsetForTimestamp(timestamp, () => this.startOffset)
  }

  /** The batch holding the largest timestamp (ListOffsets MAX_TIMESTAMP). */
  maxTimestamp(): Promise<TimestampOffset | undefined> {
    return this.segs.maxTimestamp(() => this.startOffset)
  }

  /**
   * Starts leader epoch `epoch` at the log end, in the append queue: every append queued before
   * (a follower's fetched batches still in flight when this broker became leader) lands first, so
   * the epoch starts after them and never over a batch written in an older epoch. Resolves with the
   * epoch's start offset.
   */
  startLeaderEpoch(epoch: number): Promise<number> {
    return this.exclusive(async () => {
      const start = this.endOffset
      if (this.epochs.assign(epoch, start)) await this.epochs.persist()
      return start
    })
  }

  // ---------------------------------------------------------------- truncation, retention (log-retention.ts)

  /**
   * Removes every batch from the one containing `offset` onwards (replication: follower catching up
   * with a new leader). The log end offset becomes the base offset of the first removed batch.
   * At or past the end no batch goes, but epochs starting at the end do (an epoch a former leader
   * began without writing in it must not make its fetches look diverged forever).
   */
  truncateTo(offset: number): Promise<void> {
    return this.maintenance.run(() =>
      this.exclusive(async () => {
        if (offset >= this.endOffset) {
          if (this.epochs.truncateFromEnd(this.endOffset)) await this.epochs.persist()
          return
        }
        this.tail.clear()
        const restartedAt = await truncateSegments(this.segs, offset, this.config, this.scheduler.now())
        if (restartedAt !== undefined) this.startOffset = restartedAt
        this.endOffset = this.activeSegment.nextOffset
        this.flusher.truncated(this.endOffset)
        if (this.startOffset > this.endOffset) this.startOffset = this.endOffset
        if (this.epochs.truncateFromEnd(this.endOffset)) await this.epochs.persist()
        this.producerState.onTruncate(this.endOffset)
        this.logger.info({ dir: this.dir, offset: this.endOffset }, 'truncated log')
      }),
    )
  }

  /**
   * Replication: removes every batch and restarts the log empty at `offset` (a follower whose log
   * ends below the leader's log start; what it had is gone on the leader too).
   */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.maintenance.run(() =>
      this.exclusive(async () => {
        this.tail.clear()
        await restartSegmentsAt(this.segs, offset, this.config, this.scheduler.now())
        this.startOffset = offset
        this.endOffset = offset
        this.flusher.truncated(offset)
        if (this.epochs.truncateFromEnd(-1)) await this.epochs.persist()
        this.producerState.onTruncate(offset)
        this.producerState.onLogStartOffset(offset)
        this.onStartOffset?.()
        this.logger.info({ dir: this.dir, offset }, 'truncated log fully')
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
    // At a segment's base offset loading finds the start again (the segments below are deleted
    // before this resolves); inside a segment only the checkpoint remembers it.
    this.advanceStartOffset(offset, this.segs.floor(offset).baseOffset === offset)
    return this.maintenance.run(async () => {
      await deleteSegmentsBelow(this.segs, this.startOffset)
      return this.startOffset
    })
  }

  /**
   * `atSegmentBase`: loading recovers such a start from the first segment left, so the LogManager's
   * checkpoint files wait for their interval, as Kafka's do (one per retention pass was ~15% of the
   * 3-process bench's context switches per MB: docs/benchmarks/replication-processes.md, Session 14).
   */
  private advanceStartOffset(offset: number, atSegmentBase: boolean): void {
    if (offset <= this.startOffset) return
    this.startOffset = offset
    if (this.epochs.truncateFromStart(offset)) {
      void this.epochs.persist().catch((e) => this.logger.warn({ err: e }, 'leader epoch checkpoint failed'))
    }
    this.producerState.onLogStartOffset(offset)
    if (!atSegmentBase) this.onStartOffset?.()
  }

  /**
   * Retention: deletes the oldest whole segments past retention.ms (by their largest timestamp) or
   * beyond retention.bytes, and any wholly below the log start offset. The active segment is rolled
   * first when it too has expired. Returns the number of segments deleted.
   */
  async applyRetention(now: number): Promise<number> {
    if (this.closed) return 0
    const expired = retentionExpired(this.config, now)
    if (everySegmentExpired(this.segs, expired)) await this.roll()
    return this.maintenance.run(async () => {
      let deleted = await deleteSegmentsBelow(this.segs, this.startOffset)
      deleted += await deleteRetainedSegments(this.segs, this.config, expired, (o) => this.advanceStartOffset(o, true))
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
        await this.flusher.rolledFlushes()
        if (!this.failure) {
          await this.producerState.close(this.endOffset)
          await this.activeSegment.flush()
          for (const s of this.segments) await s.persistIndexes()
          this.flusher.recoveryPoint = this.endOffset
        }
        for (const s of this.segments) await s.close()
        await this.spare.close()
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
    await this.spare.close()
    this.producerState.delete()
    await removeDirDurably(this.dir, DELETE_DIR_SUFFIX)
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
    this.segs.remove(seg)
    await this.segs.deleteFiles(seg)
    return true
  }

  /** Replaces `old` (still in `segments`) by `replacement` in memory. Caller holds `maintenance`. */
  replaceSegment(old: Segment, replacement: Segment): void {
    this.segs.replace(old, replacement)
  }
}

function duplicateResult(d: DuplicateAppend): AppendResult {
  return { baseOffset: d.baseOffset, lastOffset: d.lastOffset, logAppendTime: -1, logStartOffset: 0, recordCount: 0 }
}
