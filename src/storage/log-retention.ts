// Removing data from a partition log, segment by segment: retention (retention.ms by a segment's
// largest timestamp, retention.bytes), the segment deletion behind DeleteRecords, and truncation
// from the end (replication). These work on the LogSegments only; the Log runs them under its
// `maintenance` mutex (truncation also inside its append queue) and then updates its offsets,
// leader epochs and producer state.
import { deletes } from './config.ts'
import type { LogConfig } from './config.ts'
import { fsyncDir } from './fs-util.ts'
import { maxIndexEntries } from './log-loader.ts'
import type { LogSegments } from './log-segments.ts'
import { Segment } from './segment.ts'

/**
 * Whether a segment is past retention.ms at `now`. Batches without timestamps (-1, from converted
 * magic 0 data) fall back to the segment's creation time, which a restart resets: such segments
 * are kept longer, never dropped early.
 */
export function retentionExpired(c: LogConfig, now: number): (s: Segment) => boolean {
  return (s) => deletes(c) && c.retentionMs >= 0 && (s.maxTimestamp >= 0 ? s.maxTimestamp : s.createdAt) < now - c.retentionMs
}

/** True when the active segment holds data and it and every other segment have expired (roll it so it can go too). */
export function everySegmentExpired(segments: LogSegments, expired: (s: Segment) => boolean): boolean {
  const active = segments.active
  return !active.isEmpty && expired(active) && segments.all.slice(0, -1).every(expired)
}

/** Deletes the segments whose successor starts at or below `startOffset`; returns how many. */
export async function deleteSegmentsBelow(segments: LogSegments, startOffset: number): Promise<number> {
  let n = 0
  while (segments.count > 1 && segments.all[1]!.baseOffset <= startOffset) {
    await segments.deleteFiles(segments.removeFirst())
    n++
  }
  return n
}

/**
 * Deletes the oldest segments past retention.ms or beyond retention.bytes (never the active one).
 * `advanceStart` is told the new first segment's base offset before each deletion.
 */
export async function deleteRetainedSegments(
  segments: LogSegments,
  c: LogConfig,
  expired: (s: Segment) => boolean,
  advanceStart: (offset: number) => void,
): Promise<number> {
  let deleted = 0
  let total = segments.size
  while (segments.count > 1) {
    const seg = segments.first
    const bySize = deletes(c) && c.retentionBytes >= 0 && total - seg.size >= c.retentionBytes
    if (!expired(seg) && !bySize) break
    segments.removeFirst()
    total -= seg.size
    advanceStart(segments.first.baseOffset)
    await segments.deleteFiles(seg)
    deleted++
  }
  return deleted
}

/**
 * Removes every batch from the one holding `offset` onwards; the active segment then ends where
 * that batch began. When even the first segment starts at or after `offset`, the log restarts
 * empty at `offset` and that is returned (the new log start offset).
 */
export async function truncateSegments(
  segments: LogSegments,
  offset: number,
  config: LogConfig,
  now: number,
): Promise<number | undefined> {
  while (segments.count > 1 && segments.active.baseOffset >= offset) {
    await segments.deleteFiles(segments.removeLast())
  }
  const seg = segments.active
  if (seg.baseOffset >= offset) {
    // Everything goes: restart the log at `offset`.
    segments.removeLast()
    await segments.deleteFiles(seg)
    const fresh = await Segment.create(segments.dir, offset, now, maxIndexEntries(config))
    await fsyncDir(segments.dir)
    segments.add(fresh)
    return offset
  }
  const cut = await seg.batchContaining(offset)
  await seg.truncateToPosition(cut.position, cut.baseOffset)
  await seg.refreshTail(config.indexIntervalBytes)
  seg.nextOffset = cut.baseOffset
  await seg.flush()
  return undefined
}

/** Deletes every segment and starts an empty one at `offset` (a follower behind the leader's log start). */
export async function restartSegmentsAt(segments: LogSegments, offset: number, config: LogConfig, now: number): Promise<void> {
  while (segments.count > 0) await segments.deleteFiles(segments.removeLast())
  const fresh = await Segment.create(segments.dir, offset, now, maxIndexEntries(config))
  await fsyncDir(segments.dir)
  segments.add(fresh)
}
