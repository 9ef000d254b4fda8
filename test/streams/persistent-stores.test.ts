// Persistent window and session stores (time segments in LMDB): the same operations give the same
// answers as the in-memory stores (a seeded random sequence of puts, deletes and reads), old
// segments are dropped from disk as stream time passes the retention, a reopened store keeps its
// content and stream time, and the DSL's windowed aggregations run on them through the test driver.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InMemorySessionStore, InMemoryWindowStore, PersistentSessionStore, PersistentWindowStore, Serdes, SessionWindows, StreamsBuilder, TimeWindows, TopologyTestDriver } from '../../src/streams/index.ts'
import { plainCodec } from '../../src/streams/state/kv-store.ts'
import type { ChangeLogger } from '../../src/streams/state/kv-store.ts'
import { readSortableTime, writeSortableTime } from '../../src/streams/state/segments.ts'

const S = Serdes.String()
const codec = plainCodec(Serdes.String())

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'samsa-streams-pstore-'))
}

/** A deterministic pseudo-random sequence (mulberry32). */
function rng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test('sortable times keep numeric order in byte order', () => {
  const times = [-Infinity, -1e15, -61_000, -1, -0.5, 0, 0.5, 1, 59_999, 60_000, 1e15, Infinity]
  const bufs = times.map((t) => {
    const b = Buffer.alloc(8)
    writeSortableTime(b, t, 0)
    return b
  })
  for (let i = 1; i < bufs.length; i++) assert.ok(Buffer.compare(bufs[i - 1]!, bufs[i]!) < 0, `${times[i - 1]} < ${times[i]}`)
  assert.deepEqual(bufs.map((b) => readSortableTime(b, 0)), times)
})

