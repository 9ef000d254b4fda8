// Owns every partition log under `log.dirs`. Per directory it keeps Kafka's checkpoint files
// (recovery-point-offset-checkpoint, log-start-offset-checkpoint, cleaner-offset-checkpoint) and a
// clean-shutdown marker. Start-up loads partitions in parallel (bounded), using the checkpoints
// for a fast start after a clean shutdown and full recovery after the recovery point otherwise.
// Background jobs (flush.ms, retention, compaction, checkpoints) run on the injected scheduler;
// each is also a public method so callers and tests can run it directly.
import { access, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeOffsets, encodeOffsets, readCheckpoint, writeCheckpoint } from './checkpoint.ts'
import { cleanLog } from './cleaner.ts'
import type { CleanResult } from './cleaner.ts'
import { systemScheduler } from './clock.ts'
import type { Scheduler } from './clock.ts'
import { DEFAULT_LOG_CONFIG } from './config.ts'
import type { LogConfig } from './config.ts'
import { StorageError } from './errors.ts'
import {
  CLEANER_OFFSET_CHECKPOINT,
  CLEAN_SHUTDOWN_MARKER,
  DELETE_DIR_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  parsePartitionDir,
  partitionDirName,
} from './file-names.ts'
import { fsyncDir, isNotFound, rmrf, unlinkIfExists, writeFileAtomic } from './fs-util.ts'
import { Log } from './log.ts'
import { silentLogger } from './logger.ts'
import type { StorageLogger } from './logger.ts'
import { Mutex } from './mutex.ts'
import { TailCacheBudget } from './tail-cache.ts'

export interface LogManagerOptions {
  /** log.dirs: one or more data directories (created if missing). */
  logDirs: string[]
  /** LogConfig of topics without their own (resolved by the caller, e.g. from broker defaults). */
  defaults?: LogConfig
  /** A topic's resolved LogConfig, for partitions found on disk at start-up (else `defaults`). */
  topicConfig?: (topic: string) => LogConfig | undefined
  scheduler?: Scheduler
  logger?: StorageLogger
  /**
   * Shared byte budget of the tail caches, which hold copies of small appends (default 32 MiB;
   * 0 disables). Large appends are never cached: see tail-cache.ts.
   */
  tailCacheBytes?: number
  /** log.flush.scheduler.interval.ms: how often flush.ms is checked (default 1000). */
  flushCheckIntervalMs?: number
  /** log.flush.offset.checkpoint.interval.ms (default 60000). */
  checkpointIntervalMs?: number
  /** log.retention.check.interval.ms (default 300000). */
  retentionCheckIntervalMs?: number
  /** log.cleaner.backoff.ms: pause between cleaner runs (default 15000). */
  cleanerBackoffMs?: number
  /** Keys the cleaner's map may hold per pass (bounds its memory; default 1,000,000). */
  cleanerMaxKeys?: number
  /** log.cleaner.enable (default true). */
  cleanerEnabled?: boolean
  /** Partitions opened at once during start-up (default 4). */
  loadConcurrency?: number
  /**
   * Which partition directories found at start-up to open (default: all). The others are not
   * opened and are listed in `LogManager.unopened` for the caller to deal with.
   */
  shouldLoad?: (topic: string, partition: number) => boolean
  /**
   * producer.id.expiration.ms (default 1 day); a function is read at every check, so a dynamic
   * change applies from the next one.
   */
  producerIdExpirationMs?: number | (() => number)
  /** producer.id.expiration.check.interval.ms (default 10 minutes). */
  producerIdExpirationCheckIntervalMs?: number
}

const key = (topic: string, partition: number) => partitionDirName(topic, partition)

export class LogManager {
  private logs = new Map<string, Log>()
  private logDir = new Map<string, string>()
  private creating = new Map<string, Promise<Log>>()
  private cleanerOffsets = new Map<string, number>()
  private uncleanable = new WeakSet<Log>()
  private stops: (() => void)[] = []
  private running = new Set<Promise<unknown>>()
  private checkpointLock = new Mutex()
  private checkpointQueued = false
  private closed = false
  /** Partition directories found at start-up that `shouldLoad` refused (absolute paths). */
  readonly unopened: string[] = []
  readonly defaults: LogConfig
  readonly scheduler: Scheduler
  readonly logger: StorageLogger
  readonly tailCache: TailCacheBudget | undefined

