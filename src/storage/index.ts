// Samsa storage: durable partition logs of RecordBatch v2 bytes. No network, no request types.
//
// Public API (offsets and timestamps are JS numbers < 2^53):
//
//   const manager = await LogManager.open({ logDirs, defaults?, topicConfig?, scheduler?, logger?,
//       tailCacheBytes?, flushCheckIntervalMs?, checkpointIntervalMs?, retentionCheckIntervalMs?,
//       cleanerBackoffMs?, cleanerEnabled?, cleanerMaxKeys?, producerIdExpirationMs?,
//       producerIdExpirationCheckIntervalMs? })
//   const log = await manager.getOrCreate(topic, partition, config?)   // a resolved LogConfig
//   manager.get(topic, partition) / manager.all() / await manager.delete(topic, partition)
//   manager.updateConfig(topic, config)      // the topic's new resolved LogConfig
//   await manager.runRetention() / runCleaner(force?) / flushDue() / checkpoint()   // also scheduled
//   await manager.close()                    // fsync, index files, checkpoints, clean-shutdown marker
//
//   await log.append(batches, { leaderEpoch?, origin? })
//       -> { baseOffset, lastOffset, logAppendTime, logStartOffset, recordCount }
//       validates (magic 2, CRC32C, sizes, max.message.bytes, count vs lastOffsetDelta), stamps offsets
//       in place (the Log keeps the buffer: do not reuse it), group-commits, fsyncs per flush.messages.
//       origin 'replication' keeps the batches' offsets/epochs (follower fetch), 'coordinator' may
//       write control batches, 'client' (default) may not.
//   await log.read(offset, maxBytes, { maxOffset?, minOneBatch? })
//       -> { batches: Buffer[], bytes, logStartOffset, logEndOffset }
//       whole batches from the one holding `offset` (first one even if > maxBytes), none with last
//       offset >= maxOffset (HW / LSO). In compacted logs the next fetch offset is the last returned
//       batch's last offset + 1 (records may be missing inside batches).
//   await log.offsetForTimestamp(t) / log.maxTimestamp()   -> { offset, timestamp } | undefined (batch granularity)
//   log.logStartOffset, log.logEndOffset, log.recoveryPoint, log.size, log.segments
//   log.epochs.latestEpoch / endOffsetFor(epoch, log.logEndOffset)   (OffsetForLeaderEpoch)
//   log.lastStableOffset(highWatermark); log.producerState (entries(), abortedTransactions(from, to))
//   await log.truncateTo(offset); await log.deleteRecordsBefore(offset); await log.flush(); await log.roll()
//   await log.close(); await log.delete()
//
// Errors are StorageError with the numeric Kafka error code to answer with in `errorCode` and its
// name in `code` (CORRUPT_MESSAGE, MESSAGE_TOO_LARGE,
// RECORD_LIST_TOO_LARGE, INVALID_RECORD, INVALID_TIMESTAMP, UNSUPPORTED_FOR_MESSAGE_FORMAT,
// OFFSET_OUT_OF_RANGE, POLICY_VIOLATION, INVALID_CONFIG, KAFKA_STORAGE_ERROR,
// NOT_LEADER_OR_FOLLOWER, plus the producer-state codes in errors.ts) or CORRUPT_LOG (refusing
// to open: see docs/storage.md). Durability defaults and recovery are described in docs/storage.md.
export { StorageError, isStorageError } from './errors.ts'
export type { StorageErrorCode } from './errors.ts'
export { DEFAULT_LOG_CONFIG } from './config.ts'
export type { CleanupPolicy, LogConfig, TimestampTypeName } from './config.ts'
export { ManualScheduler, systemScheduler } from './clock.ts'
export type { Scheduler } from './clock.ts'
export { silentLogger } from './logger.ts'
export type { StorageLogger } from './logger.ts'
export { Log } from './log.ts'
export type { AppendOptions, AppendResult, LogOptions, ReadOptions, ReadResult, TimestampOffset } from './log.ts'
export { TailCacheBudget } from './tail-cache.ts'
export type { BufferHold, HoldCollector } from './tail-cache.ts'
export { ProducerStateManager } from './producer/producer-state-manager.ts'
export type { AppendOrigin } from './append-validate.ts'
export type { AbortedTxn } from './txn-index.ts'
export type { EpochEntry } from './leader-epoch-cache.ts'
export { LogManager } from './log-manager.ts'
export type { LogManagerOptions } from './log-manager.ts'
export type { CleanResult } from './cleaner.ts'