for (const dup of [false, true]) {
  test(`window store on LMDB answers as the in-memory one (retainDuplicates ${dup})`, () => {
    const dir = tempDir()
    try {
      const logA: string[] = []
      const logB: string[] = []
      const logger = (out: string[]): ChangeLogger => ({ log: (k, v, ts) => out.push(`${k.toString('hex')}=${v?.toString() ?? null}@${ts}`) })
      const mem = new InMemoryWindowStore('w', 200_000, 10_000, dup, S, codec, logger(logA))
      const disk = new PersistentWindowStore('w', 200_000, 10_000, dup, S, codec, logger(logB), dir)
      const r = rng(dup ? 7 : 3)
      const keys = ['a', 'b', 'ab', 'abc', 'z']
      for (let i = 0; i < 3000; i++) {
        const key = keys[Math.floor(r() * keys.length)]!
        const start = Math.floor(r() * (i * 300 + 1000) / 10_000) * 10_000
        const op = r()
        if (op < 0.6) {
          const v = op < 0.05 ? null : `v${i}`
          mem.put(key, v, start)
          disk.put(key, v, start)
        } else if (op < 0.8) {
          assert.deepEqual(disk.fetch(key, start), mem.fetch(key, start))
        } else if (op < 0.95) {
          const to = start + Math.floor(r() * 100_000)
          assert.deepEqual(disk.fetchRange(key, start, to), mem.fetchRange(key, start, to))
        } else {
          assert.deepEqual(disk.fetchAll(start, start + 50_000), mem.fetchAll(start, start + 50_000))
        }
        if (i % 500 === 0) disk.flush()
      }
      assert.deepEqual(disk.all(), mem.all())
      assert.deepEqual(logB, logA)
      // Old segments are gone from disk: stream time is near 900,000, retention 200,000, segments of 100,000.
      const segs = readdirSync(dir).map(Number).sort((a, b) => a - b)
      assert.ok(segs.length <= 4 && segs[0]! >= 6, `segments left: ${segs.join(',')}`)
      const before = disk.all()
      disk.close()
      const reopened = new PersistentWindowStore('w', 200_000, 10_000, dup, S, codec, null, dir)
      assert.deepEqual(reopened.all(), before)
      // Stream time survived the reopening: a window behind the retention is still refused.
      reopened.put('a', 'old', 0)
      assert.equal(reopened.fetch('a', 0), null)
      reopened.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

test('session store on LMDB answers as the in-memory one, and restores from its changelog records', () => {
  const dir = tempDir()
  const dir2 = tempDir()
  try {
    const changelog: [Buffer, Buffer | null][] = []
    const mem = new InMemorySessionStore('s', 300_000, S, codec, null)
    const disk = new PersistentSessionStore('s', 300_000, S, codec, { log: (k, v) => changelog.push([k, v]) }, dir)
    const r = rng(11)
    const keys = ['a', 'b', 'ab']
    for (let i = 0; i < 2000; i++) {
      const key = keys[Math.floor(r() * keys.length)]!
      const start = Math.floor(r() * (i * 500 + 1000))
      const end = start + Math.floor(r() * 5000)
      const op = r()
      if (op < 0.5) {
        mem.put({ key, window: { start, end } }, `v${i}`)
        disk.put({ key, window: { start, end } }, `v${i}`)
      } else if (op < 0.6) {
        const found = mem.findSessions(key, start - 20_000, end)
        const victim = found[Math.floor(r() * found.length)]
        if (victim !== undefined) {
          mem.remove(victim.key)
          disk.remove(victim.key)
        }
      } else if (op < 0.9) {
        assert.deepEqual(disk.findSessions(key, start - 10_000, end), mem.findSessions(key, start - 10_000, end))
      } else {
        const s = mem.fetch(key)[0]
        if (s !== undefined) assert.equal(disk.fetchSession(key, s.key.window.start, s.key.window.end), s.value)
      }
    }
    for (const k of keys) assert.deepEqual(disk.fetch(k), mem.fetch(k))
    const restored = new PersistentSessionStore<string, string>('s', 300_000, S, codec, null, dir2)
    for (const [k, v] of changelog) restored.restore(k, v)
    for (const k of keys) assert.deepEqual(restored.fetch(k), mem.fetch(k))
    disk.close()
    restored.close()
    const reopened = new PersistentSessionStore<string, string>('s', 300_000, S, codec, null, dir)
    for (const k of keys) assert.deepEqual(reopened.fetch(k), mem.fetch(k))
    reopened.wipe()
    assert.deepEqual(reopened.fetch('a'), [])
    reopened.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
    rmSync(dir2, { recursive: true, force: true })
  }
})

test('windowed and session counts run on persistent stores on disk through the test driver', () => {
  const b = new StreamsBuilder()
  const grouped = b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey()
  grouped.windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count({ storeName: 'tumbling' })
    .toStream().map((wk, v): [string, string] => [`${wk.key}@${wk.window.start}`, String(v)]).to('tumbling-out', { keySerde: S, valueSerde: S })
  grouped.windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 0)).count({ storeName: 'sessions' })
    .toStream().map((wk, v): [string, string] => [`${wk.key}@${wk.window.start}-${wk.window.end}`, String(v)]).to('session-out', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build(), { stateDir: 'temp' })
  const i = d.createInputTopic('in', S, S)
  for (const t of [1, 5, 12, 3, 16, 2, 19]) i.pipeInput('k', 'x', t)
  assert.deepEqual(d.createOutputTopic('tumbling-out', S, S).readKeyValuesToList(),
    [['k@0', '1'], ['k@0', '2'], ['k@10', '1'], ['k@0', '3'], ['k@10', '2'], ['k@10', '3']])
  // Gap 5, grace 0: 1 and 5 merge into [1,5]; 3 and 2 come when [1,5] has closed (stream time 12 > 5 + 5); 12, 16, 19 merge.
  assert.deepEqual(d.createOutputTopic('session-out', S, S).readKeyValuesToList(), [
    ['k@1-1', '1'], ['k@1-1', 'null'], ['k@1-5', '2'], ['k@12-12', '1'], ['k@12-12', 'null'], ['k@12-16', '2'], ['k@12-16', 'null'], ['k@12-19', '3'],
  ])
  const store = d.getWindowStore<string, { value: number }>('tumbling')!
  assert.equal(store.persistent, true)
  assert.deepEqual(store.fetchRange('k', 0, 100).map((w) => [w.timestamp, w.value.value]), [[0, 3], [10, 3]])
  assert.equal(d.getSessionStore('sessions')!.persistent, true)
  d.close()
})

test('a state directory left by a closed store holds its segments', () => {
  const dir = tempDir()
  try {
    const s = new PersistentWindowStore('w', 120_000, 1000, false, S, codec, null, join(dir, 'w'))
    s.put('k', 'v', 5000)
    s.close()
    assert.ok(existsSync(join(dir, 'w', '0')))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
