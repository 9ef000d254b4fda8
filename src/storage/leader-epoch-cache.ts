// Leader epoch -> first offset written in that epoch, persisted in the partition directory as
// `leader-epoch-checkpoint` (Kafka's layout: `epoch startOffset` lines, plus our checksum line).
// Replication will answer OffsetForLeaderEpoch from it and truncate followers with it.
import { join } from 'node:path'
import { readCheckpoint, writeCheckpoint } from './checkpoint.ts'
import { LEADER_EPOCH_CHECKPOINT } from './file-names.ts'
import type { StorageLogger } from './logger.ts'
import { Mutex } from './mutex.ts'

export interface EpochEntry {
  epoch: number
  startOffset: number
}

export class LeaderEpochCache {
  private entries: EpochEntry[] = []
  private readonly writes = new Mutex()
  constructor(private readonly dir: string) {}

  get all(): readonly EpochEntry[] {
    return this.entries
  }
  get latestEpoch(): number {
    return this.entries.length ? this.entries[this.entries.length - 1]!.epoch : -1
  }

  static async load(dir: string, logger: StorageLogger): Promise<LeaderEpochCache> {
    const cache = new LeaderEpochCache(dir)
    const path = join(dir, LEADER_EPOCH_CHECKPOINT)
    const read = await readCheckpoint(path)
    if (read.status === 'corrupt') logger.warn({ path }, 'ignoring corrupt leader epoch checkpoint')
    if (read.status !== 'ok') return cache
    for (const line of read.lines) {
      const m = /^(\d+) (\d+)$/.exec(line)
      if (!m) {
        logger.warn({ path }, 'ignoring malformed leader epoch checkpoint')
        return new LeaderEpochCache(dir)
      }
      cache.entries.push({ epoch: Number(m[1]), startOffset: Number(m[2]) })
    }
    return cache
  }

  /** Records that `epoch` starts at `offset`; returns true when the cache changed (caller persists). */
  assign(epoch: number, offset: number): boolean {
    if (epoch < 0 || epoch <= this.latestEpoch) return false
    this.entries.push({ epoch, startOffset: offset })
    return true
  }

  /** End offset of `epoch` (start of the next higher epoch, or `logEndOffset` for the latest). */
  endOffsetFor(epoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    let i = this.entries.length - 1
    while (i >= 0 && this.entries[i]!.epoch > epoch) i--
    if (i < 0) return { epoch: -1, endOffset: -1 }
    const next = this.entries[i + 1]
    return { epoch: this.entries[i]!.epoch, endOffset: next ? next.startOffset : logEndOffset }
  }

  /** Drops epochs that start at or after `offset` (log truncation). */
  truncateFromEnd(offset: number): boolean {
    const before = this.entries.length
    while (this.entries.length && this.entries[this.entries.length - 1]!.startOffset >= offset) this.entries.pop()
    return this.entries.length !== before
  }

  /** Drops epochs wholly before the new log start offset; the one covering it starts there. */
  truncateFromStart(offset: number): boolean {
    let changed = false
    while (this.entries.length > 1 && this.entries[1]!.startOffset <= offset) {
      this.entries.shift()
      changed = true
    }
    if (this.entries.length && this.entries[0]!.startOffset < offset) {
      this.entries[0]!.startOffset = offset
      changed = true
    }
    return changed
  }

  /** Writes the current entries; calls are serialised so the file ends with the latest state. */
  persist(): Promise<void> {
    return this.writes.run(() =>
      writeCheckpoint(
        join(this.dir, LEADER_EPOCH_CHECKPOINT),
        this.entries.map((e) => `${e.epoch} ${e.startOffset}`),
      ),
    )
  }
}
