// The next segment's file, created ahead of its roll. A roll runs inside the append queue, and
// opening a FileHandle goes through the thread pool, where it may queue behind fsyncs of rolled
// segments for milliseconds (every append of the partition waits; with acks=all a roll on any
// replica stalls the produce pipeline). So once the active segment is half full, an empty file is
// opened in the background under a temporary name, and the roll renames it to the new segment's
// name synchronously (one metadata operation, no pool round trip). The name ends in `.tmp`, which
// loading deletes, so a crash leaves nothing behind; a failed open leaves the roll to open the
// file itself, as before.
import { renameSync, unlinkSync } from 'node:fs'
import { open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'

/** The spare's name in the partition directory (`.tmp`: removed at load, see log-loader.ts). */
export const SPARE_SEGMENT_NAME = 'next-segment.log.tmp'

export class SegmentSpare {
  private ready: FileHandle | undefined
  private opening: Promise<void> | undefined
  /** An open failed: no retry before the next roll takes (or skips) a spare. */
  private failed = false
  private closed = false

  constructor(private readonly dir: string) {}

  /** An opened spare waits for the next roll (the file appears on disk before its open resolves). */
  get isReady(): boolean {
    return this.ready !== undefined
  }

  private get path(): string {
    return join(this.dir, SPARE_SEGMENT_NAME)
  }

  /** Starts creating the spare in the background when `activeBytes` reached half of `segmentBytes`. */
  prepare(activeBytes: number, segmentBytes: number): void {
    if (this.ready !== undefined || this.opening !== undefined || this.failed || this.closed || activeBytes < segmentBytes / 2) return
    this.opening = open(this.path, 'w+').then(
      (fh) => {
        this.opening = undefined
        if (this.closed) return this.discard(fh)
        this.ready = fh
      },
      () => {
        this.opening = undefined
        this.failed = true
      },
    )
  }

  /**
   * The spare, renamed to `path` (an existing file of that name is replaced, as opening it 'w+'
   * would truncate it); undefined when none is ready.
   */
  take(path: string): FileHandle | undefined {
    this.failed = false
    const fh = this.ready
    if (fh === undefined) return undefined
    this.ready = undefined
    try {
      renameSync(this.path, path)
      return fh
    } catch {
      void this.discard(fh)
      return undefined
    }
  }

  /** Closes and removes the spare (the log closes or is deleted). */
  async close(): Promise<void> {
    this.closed = true
    await this.opening
    const fh = this.ready
    this.ready = undefined
    if (fh !== undefined) await this.discard(fh)
  }

  /** Unlinks first (synchronously), so a spare opened meanwhile under the same name is never removed. */
  private async discard(fh: FileHandle): Promise<void> {
    try {
      unlinkSync(this.path)
    } catch {
      // Already gone: nothing to remove.
    }
    await fh.close().catch(() => {})
  }
}
