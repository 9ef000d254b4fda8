import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFile, readFile, stat, truncate, writeFile, unlink, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { logConfig } from '../helpers/log-config.ts'
import type { StorageError } from '../../src/storage/errors.ts'
import { Log } from '../../src/storage/log.ts'
import { batch, decodeAll, recordingLogger, tempDir } from './helpers.ts'

const CONFIG = { 'segment.bytes': 2000, 'index.interval.bytes': 200 }
const seg = (dir: string, base: number, suffix = '.log') => join(dir, 'topic-0', String(base).padStart(20, '0') + suffix)

async function filled(dir: string, batches = 60) {
  const log = await Log.open({ dir: join(dir, 'topic-0'), config: logConfig(CONFIG) })
  for (let i = 0; i < batches; i++) await log.append(batch(2, `r${i}`))
  const bases = log.segments.map((s) => s.baseOffset)
  await log.close()
  return bases
}

/** Opens as after a crash: no clean-shutdown marker, recovery point as given (default 0). */
async function reopen(dir: string, recoveryPoint = 0, cleanShutdown = false) {
  const logger = recordingLogger()
  const log = await Log.open({ dir: join(dir, 'topic-0'), config: logConfig(CONFIG), logger, recoveryPoint, cleanShutdown })
  return { log, logger }
}

async function readAll(log: Log) {
  const out: { offset: number; value: string | null }[] = []
  let offset = log.logStartOffset
  while (offset < log.logEndOffset) {
    const recs = decodeAll((await log.read(offset, 1 << 20)).batches)
    if (recs.length === 0) break
    out.push(...recs)
    offset = recs[recs.length - 1]!.offset + 1
  }
  return out
}

function assertContiguous(recs: { offset: number }[], end: number) {
  assert.deepEqual(recs.map((r) => r.offset), Array.from({ length: end }, (_, i) => i))
}

test('a torn last batch is truncated, reported, and appends continue', async () => {
  const tmp = await tempDir()
  const bases = await filled(tmp.path)
  const last = seg(tmp.path, bases[bases.length - 1]!)
  await truncate(last, (await stat(last)).size - 10)
  const { log, logger } = await reopen(tmp.path)
  assert.equal(log.logEndOffset, 118)
  const warn = logger.lines.find((l) => l.level === 'warn' && /truncated/.test(l.msg))
  assert.ok(warn, 'truncation is logged')
  assert.equal((warn.obj as { file: string }).file, last)
  assertContiguous(await readAll(log), 118)
  assert.equal((await log.append(batch(1))).baseOffset, 118)
  await log.close()
  await tmp.cleanup()
})

test('a zero-filled tail is truncated', async () => {
  const tmp = await tempDir()
  const bases = await filled(tmp.path)
  await appendFile(seg(tmp.path, bases[bases.length - 1]!), Buffer.alloc(4096))
  const { log, logger } = await reopen(tmp.path)
  assert.equal(log.logEndOffset, 120)
  assert.ok(logger.lines.some((l) => /truncated/.test(l.msg)))
  assertContiguous(await readAll(log), 120)
  await log.close()
  await tmp.cleanup()
})

test('a flipped byte after the recovery point truncates from that batch, dropping later segments', async () => {
  const tmp = await tempDir()
  const bases = await filled(tmp.path)
  assert.ok(bases.length >= 3)
  const victim = seg(tmp.path, bases[1]!)
  const data = await readFile(victim)
  data[300]! ^= 0x01
  await writeFile(victim, data)
  const { log } = await reopen(tmp.path)
  assert.ok(log.logEndOffset > bases[1]! && log.logEndOffset < bases[2]!, `end ${log.logEndOffset}`)
  assert.equal(log.segments.length, 2)
  assertContiguous(await readAll(log), log.logEndOffset)
  const files = await readdir(join(tmp.path, 'topic-0'))
  assert.ok(!files.includes(String(bases[2]).padStart(20, '0') + '.log'))
  await log.close()
  await tmp.cleanup()
})

