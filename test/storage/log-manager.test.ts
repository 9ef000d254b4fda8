import { test } from 'node:test'
import assert from 'node:assert/strict'
import { access, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ManualScheduler } from '../../src/storage/clock.ts'
import { logConfig } from '../helpers/log-config.ts'
import type { StorageError } from '../../src/storage/errors.ts'
import { LogManager } from '../../src/storage/log-manager.ts'
import { batch, decodeAll, recordingLogger, sizedBatch, tempDir } from './helpers.ts'

test('partitions spread over log dirs, survive a clean restart with checkpoints and a marker', async () => {
  const tmp = await tempDir()
  const dirs = [join(tmp.path, 'a'), join(tmp.path, 'b')]
  const m = await LogManager.open({ logDirs: dirs })
  for (let p = 0; p < 4; p++) {
    const log = await m.getOrCreate('orders', p)
    await log.append(batch(p + 1, `p${p}`))
  }
  assert.equal(await m.getOrCreate('orders', 0), m.get('orders', 0))
  await m.close()
  assert.equal((await readdir(dirs[0]!)).filter((n) => n.startsWith('orders-')).length, 2)
  assert.equal((await readdir(dirs[1]!)).filter((n) => n.startsWith('orders-')).length, 2)
  for (const d of dirs) {
    await access(join(d, '.samsa_cleanshutdown'))
    const text = await readFile(join(d, 'recovery-point-offset-checkpoint'), 'utf8')
    assert.match(text, /^0\n2\n/)
  }
  const logger = recordingLogger()
  const again = await LogManager.open({ logDirs: dirs, logger })
  for (let p = 0; p < 4; p++) assert.equal(again.get('orders', p)!.logEndOffset, p + 1)
  // The marker is gone as soon as the manager is open (a crash from now on is not clean).
  await assert.rejects(access(join(dirs[0]!, '.samsa_cleanshutdown')))
  assert.equal(logger.lines.filter((l) => l.level === 'warn').length, 0)
  await again.close()
  await tmp.cleanup()
})

test('garbage checkpoint files are ignored with a warning and the logs fully recovered', async () => {
  const tmp = await tempDir()
  const m = await LogManager.open({ logDirs: [tmp.path] })
  const log = await m.getOrCreate('t', 0)
  for (let i = 0; i < 10; i++) await log.append(batch(2))
  await m.close()
  await writeFile(join(tmp.path, 'recovery-point-offset-checkpoint'), '0\n1\nt 0 9999999\n#crc32c 00000000\n')
  await writeFile(join(tmp.path, 'log-start-offset-checkpoint'), Buffer.from([0xff, 0x00, 0x13]))
  const logger = recordingLogger()
  const again = await LogManager.open({ logDirs: [tmp.path], logger })
  assert.equal(again.get('t', 0)!.logEndOffset, 20)
  assert.equal(again.get('t', 0)!.logStartOffset, 0)
  assert.ok(logger.lines.filter((l) => /corrupt checkpoint/.test(l.msg)).length >= 2)
  await again.close()
  await tmp.cleanup()
})

test('retention.ms and retention.bytes delete whole old segments (injected clock)', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(1_000_000)
  const m = await LogManager.open({ logDirs: [tmp.path], scheduler: clock, retentionCheckIntervalMs: 1000, cleanerEnabled: false })
  const log = await m.getOrCreate('r', 0, logConfig({ 'segment.bytes': 1100, 'retention.ms': 10_000 }))
  // 10 segments of ~1 KiB; timestamps 1s apart.
  for (let i = 0; i < 10; i++) await log.append(sizedBatch(1000, 1_000_000 + i * 1000))
  assert.equal(log.segments.length, 10)
  assert.equal(await m.runRetention(), 0)
  clock.advance(14_500) // now = 1_014_500: batches with ts < 1_004_500 (i = 0..4) are expired
  assert.equal(await m.runRetention(), 5)
  assert.equal(log.logStartOffset, 5)
  assert.equal(decodeAll((await log.read(5, 10)).batches)[0]!.offset, 5)
  await assert.rejects(log.read(4, 10), (e: StorageError) => e.code === 'OFFSET_OUT_OF_RANGE')
  // retention.bytes: keep at most ~3 segments.
  const segSize = log.segments[0]!.size
  m.updateConfig('r', logConfig({ 'segment.bytes': 1100, 'retention.ms': -1, 'retention.bytes': 3 * segSize }))
  await m.runRetention()
  assert.ok(log.size <= 3 * segSize, `size ${log.size}`)
  assert.equal(log.segments.length, 3)
  assert.equal(log.logStartOffset, 7)
  // Everything expired: the active segment is rolled and deleted too; appends continue at the end.
  m.updateConfig('r', logConfig({ 'retention.ms': 1000 }))
  clock.advance(100_000)
  await m.runRetention()
  assert.equal(log.logStartOffset, 10)
  assert.equal(log.logEndOffset, 10)
  assert.equal((await log.append(batch(1))).baseOffset, 10)
  // The scheduled job runs retention on its own as time passes.
  await m.close()
  await tmp.cleanup()
})