  private constructor(
    readonly logDirs: string[],
    private readonly opts: LogManagerOptions,
  ) {
    this.defaults = opts.defaults ?? DEFAULT_LOG_CONFIG
    this.scheduler = opts.scheduler ?? systemScheduler
    this.logger = opts.logger ?? silentLogger
    const cache = opts.tailCacheBytes ?? 32 * 1024 * 1024
    this.tailCache = cache > 0 ? new TailCacheBudget(cache) : undefined
  }

  static async open(opts: LogManagerOptions): Promise<LogManager> {
    if (opts.logDirs.length === 0) throw new StorageError('INVALID_CONFIG', 'log.dirs is empty')
    const m = new LogManager([...opts.logDirs], opts)
    await m.loadAll()
    m.schedule()
    return m
  }

  // ------------------------------------------------------------------ loading

  private async loadAll(): Promise<void> {
    const jobs: (() => Promise<void>)[] = []
    for (const dir of this.logDirs) {
      await mkdir(dir, { recursive: true })
      const clean = await exists(join(dir, CLEAN_SHUTDOWN_MARKER))
      const recovery = await this.readOffsets(dir, RECOVERY_POINT_CHECKPOINT)
      const starts = await this.readOffsets(dir, LOG_START_OFFSET_CHECKPOINT)
      const cleaner = await this.readOffsets(dir, CLEANER_OFFSET_CHECKPOINT)
      // Without a trustworthy recovery point, a clean-shutdown marker cannot be trusted either.
      const fast = clean && recovery !== undefined
      if (clean && !fast) {
        this.logger.warn({ dir }, 'clean shutdown marker ignored: recovery point checkpoint unreadable')
      }
      for (const name of await readdir(dir)) {
        if (name.endsWith(DELETE_DIR_SUFFIX)) {
          await rmrf(join(dir, name))
          continue
        }
        if (name.endsWith('.tmp')) {
          // A checkpoint write interrupted by a crash (the file it was replacing is intact).
          await unlinkIfExists(join(dir, name))
          continue
        }
        const tp = parsePartitionDir(name)
        if (!tp) continue
        if (this.opts.shouldLoad && !this.opts.shouldLoad(tp.topic, tp.partition)) {
          this.unopened.push(join(dir, name))
          continue
        }
        const k = key(tp.topic, tp.partition)
        if (this.logDir.has(k)) {
          throw new StorageError('CORRUPT_LOG', `Partition ${k} exists in both ${this.logDir.get(k)} and ${dir}`)
        }
        this.logDir.set(k, dir)
        const cleanerOffset = cleaner?.get(k)
        if (cleanerOffset !== undefined) this.cleanerOffsets.set(k, cleanerOffset)
        jobs.push(async () => {
          const log = await Log.open({
            ...this.logOptions(join(dir, name), this.configFor(tp.topic)),
            recoveryPoint: recovery?.get(k) ?? 0,
            logStartOffset: starts?.get(k) ?? 0,
            cleanShutdown: fast,
          })
          this.logs.set(k, log)
        })
      }
    }
    const started = this.scheduler.now()
    try {
      await runLimited(jobs, this.opts.loadConcurrency ?? 4)
    } catch (e) {
      await Promise.all([...this.logs.values()].map((l) => l.close().catch(() => {})))
      throw e
    }
    // From here on new writes happen: a crash must not look like a clean shutdown.
    for (const dir of this.logDirs) {
      await unlinkIfExists(join(dir, CLEAN_SHUTDOWN_MARKER))
      await fsyncDir(dir)
    }
    this.logger.info({ partitions: this.logs.size, ms: this.scheduler.now() - started }, 'loaded logs')
  }

  private async readOffsets(dir: string, file: string): Promise<Map<string, number> | undefined> {
    const path = join(dir, file)
    const r = await readCheckpoint(path)
    if (r.status === 'missing') return undefined
    const map = r.status === 'ok' ? decodeOffsets(r.lines) : undefined
    if (!map) this.logger.warn({ path }, 'ignoring corrupt checkpoint file')
    return map
  }

