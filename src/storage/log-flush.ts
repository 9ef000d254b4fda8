// When a log's bytes become durable: the recovery point (everything below it is fsynced), the
// records appended since the last fsync (flush.messages), when that fsync ran (flush.ms), and the
// fsyncs of segments rolled away from. Those run in the background, chained in roll order, and
// never reject (a failure takes the log offline). Appends do not wait for them — as in Kafka,
// whose roll schedules the old segment's flush: fsyncing up to a second of writes (hundreds of MB
// at full speed) inside the append queue stalled every producer of the partition for as long (and
// so did the directory fsync for the new file, queued behind that writeback). The recovery point
// moves past a rolled segment only when the directory, its data and its index files are durable;
// flushes and close wait for these first.
import { fsyncDir, fsyncFileIfExists, unlinkIfExists } from './fs-util.ts'
import type { RollSnapshot } from './producer/snapshot.ts'
import type { Segment } from './segment.ts'

/** What the flusher reads from its Log, live, and how it reports a failed fsync. */
export interface FlushedLog {
  readonly dir: string
  activeSegment(): Segment
  logEndOffset(): number
  failed(): boolean
  fail(err: unknown): void
  now(): number
}

export class LogFlusher {
  /** Everything below this offset has been fsynced. */
  recoveryPoint: number
  /** Records appended since the last fsync of the active segment. */
  unflushed = 0
  private lastFlushAt: number
  private rolled: Promise<void> = Promise.resolve()

  constructor(
    private readonly log: FlushedLog,
    recoveryPoint: number,
  ) {
    this.recoveryPoint = recoveryPoint
    this.lastFlushAt = log.now()
  }

  /** Resolves once the fsyncs of every segment rolled away from so far are done. */
  rolledFlushes(): Promise<void> {
    return this.rolled
  }

  /**
   * The log rolled away from `old`, which holds everything below `upTo`: fsync it in the background,
   * with the producer snapshot written unsynced at the roll (`snapshot`; its rename is covered by
   * the directory fsync, which runs after it). The older snapshots it replaces go after it is
   * durable (best effort: one left behind is named again by the next roll).
   */
  rolledAway(old: Segment, upTo: number, snapshot?: RollSnapshot): void {
    this.unflushed = 0
    old.acquire()
    this.rolled = this.rolled.then(async () => {
      try {
        if (this.log.failed()) return
        await fsyncDir(this.log.dir)
        await old.flush()
        await old.persistIndexes()
        if (snapshot !== undefined) await fsyncFileIfExists(snapshot.path)
        // Everything below upTo is in this segment or older ones (flushed before it, in order).
        this.recoveryPoint = Math.max(this.recoveryPoint, Math.min(upTo, this.log.logEndOffset()))
        for (const stale of snapshot?.stale ?? []) await unlinkIfExists(stale).catch(() => {})
      } catch (e) {
        this.log.fail(e)
      } finally {
        old.release()
      }
    })
  }

  /** fsyncs the active segment from inside the append queue (flush.messages reached). */
  async flushActive(): Promise<void> {
    await this.rolled
    const leo = this.log.logEndOffset()
    await this.log.activeSegment().flush()
    this.unflushed = 0
    this.lastFlushAt = this.log.now()
    if (leo > this.recoveryPoint) this.recoveryPoint = leo
  }

  /** fsyncs what has been written so far, beside appends (the caller checked that the log is open). */
  async flushWritten(): Promise<void> {
    const leo = this.log.logEndOffset()
    const records = this.unflushed
    const seg = this.log.activeSegment()
    seg.acquire()
    try {
      await seg.flush()
    } finally {
      seg.release()
    }
    this.unflushed = Math.max(0, this.unflushed - records)
    this.lastFlushAt = this.log.now()
    if (leo > this.recoveryPoint) this.recoveryPoint = leo
  }

  /** True when something is unflushed and flush.ms has passed since the last fsync. */
  due(now: number, flushMs: number): boolean {
    return this.unflushed > 0 && now - this.lastFlushAt >= flushMs
  }

  /** The log was truncated to `logEndOffset`. */
  truncated(logEndOffset: number): void {
    if (this.recoveryPoint > logEndOffset) this.recoveryPoint = logEndOffset
    this.unflushed = 0
  }
}
