// The next segment's file is created ahead of its roll (segment-spare.ts): the roll renames it
// instead of opening a file through the thread pool inside the append queue.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { logConfig } from '../helpers/log-config.ts'
import { Log } from '../../src/storage/log.ts'
import { SPARE_SEGMENT_NAME } from '../../src/storage/segment-spare.ts'
import { sizedBatch, tempDir } from './helpers.ts'

const config = logConfig({ 'segment.bytes': 64 * 1024 })

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await sleep(5)
  assert.ok(cond(), what)
}

test('a roll takes the spare opened once the active segment was half full; nothing is left after close', { timeout: 60_000 }, async () => {
  const tmp = await tempDir()
  try {
    const dir = join(tmp.path, 't-0')
    const spare = join(dir, SPARE_SEGMENT_NAME)
    const log = await Log.open({ dir, config })
    await log.append(sizedBatch(20 * 1024))
    assert.ok(!existsSync(spare), 'no spare while the segment is under half full')
    await log.append(sizedBatch(20 * 1024))
    await until(() => log.spare.isReady, 'the spare is opened past half of segment.bytes')
    const inode = statSync(spare).ino
    await log.append(sizedBatch(30 * 1024)) // does not fit: rolls
    assert.equal(log.segments.length, 2)
    assert.equal(statSync(log.activeSegment.logPath).ino, inode, 'the new segment is the spare file')
    assert.ok(!existsSync(spare), 'the spare was renamed')
    await log.append(sizedBatch(20 * 1024))
    await until(() => log.spare.isReady, 'the next spare is opened')
    const end = log.logEndOffset
    await log.close()
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.tmp')), [], 'close removes the spare')

    const again = await Log.open({ dir, config })
    assert.equal(again.logEndOffset, end)
    assert.equal(again.segments.length, 2)
    const read = await again.read(0, 1024 * 1024)
    assert.ok(read.batches.length > 0)
    await again.close()
  } finally {
    await tmp.cleanup()
  }
})

test('a spare left by a crash is removed when the log loads', { timeout: 60_000 }, async () => {
  const tmp = await tempDir()
  try {
    const dir = join(tmp.path, 't-0')
    const log = await Log.open({ dir, config })
    await log.append(sizedBatch(1024))
    await log.close()
    writeFileSync(join(dir, SPARE_SEGMENT_NAME), '')
    const again = await Log.open({ dir, config })
    assert.ok(!existsSync(join(dir, SPARE_SEGMENT_NAME)))
    assert.equal(again.segments.length, 1)
    await again.close()
  } finally {
    await tmp.cleanup()
  }
})