  private configFor(topic: string): LogConfig {
    return this.opts.topicConfig?.(topic) ?? this.defaults
  }

  private logOptions(dir: string, config: LogConfig) {
    return {
      dir,
      config,
      scheduler: this.scheduler,
      logger: this.logger,
      tailCache: this.tailCache,
      onLogStartOffset: () => this.checkpointSoon(),
      producerIdExpirationMs: this.producerIdExpirationMs(),
    }
  }

  // ------------------------------------------------------------------ partitions

  get(topic: string, partition: number): Log | undefined {
    return this.logs.get(key(topic, partition))
  }

  all(): IterableIterator<Log> {
    return this.logs.values()
  }

  /**
   * The partition's log, created (in the log dir with the fewest partitions) if absent, with
   * `config` (else the topic's, else the defaults).
   */
  getOrCreate(topic: string, partition: number, config: LogConfig = this.configFor(topic)): Promise<Log> {
    if (this.closed) return Promise.reject(new StorageError('NOT_LEADER_OR_FOLLOWER', 'LogManager is closed'))
    const k = key(topic, partition)
    const existing = this.logs.get(k)
    if (existing) return Promise.resolve(existing)
    const pending = this.creating.get(k)
    if (pending) return pending
    if (!/^[a-zA-Z0-9._-]+$/.test(topic) || topic.length > 249 || !Number.isInteger(partition) || partition < 0) {
      return Promise.reject(new StorageError('INVALID_CONFIG', `Invalid topic partition ${topic}-${partition}`))
    }
    const counts = new Map(this.logDirs.map((d) => [d, 0]))
    for (const d of this.logDir.values()) counts.set(d, (counts.get(d) ?? 0) + 1)
    const dir = [...counts.entries()].sort((a, b) => a[1] - b[1])[0]![0]
    const p = (async () => {
      const log = await Log.open(this.logOptions(join(dir, k), config))
      this.logs.set(k, log)
      this.logDir.set(k, dir)
      return log
    })().finally(() => this.creating.delete(k))
    this.creating.set(k, p)
    return p
  }

  /** Gives every open partition of `topic` its new (resolved) config. */
  updateConfig(topic: string, config: LogConfig): void {
    for (const log of this.logs.values()) if (log.topic === topic) log.updateConfig(config)
  }

  /** Deletes the partition's log and its directory. */
  async delete(topic: string, partition: number): Promise<void> {
    const k = key(topic, partition)
    const log = this.logs.get(k)
    if (!log) return
    this.logs.delete(k)
    this.logDir.delete(k)
    this.cleanerOffsets.delete(k)
    await log.delete()
    await this.checkpoint()
  }

  // ------------------------------------------------------------------ background work

  private schedule(): void {
    const every = (ms: number, job: () => Promise<unknown>, what: string) => {
      let busy = false
      this.stops.push(
        this.scheduler.every(ms, () => {
          if (busy || this.closed) return
          busy = true
          this.track(job())
            .catch((e) => this.logger.error({ err: e }, `${what} failed`))
            .finally(() => (busy = false))
        }),
      )
    }
    every(this.opts.flushCheckIntervalMs ?? 1000, () => this.flushDue(), 'flush')
    every(this.opts.checkpointIntervalMs ?? 60_000, () => this.checkpoint(), 'checkpoint')
    every(this.opts.retentionCheckIntervalMs ?? 300_000, () => this.runRetention(), 'retention')
    if (this.opts.cleanerEnabled ?? true) {
      every(this.opts.cleanerBackoffMs ?? 15_000, () => this.runCleaner(), 'cleaner')
    }
    const expiryCheck = this.opts.producerIdExpirationCheckIntervalMs ?? 600_000
    this.stops.push(this.scheduler.every(expiryCheck, () => this.removeExpiredProducers()))
  }

  private producerIdExpirationMs(): number {
    const ms = this.opts.producerIdExpirationMs ?? 86_400_000
    return typeof ms === 'function' ? ms() : ms
  }

