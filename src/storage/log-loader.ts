// Opening a partition directory: finish or discard interrupted cleaner swaps, load segments and
// indexes, and recover. After a clean shutdown only the tail of the last segment is re-read (from
// its last index entry). After a crash every batch from the segment holding the recovery point on
// is re-validated; the first bad batch and everything after it are truncated and reported. A bad
// batch *before* the recovery point means data that was fsynced is damaged: opening fails with
// CORRUPT_LOG naming the file (docs/storage.md explains the way out).
import { mkdir, readdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { LogConfig } from './config.ts'
import { StorageError } from './errors.ts'
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  parseSegmentName,
  segmentFile,
} from './file-names.ts'
import { fsyncDir, unlinkIfExists } from './fs-util.ts'
import { LeaderEpochCache } from './leader-epoch-cache.ts'
import type { StorageLogger } from './logger.ts'
import { Segment } from './segment.ts'

export interface LoadOptions {
  config: LogConfig
  now: number
  logger: StorageLogger
  /** Offset up to which data is known to be fsynced; 0 = validate everything. */
  recoveryPoint: number
  logStartOffset: number
  cleanShutdown: boolean
}

export interface LoadedLog {
  segments: Segment[]
  logStartOffset: number
  recoveryPoint: number
  /** The leader-epoch-checkpoint, cut to the recovered offset range. */
  epochs: LeaderEpochCache
}

export const maxIndexEntries = (c: LogConfig): number => Math.max(1, Math.floor(c.segmentIndexBytes / 8))

export async function loadLog(dir: string, opts: LoadOptions): Promise<LoadedLog> {
  const { config, logger } = opts
  await mkdir(dir, { recursive: true })
  let names = await readdir(dir)

  // 1. A `.log.swap` is a finished compacted segment whose swap was interrupted: complete it. Its
  //    old index files may be stale, so they are removed and rebuilt.
  let changed = false
  for (const name of names) {
    const base = parseSegmentName(name, LOG_SUFFIX + SWAP_SUFFIX)
    if (base === undefined) continue
    for (const s of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) await unlinkIfExists(segmentFile(dir, base, s))
    await rename(join(dir, name), segmentFile(dir, base, LOG_SUFFIX))
    logger.info({ dir, base }, 'completed an interrupted compaction swap')
    changed = true
  }
  // 2. Leftovers of unfinished work: cleaner output, deleted segments, checkpoint temp files.
  for (const name of names) {
    if ([CLEANED_SUFFIX, DELETED_SUFFIX, '.tmp', SWAP_SUFFIX].some((s) => name.endsWith(s))) {
      await unlinkIfExists(join(dir, name))
      changed = true
    }
  }
  if (changed) {
    await fsyncDir(dir)
    names = await readdir(dir)
  }

  const bases = names
    .map((n) => parseSegmentName(n, LOG_SUFFIX))
    .filter((b): b is number => b !== undefined)
    .sort((a, b) => a - b)
  const entries = maxIndexEntries(config)
  const segments: Segment[] = []
  try {
    for (const base of bases) segments.push(await Segment.openExisting(dir, base, opts.now, entries))
    if (segments.length === 0) {
      segments.push(await Segment.create(dir, Math.max(0, opts.logStartOffset), opts.now, entries))
      await fsyncDir(dir)
    }
    const recoveryPoint = await recover(dir, segments, opts)
    let logStartOffset = Math.max(opts.logStartOffset, segments[0]!.baseOffset)
    const leo = segments[segments.length - 1]!.nextOffset
    if (logStartOffset > leo) {
      logger.warn({ dir, logStartOffset, logEndOffset: leo }, 'log start offset beyond the recovered log end; clamping')
      logStartOffset = leo
    }
    const epochs = await LeaderEpochCache.load(dir, logger)
    let epochsChanged = epochs.truncateFromEnd(leo)
    epochsChanged = epochs.truncateFromStart(logStartOffset) || epochsChanged
    if (epochsChanged) await epochs.persist()
    return { segments, logStartOffset, recoveryPoint, epochs }
  } catch (e) {
    for (const s of segments) await s.close()
    throw e
  }
}

async function recover(dir: string, segments: Segment[], opts: LoadOptions): Promise<number> {
  const { config, logger } = opts
  const interval = config.indexIntervalBytes
  const rp = opts.cleanShutdown ? Infinity : opts.recoveryPoint
  // Segments wholly before the recovery point are trusted; recovery starts at the one holding it.
  let first = segments.length
  if (!opts.cleanShutdown) {
    first = 0
    for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= rp) first = i
  }
  const corrupt = (seg: Segment, position: number, problem: string) =>
    new StorageError(
      'CORRUPT_LOG',
      `Corrupt data before the recovery point in ${seg.logPath} at byte ${position}: ${problem}. ` +
        'See docs/storage.md ("Refusing to start") for how to recover.',
    )

  for (let i = 0; i < Math.min(first, segments.length); i++) {
    const seg = segments[i]!
    const last = i === segments.length - 1
    const loaded = await seg.loadIndexes()
    if (!loaded || last) {
      const from = loaded ? seg.index.lastPosition : 0
      const expected = loaded ? seg.index.lastOffset : seg.baseOffset
      const res = await seg.scanFrom(from, interval, expected, last ? Infinity : segments[i + 1]!.baseOffset)
      if (res.problem) throw corrupt(seg, res.validEnd, res.problem)
      if (!loaded) logger.warn({ file: seg.logPath }, 'rebuilt missing or invalid index files')
    }
    if (!last) seg.nextOffset = segments[i + 1]!.baseOffset
  }

  let expected = first > 0 ? segments[first - 1]!.nextOffset : segments[0]!.baseOffset
  for (let i = first; i < segments.length; i++) {
    const seg = segments[i]!
    const bound = i + 1 < segments.length ? segments[i + 1]!.baseOffset : Infinity
    const res = await seg.scanFrom(0, interval, Math.max(expected, seg.baseOffset), bound)
    if (res.problem) {
      if (res.nextOffset < rp) throw corrupt(seg, res.validEnd, res.problem)
      const lostBytes = seg.size - res.validEnd
      await seg.truncateToPosition(res.validEnd, res.nextOffset)
      const removed = segments.splice(i + 1)
      for (const r of removed) {
        await r.close()
        await Segment.deleteFiles(dir, r.baseOffset)
      }
      logger.warn(
        {
          file: seg.logPath,
          position: res.validEnd,
          offset: res.nextOffset,
          truncatedBytes: lostBytes + removed.reduce((n, r) => n + r.size, 0),
          deletedSegments: removed.map((r) => r.logPath),
          reason: res.problem,
        },
        'truncated a torn or corrupt log tail during recovery',
      )
      await seg.flush()
      break
    }
    await seg.flush()
    expected = seg.nextOffset
  }
  const leo = segments[segments.length - 1]!.nextOffset
  if (rp !== Infinity && rp > leo) {
    logger.warn({ dir, recoveryPoint: rp, logEndOffset: leo }, 'recovery point beyond log end')
  }
  return leo
}