test('flush.ms is applied by the scheduled flush job; flush.messages=1 fsyncs before acknowledging', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler()
  const m = await LogManager.open({ logDirs: [tmp.path], scheduler: clock, flushCheckIntervalMs: 100, cleanerEnabled: false })
  const lazy = await m.getOrCreate('lazy', 0, logConfig({ 'flush.ms': 1000 }))
  const eager = await m.getOrCreate('eager', 0, logConfig({ 'flush.messages': 1 }))
  await lazy.append(batch(3))
  await eager.append(batch(3))
  assert.equal(eager.recoveryPoint, 3)
  assert.equal(lazy.recoveryPoint, 0)
  assert.equal(lazy.unflushed, 3)
  clock.advance(500)
  await m.flushDue()
  assert.equal(lazy.recoveryPoint, 0)
  clock.advance(600)
  await m.flushDue()
  assert.equal(lazy.recoveryPoint, 3)
  await m.close()
  await tmp.cleanup()
})

test('deleteRecords moves the log start offset durably; delete() removes a partition', async () => {
  const tmp = await tempDir()
  const m = await LogManager.open({ logDirs: [tmp.path] })
  const log = await m.getOrCreate('d', 0, logConfig({ 'segment.bytes': 500 }))
  for (let i = 0; i < 20; i++) await log.append(batch(2))
  await log.deleteRecordsBefore(13)
  await m.checkpoint()
  const text = await readFile(join(tmp.path, 'log-start-offset-checkpoint'), 'utf8')
  assert.match(text, /^d 0 13$/m)
  await m.close()
  const again = await LogManager.open({ logDirs: [tmp.path] })
  assert.equal(again.get('d', 0)!.logStartOffset, 13)
  await again.delete('d', 0)
  assert.equal(again.get('d', 0), undefined)
  assert.ok(!(await readdir(tmp.path)).some((n) => n.startsWith('d-0')))
  await again.close()
  await tmp.cleanup()
})

test('a LogManager runs new logs with its defaults unless given a config; bad partition names are refused', async () => {
  const d = logConfig({ 'flush.messages': 1 })
  const tmp = await tempDir()
  const m = await LogManager.open({ logDirs: [tmp.path], defaults: d })
  assert.equal((await m.getOrCreate('x', 0)).config.flushMessages, 1)
  assert.equal((await m.getOrCreate('y', 0, logConfig({ 'flush.messages': 7 }))).config.flushMessages, 7)
  await assert.rejects(m.getOrCreate('bad/name', 0), (e: StorageError) => e.code === 'INVALID_CONFIG')
  await m.close()
  await tmp.cleanup()
})

test('segments whose batches carry no timestamp (-1) expire by their creation time, not at once', async () => {
  const tmp = await tempDir()
  const clock = new ManualScheduler(5_000_000)
  const m = await LogManager.open({ logDirs: [tmp.path], scheduler: clock, cleanerEnabled: false })
  const log = await m.getOrCreate('old', 0, logConfig({ 'segment.bytes': 1100, 'retention.ms': 60_000 }))
  for (let i = 0; i < 3; i++) await log.append(sizedBatch(1000, -1))
  assert.equal(log.segments.length, 3)
  assert.equal(await m.runRetention(), 0)
  clock.advance(61_000)
  assert.equal(await m.runRetention(), 3)
  assert.equal(log.logStartOffset, 3)
  await m.close()
  await tmp.cleanup()
})

test('concurrent checkpoint writes of one file do not collide; stray temp files are removed at start', async () => {
  const tmp = await tempDir()
  const m = await LogManager.open({ logDirs: [tmp.path] })
  const log = await m.getOrCreate('e', 0)
  await log.append(batch(1), { leaderEpoch: 1 })
  await Promise.all([log.epochs.persist(), log.epochs.persist(), log.epochs.persist(), m.checkpoint(), m.checkpoint()])
  await m.close()
  await writeFile(join(tmp.path, 'recovery-point-offset-checkpoint.123-4.tmp'), 'partial')
  const again = await LogManager.open({ logDirs: [tmp.path] })
  assert.ok(!(await readdir(tmp.path)).some((n) => n.endsWith('.tmp')))
  assert.deepEqual(again.get('e', 0)!.epochs.all, [{ epoch: 1, startOffset: 0 }])
  await again.close()
  await tmp.cleanup()
})

test('concurrent getOrCreate calls for one partition return the same log', async () => {
  const tmp = await tempDir()
  const m = await LogManager.open({ logDirs: [tmp.path] })
  const [a, b, c] = await Promise.all([m.getOrCreate('same', 3), m.getOrCreate('same', 3), m.getOrCreate('same', 3)])
  assert.ok(a === b && b === c)
  assert.equal([...m.all()].length, 1)
  await m.close()
  await tmp.cleanup()
})
