// Appends, reads, flushes, retention, compaction and DeleteRecords interleaved at random on one
// log, plus replication-style truncation (the event loop interleaves them at every await): nothing throws unexpectedly, every read
// returns valid whole batches at or after the requested offset, and a full recovery afterwards
// finds no damage.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'
import { batchSize } from '../../src/protocol/records/batch-header.ts'
import { cleanLog } from '../../src/storage/cleaner.ts'
import { ManualScheduler } from '../../src/storage/clock.ts'
import { logConfig } from '../helpers/log-config.ts'
import type { StorageError } from '../../src/storage/errors.ts'
import { Log } from '../../src/storage/log.ts'
import { TailCacheBudget } from '../../src/storage/tail-cache.ts'
import { recordingLogger, tempDir } from './helpers.ts'

const CONFIG = logConfig({
  'cleanup.policy': 'compact,delete',
  'segment.bytes': 2048,
  'index.interval.bytes': 256,
  'retention.bytes': 40_000,
  'min.cleanable.dirty.ratio': 0.01,
  'delete.retention.ms': 500,
})

test('random interleavings of appends, reads, retention, compaction, DeleteRecords and truncation stay consistent', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler()
  const dir = join(tmp.path, 'mix-0')
  const log = await Log.open({ dir, config: CONFIG, scheduler: clock, tailCache: new TailCacheBudget(8 * 1024) })
  let seed = Number(process.env.STORAGE_MIX_SEED ?? 12345)
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
  const ops: Promise<unknown>[] = []
  let reads = 0
  const checkRead = async (offset: number) => {
    try {
      const r = await log.read(offset, 1 + rand(5000))
      for (const buf of r.batches) {
        for (let p = 0; p < buf.length; p += batchSize(buf, p)) {
          const b = decodeRecordBatch(buf, p)
          assert.ok(b.baseOffset + b.lastOffsetDelta >= offset, 'batch ends at or after the fetch offset')
        }
      }
      reads++
    } catch (e) {
      // Retention or DeleteRecords may move the log start past a chosen offset meanwhile.
      assert.equal((e as StorageError).code, 'OFFSET_OUT_OF_RANGE', String(e))
    }
  }
  for (let i = 0; i < 3000; i++) {
    const op = rand(100)
    if (op < 55) {
      const records = Array.from({ length: 1 + rand(4) }, () => {
        const k = `k${rand(60)}`
        return { key: Buffer.from(k), value: rand(10) === 0 ? null : Buffer.from(`${k}-${i}`), timestamp: clock.now() }
      })
      ops.push(log.append(buildRecordBatch({ records, compression: rand(3) === 0 ? 1 : 0 })))
    } else if (op < 85) {
      const span = log.logEndOffset - log.logStartOffset
      ops.push(checkRead(log.logStartOffset + (span > 0 ? rand(span + 1) : 0)))
    } else if (op < 90) ops.push(log.flush())
    else if (op < 94) ops.push(log.applyRetention(clock.now()))
    else if (op < 98) ops.push(cleanLog(log, { now: clock.now(), firstDirtyOffset: 0, force: rand(2) === 0 }))
    else if (op < 99) ops.push(log.deleteRecordsBefore(log.logStartOffset + rand(Math.max(1, Math.floor((log.logEndOffset - log.logStartOffset) / 10)))))
    else if (rand(2) === 0) ops.push(log.truncateTo(Math.max(log.logStartOffset, log.logEndOffset - rand(8))))
    else ops.push(log.roll())
    clock.advance(rand(20))
    if (rand(20) === 0) await Promise.all(ops.splice(0))
  }
  await Promise.all(ops)
  assert.ok(reads > 500)
  const end = log.logEndOffset
  const start = log.logStartOffset
  await log.close()
  const logger = recordingLogger()
  const again = await Log.open({ dir, config: CONFIG, logger, logStartOffset: start })
  assert.equal(again.logEndOffset, end)
  assert.equal(logger.lines.filter((l) => l.level !== 'info').length, 0, JSON.stringify(logger.lines))
  await again.close()
  await tmp.cleanup()
})
