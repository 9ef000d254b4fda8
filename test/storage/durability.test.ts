// The fsync-before-ack contract, checked at the fsync call: a SIGKILL test cannot see a missing
// fsync (the page cache survives a killed process), so here every acknowledgement must come after
// an fdatasync that started after the append's write and has finished.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { open, readdir } from 'node:fs/promises'
import { logConfig } from '../helpers/log-config.ts'
import { Log } from '../../src/storage/log.ts'
import { Segment } from '../../src/storage/segment.ts'
import { batch, tempDir } from './helpers.ts'

/**
 * Holds every FileHandle fsync (sync and datasync) from `hold()` until `release()`; `restore()`
 * puts node's own methods back. `onSync` counts sync (not datasync) calls.
 */
async function fsyncGate(dir: string, onSync: () => void = () => {}) {
  const probe = await open(join(dir, 'probe'), 'w')
  const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void>, datasync: () => Promise<void> }
  await probe.close()
  const { sync, datasync } = proto
  let release!: () => void
  const gate = new Promise<void>((r) => { release = r })
  return {
    hold(): void {
      proto.sync = function (this: unknown) { onSync(); return gate.then(() => sync.call(this)) }
      proto.datasync = function (this: unknown) { return gate.then(() => datasync.call(this)) }
    },
    release: () => release(),
    restore(): void {
      proto.sync = sync
      proto.datasync = datasync
      release()
    },
  }
}

async function traced(raw: Record<string, unknown>, appends: number) {
  const tmp = await tempDir()
  const events: string[] = []
  const origFlush = Segment.prototype.flush
  Segment.prototype.flush = async function (this: Segment) {
    events.push('sync-start')
    await origFlush.call(this)
    events.push('sync-end')
  }
  try {
    const log = await Log.open({ dir: join(tmp.path, 'd-0'), config: logConfig(raw) })
    const origWritev = log.activeSegment.fh.writev.bind(log.activeSegment.fh)
    log.activeSegment.fh.writev = ((bufs: Buffer[], pos: number) => {
      events.push('write')
      return origWritev(bufs, pos)
    }) as typeof log.activeSegment.fh.writev
    const seg = log.activeSegment
    const origWriteSync = seg.writeSync.bind(seg)
    seg.writeSync = (bufs: Buffer[], pos: number) => {
      events.push('write')
      return origWriteSync(bufs, pos)
    }
    events.length = 0
    await Promise.all(Array.from({ length: appends }, (_, i) => log.append(batch(1, `a${i}`)).then(() => events.push('ack'))))
    await log.close()
    return events
  } finally {
    Segment.prototype.flush = origFlush
    await tmp.cleanup()
  }
}

test('flush.messages=1: every acknowledgement follows a finished fdatasync that began after its write', async () => {
  const events = await traced({ 'flush.messages': 1 }, 20)
  // Since the latest write: has an fdatasync both started and finished?
  let startedAfterWrite = false
  let durable = false
  for (const e of events.slice(0, events.lastIndexOf('ack') + 1)) {
    if (e === 'write') startedAfterWrite = durable = false
    if (e === 'sync-start') startedAfterWrite = true
    if (e === 'sync-end' && startedAfterWrite) durable = true
    if (e === 'ack') assert.ok(durable, events.join(' '))
  }
  // Group commit: fewer fsyncs than appends when appends queue up.
  const syncs = events.filter((e) => e === 'sync-start').length
  assert.ok(syncs < 20, `${syncs} fsyncs for 20 queued appends`)
})

test('default flush policy: appends are acknowledged without an fdatasync', async () => {
  const events = await traced({}, 20)
  const acks = events.lastIndexOf('ack')
  assert.equal(events.slice(0, acks).filter((e) => e === 'sync-start').length, 0)
})

test('a roll waits for no fsync: its producer snapshot is fsynced with the rolled segment, before the recovery point passes the roll', { timeout: 60_000 }, async () => {
  const tmp = await tempDir()
  let syncs = 0
  const gate = await fsyncGate(tmp.path, () => syncs++)
  try {
    const dir = join(tmp.path, 'd-0')
    const log = await Log.open({ dir, config: logConfig({}) })
    await log.append(batch(3, 'a'))
    // Every fsync (sync, datasync) waits for the gate from here on.
    gate.hold()
    const rolled = await Promise.race([log.roll().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5000))])
    assert.ok(rolled, 'the roll waited for an fsync')
    await log.append(batch(2, 'b'))
    assert.ok((await readdir(dir)).some((f) => f.endsWith('.snapshot')), 'the snapshot is written at the roll')
    assert.ok(log.recoveryPoint < 3, `recovery point ${log.recoveryPoint} passed the roll before any fsync`)
    gate.release()
    await log.flush()
    assert.ok(log.recoveryPoint >= 3, `recovery point ${log.recoveryPoint}`)
    // fsync (not fdatasync) calls: the directory, the rolled segment's two indexes, the snapshot.
    assert.ok(syncs >= 4, `${syncs} fsyncs`)
    await log.close()
  } finally {
    gate.restore()
    await tmp.cleanup()
  }
})

test('a roll unlinks no older snapshot itself: they go once its own snapshot is fsynced', { timeout: 60_000 }, async () => {
  const tmp = await tempDir()
  const gate = await fsyncGate(tmp.path)
  try {
    const dir = join(tmp.path, 'd-0')
    const snapshots = async () => (await readdir(dir)).filter((f) => f.endsWith('.snapshot')).sort()
    const log = await Log.open({ dir, config: logConfig({}) })
    for (const tag of ['a', 'b']) {
      await log.append(batch(2, tag))
      await log.roll()
    }
    await log.flush()
    const before = await snapshots()
    assert.equal(before.length, 2, before.join(' '))
    // From here every fsync waits for the gate: the roll below must not remove the oldest one yet.
    gate.hold()
    await log.append(batch(2, 'c'))
    await log.roll()
    assert.deepEqual((await snapshots()).slice(0, 2), before, 'the older snapshots stay until the new one is durable')
    gate.release()
    await log.flush()
    const after = await snapshots()
    assert.equal(after.length, 2, after.join(' '))
    assert.ok(!after.includes(before[0]!), `${before[0]} was removed`)
    await log.close()
  } finally {
    gate.restore()
    await tmp.cleanup()
  }
})