test('corruption before the recovery point refuses to start, naming the file; lowering the recovery point recovers', async () => {
  const tmp = await tempDir()
  const bases = await filled(tmp.path)
  const victim = seg(tmp.path, bases[bases.length - 1]!)
  const data = await readFile(victim)
  data[data.length - 5]! ^= 0x40 // inside the last batch
  await writeFile(victim, data)
  await assert.rejects(reopen(tmp.path, 120), (e: StorageError) => e.code === 'CORRUPT_LOG' && e.message.includes(victim))
  await assert.rejects(reopen(tmp.path, 0, true), (e: StorageError) => e.code === 'CORRUPT_LOG')
  // The documented way out: recover from an earlier recovery point (here: 0, the whole log).
  const { log } = await reopen(tmp.path, 0)
  assert.equal(log.logEndOffset, 118)
  await log.close()
  await tmp.cleanup()
})

test('a truncated middle segment is treated as a torn tail after the recovery point', async () => {
  const tmp = await tempDir()
  const bases = await filled(tmp.path)
  await truncate(seg(tmp.path, bases[0]!), 500)
  const { log } = await reopen(tmp.path)
  assert.equal(log.segments.length, 1)
  assertContiguous(await readAll(log), log.logEndOffset)
  assert.ok(log.logEndOffset > 0)
  await log.close()
  await tmp.cleanup()
})

test('missing and garbage index files are rebuilt after a clean shutdown', async () => {
  const tmp = await tempDir()
  const bases = await filled(tmp.path)
  await unlink(seg(tmp.path, bases[0]!, '.index'))
  await unlink(seg(tmp.path, bases[1]!, '.timeindex'))
  await writeFile(seg(tmp.path, bases[2]!, '.index'), Buffer.from('garbage!garbage!'))
  await writeFile(seg(tmp.path, bases[bases.length - 1]!, '.timeindex'), Buffer.alloc(7, 1))
  const { log, logger } = await reopen(tmp.path, 0, true)
  assert.equal(log.logEndOffset, 120)
  assert.ok(logger.lines.filter((l) => /rebuilt/.test(l.msg)).length >= 3)
  assertContiguous(await readAll(log), 120)
  for (const b of bases) {
    const r = await log.read(b + 1, 100)
    assert.equal(decodeAll(r.batches)[0]!.offset, b + 1 - ((b + 1) % 2))
  }
  assert.equal((await log.offsetForTimestamp(0))?.offset, 0)
  await log.close()
  await tmp.cleanup()
})

test('an index pointing at the wrong place is detected and rebuilt', async () => {
  const tmp = await tempDir()
  const bases = await filled(tmp.path)
  const idx = seg(tmp.path, bases[0]!, '.index')
  const data = await readFile(idx)
  assert.ok(data.length >= 16)
  data.writeInt32BE(data.readInt32BE(data.length - 8) + 2, data.length - 8) // shift the last entry's offset
  await writeFile(idx, data)
  const { log, logger } = await reopen(tmp.path, 0, true)
  assert.ok(logger.lines.some((l) => /rebuilt/.test(l.msg)))
  assertContiguous(await readAll(log), 120)
  await log.close()
  await tmp.cleanup()
})

test('a garbage leader epoch checkpoint is ignored with a warning', async () => {
  const tmp = await tempDir()
  await filled(tmp.path, 3)
  await writeFile(join(tmp.path, 'topic-0', 'leader-epoch-checkpoint'), 'zzz\n')
  const { log, logger } = await reopen(tmp.path)
  assert.deepEqual(log.epochs.all, [])
  assert.ok(logger.lines.some((l) => l.level === 'warn' && /epoch/.test(l.msg)))
  await log.close()
  await tmp.cleanup()
})

test('leftover .cleaned/.deleted files are removed; a .swap is completed', async () => {
  const tmp = await tempDir()
  const bases = await filled(tmp.path)
  const dir = join(tmp.path, 'topic-0')
  await writeFile(seg(tmp.path, bases[0]!, '.log.cleaned'), 'junk')
  await writeFile(seg(tmp.path, 999, '.log.deleted'), 'junk')
  // A complete swap: the same data as segment 1 stands in for its compacted copy.
  const original = await readFile(seg(tmp.path, bases[1]!))
  await writeFile(seg(tmp.path, bases[1]!, '.log.swap'), original)
  await writeFile(seg(tmp.path, bases[1]!), 'stale content that must be replaced')
  const { log } = await reopen(tmp.path)
  const files = await readdir(dir)
  assert.ok(!files.some((f) => f.endsWith('.cleaned') || f.endsWith('.deleted') || f.endsWith('.swap')), files.join())
  assert.equal(log.logEndOffset, 120)
  assertContiguous(await readAll(log), 120)
  await log.close()
  await tmp.cleanup()
})
