// Kafka's on-disk names: <topic>-<partition>/ holding segments named by their 20-digit base offset.
import { join } from 'node:path'

export const LOG_SUFFIX = '.log'
export const INDEX_SUFFIX = '.index'
export const TIME_INDEX_SUFFIX = '.timeindex'
/** Reserved for the transaction index (aborted transactions), built with transactions. */
export const TXN_INDEX_SUFFIX = '.txnindex'
/** A compacted replacement being written; deleted at start-up if found (the clean did not finish). */
export const CLEANED_SUFFIX = '.cleaned'
/** A compacted replacement that is complete; start-up finishes the swap. */
export const SWAP_SUFFIX = '.swap'
/** A segment removed from the log, unlinked once no reader holds it; deleted at start-up. */
export const DELETED_SUFFIX = '.deleted'
export const SEGMENT_SUFFIXES = [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint'
/** Reserved for producer-state snapshots (`<offset>.snapshot`), built with idempotence. */
export const PRODUCER_SNAPSHOT_SUFFIX = '.snapshot'
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint'
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint'
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint'
export const CLEAN_SHUTDOWN_MARKER = '.samsa_cleanshutdown'
/** A partition directory renamed for deletion: `<topic>-<partition>.<nonce>-delete`. */
export const DELETE_DIR_SUFFIX = '-delete'

export const offsetName = (offset: number): string => String(offset).padStart(20, '0')
export const segmentFile = (dir: string, base: number, suffix: string): string => join(dir, offsetName(base) + suffix)

export const partitionDirName = (topic: string, partition: number): string => `${topic}-${partition}`

/** Parses `<topic>-<partition>`; undefined for anything else (topic names may contain '-'). */
export function parsePartitionDir(name: string): { topic: string; partition: number } | undefined {
  const m = /^(.+)-(\d+)$/.exec(name)
  if (!m) return undefined
  return { topic: m[1]!, partition: Number(m[2]) }
}

/** Base offset from `00000000000000000042.log` (with an optional extra suffix), else undefined. */
export function parseSegmentName(name: string, suffix: string): number | undefined {
  if (!name.endsWith(suffix)) return undefined
  const stem = name.slice(0, name.length - suffix.length)
  return /^\d{20}$/.test(stem) ? Number(stem) : undefined
}