  /** Drops idle producers of every log (producer.id.expiration.ms); returns how many. */
  removeExpiredProducers(): number {
    let n = 0
    const now = this.scheduler.now()
    const ms = this.producerIdExpirationMs()
    for (const log of this.logs.values()) {
      log.producerState.producerIdExpiration = ms
      n += log.producerState.removeExpired(now)
    }
    return n
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p)
    void p.finally(() => this.running.delete(p)).catch(() => {})
    return p
  }

  /** fsyncs logs whose flush.ms has elapsed. */
  async flushDue(): Promise<void> {
    const now = this.scheduler.now()
    await Promise.all([...this.logs.values()].map((l) => l.maybeFlush(now)))
  }

  /** Applies retention to every log; returns the number of segments deleted. */
  async runRetention(): Promise<number> {
    const now = this.scheduler.now()
    let n = 0
    for (const log of [...this.logs.values()]) if (!log.isClosed) n += await log.applyRetention(now)
    return n
  }

  /** One compaction pass over every compacted log that is due (one log at a time). */
  async runCleaner(force = false): Promise<CleanResult[]> {
    const results: CleanResult[] = []
    for (const [k, log] of [...this.logs.entries()]) {
      if (!log.isCompacted || log.isClosed || this.closed || this.uncleanable.has(log)) continue
      let r: CleanResult | undefined
      try {
        r = await cleanLog(log, {
          now: this.scheduler.now(),
          firstDirtyOffset: this.cleanerOffsets.get(k) ?? 0,
          force,
          maxKeys: this.opts.cleanerMaxKeys,
          aborted: () => this.closed,
        })
      } catch (e) {
        // Like Kafka: a log the cleaner cannot process (e.g. undecodable records) is skipped from
        // now on instead of failing every pass; appends and reads are unaffected.
        this.uncleanable.add(log)
        this.logger.error({ dir: log.dir, err: e }, 'compaction failed; partition marked uncleanable until restart')
        continue
      }
      if (r) {
        this.cleanerOffsets.set(k, r.cleanedUpTo)
        results.push(r)
      }
    }
    if (results.length) await this.checkpoint()
    return results
  }

  /** Writes the recovery point, log start offset and cleaner offset checkpoints of every dir. */
  checkpoint(): Promise<void> {
    return this.checkpointLock.run(async () => {
      for (const dir of this.logDirs) {
        const recovery = new Map<string, number>()
        const starts = new Map<string, number>()
        const cleaner = new Map<string, number>()
        for (const [k, log] of this.logs) {
          if (this.logDir.get(k) !== dir) continue
          recovery.set(k, log.recoveryPoint)
          starts.set(k, log.logStartOffset)
          const c = this.cleanerOffsets.get(k)
          if (c !== undefined) cleaner.set(k, c)
        }
        await writeCheckpoint(join(dir, RECOVERY_POINT_CHECKPOINT), encodeOffsets(recovery))
        await writeCheckpoint(join(dir, LOG_START_OFFSET_CHECKPOINT), encodeOffsets(starts))
        await writeCheckpoint(join(dir, CLEANER_OFFSET_CHECKPOINT), encodeOffsets(cleaner))
      }
    })
  }

  /** Coalesces checkpoint requests (log start offset moves) into one write. */
  private checkpointSoon(): void {
    if (this.checkpointQueued || this.closed) return
    this.checkpointQueued = true
    this.track(
      Promise.resolve().then(async () => {
        this.checkpointQueued = false
        await this.checkpoint()
      }),
    ).catch((e) => this.logger.error({ err: e }, 'checkpoint failed'))
  }

  /** Stops background work, closes every log (fsync, index files), checkpoints, marks a clean shutdown. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const stop of this.stops) stop()
    await Promise.allSettled([...this.running])
    await Promise.allSettled([...this.creating.values()])
    const results = await Promise.allSettled([...this.logs.values()].map((l) => l.close()))
    const failed = results.some((r) => r.status === 'rejected')
    await this.checkpoint()
    if (failed) {
      this.logger.error({}, 'some logs failed to close; not marking a clean shutdown')
      return
    }
    for (const dir of this.logDirs) await writeFileAtomic(join(dir, CLEAN_SHUTDOWN_MARKER), '')
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch (e) {
    if (isNotFound(e)) return false
    throw e
  }
}

async function runLimited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!()
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker))
}
