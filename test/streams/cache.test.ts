// The record cache (statestore.cache.max.bytes): a cached store coalesces each key's updates until
// flushCache(), then writes and logs each key once and tells the flush listener the new and the
// previous value; reads see cached values; a range read spills them to the byte store; a full
// cache flushes. On a broker, a count forwards each key once per commit instead of once per record.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Producer } from '../../src/client/index.ts'
import { KafkaStreams, KeyValueStore, Serdes, StreamsBuilder } from '../../src/streams/index.ts'
import { join } from 'node:path'
import { InMemoryBytesStore } from '../../src/streams/state/bytes-store.ts'
import { LmdbBytesStore } from '../../src/streams/state/lmdb-store.ts'
import { plainCodec } from '../../src/streams/state/kv-store.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { latest, readUntil, streamsBroker } from './helpers.ts'

const S = Serdes.String()

function cachedStore(maxEntries: number) {
  const logged: string[] = []
  const flushed: string[] = []
  const inner = new InMemoryBytesStore()
  const s = new KeyValueStore<string, number>('c', S, plainCodec(Serdes.Long()), inner, { log: (k, v) => logged.push(`${k}=${v === null ? null : v.readBigInt64BE(0)}`) }, 'c', maxEntries)
  s.setFlushListener((k, nv, ov, ts, headers) => flushed.push(`${k}:${ov}->${nv}@${ts}${headers.length > 0 ? `+${headers[0]!.key}` : ''}`))
  return { s, inner, logged, flushed }
}

test('a cached store coalesces updates per key until flushCache, then writes, logs and reports each key once', () => {
  const { s, inner, logged, flushed } = cachedStore(100)
  assert.equal(s.cached, true)
  s.put('a', 1, 10)
  s.put('a', 2, 11)
  s.put('b', 1, 12, [{ key: 'h', value: null }])
  s.put('a', 3, 13)
  assert.equal(s.get('a'), 3, 'reads see the cache')
  assert.equal(inner.count(), 0, 'nothing written yet')
  assert.deepEqual(logged, [])
  s.flushCache()
  assert.deepEqual(flushed, ['a:null->3@13', 'b:null->1@12+h'])
  assert.deepEqual(logged, ['a=3', 'b=1'])
  s.put('a', 4, 20)
  s.put('a', null, 21)
  s.flushCache()
  assert.deepEqual(flushed.slice(2), ['a:3->null@21'], 'the old value is the one before the coalesced updates')
  assert.equal(s.get('a'), null)
  assert.equal(s.dirty, false)
})

test('flushed entries stay cached, clean: the next update of a key does not read the byte store', () => {
  const { s, inner, flushed } = cachedStore(3)
  let reads = 0
  const get = inner.get.bind(inner)
  inner.get = (k) => { reads++; return get(k) }
  s.put('a', 1, 1)
  s.put('b', 1, 1)
  assert.equal(reads, 2, 'first sight of a key: its value comes from the byte store')
  s.flushCache()
  s.put('a', 2, 2)
  assert.equal(s.get('b'), 1)
  assert.equal(reads, 2, 'after the flush: both read from the cache')
  s.flushCache()
  assert.deepEqual(flushed, ['a:null->1@1', 'b:null->1@1', 'a:1->2@2'], 'the old value of a clean entry is its cached one')
  s.put('c', 1, 3)
  s.put('d', 1, 4) // over the bound: the oldest clean entry (a) leaves, nothing is flushed
  assert.equal(flushed.length, 3)
  assert.equal(s.get('a'), 2, 'an evicted key reads from the byte store')
  assert.equal(reads, 5)
  assert.equal(s.dirty, true)
})

test('a range read spills cached updates (forwarded later, once); a full cache flushes itself', () => {
  const { s, logged, flushed } = cachedStore(3)
  s.put('x', 1, 1)
  s.put('y', 1, 1)
  assert.deepEqual(s.all().map((e) => [e.key, e.value]), [['x', 1], ['y', 1]])
  assert.deepEqual(flushed, [])
  s.put('x', 2, 2)
  s.flushCache()
  assert.deepEqual(flushed, ['x:null->2@2', 'y:null->1@1'])
  assert.deepEqual(logged, ['x=1', 'y=1', 'x=2'])
  const full = cachedStore(3)
  for (const k of ['a', 'b', 'c', 'd']) full.s.put(k, 1, 1)
  assert.equal(full.flushed.length, 4, 'the fourth key overflowed the cache: all flushed')
  assert.equal(full.s.dirty, false)
})

test('on LMDB: a flush writes its keys in one go (visible to the flush listener), sends changes with logNow in order, never log', () => {
  const dir = makeTempDir('samsa-cache-lmdb-')
  try {
    const inner = new LmdbBytesStore(join(dir, 'store'))
    const now: string[] = []
    const logger = { log: () => assert.fail('a cached store sends its changes at once'), logNow: (k: Buffer, v: Buffer | null) => now.push(`${k}=${v === null ? null : v.readBigInt64BE(0)}`) }
    const s = new KeyValueStore<string, number>('c', S, plainCodec(Serdes.Long()), inner, logger, 'c', 100)
    const seen: string[] = []
    s.setFlushListener((k) => {
      const other = inner.get(Buffer.from(k === 'a' ? 'b' : 'a'))
      seen.push(`${k} sees ${other === undefined ? null : other.readBigInt64BE(0)}`)
    })
    s.put('a', 1, 1)
    s.put('b', 1, 1)
    assert.deepEqual(s.all().map((e) => [e.key, e.value]), [['a', 1], ['b', 1]], 'a range read spills')
    s.put('a', 2, 2)
    s.put('b', 2, 2)
    s.flushCache()
    assert.deepEqual(now, ['a=1', 'b=1', 'a=2', 'b=2'], 'the spilled and the flushed changes, in order')
    assert.deepEqual(seen, ['a sees 2', 'b sees 2'], 'the whole flush is in the byte store before the first key is forwarded')
    s.delete('a')
    s.flushCache()
    assert.equal(inner.get(Buffer.from('a')), undefined)
    assert.equal(inner.count(), 1)
    s.close()
  } finally {
    removeTempDir(dir)
  }
})

test('LMDB keeps flushed entries readable: updates after a flush, putAll over them and a reopen all read the latest value', () => {
  const dir = makeTempDir('samsa-lmdb-recent-')
  try {
    const path = join(dir, 'store')
    const s = new LmdbBytesStore(path)
    const v = (n: number) => Buffer.from([n])
    s.put(Buffer.from('a'), v(1))
    s.put(Buffer.from('b'), v(1))
    s.flush()
    assert.deepEqual(s.get(Buffer.from('a')), v(1))
    s.put(Buffer.from('a'), v(2))
    s.put(Buffer.from('b'), null)
    assert.deepEqual(s.get(Buffer.from('a')), v(2))
    assert.equal(s.get(Buffer.from('b')), undefined)
    assert.equal(s.count(), 1)
    s.flush()
    s.putAll([Buffer.from('a')], [v(3)])
    assert.deepEqual(s.get(Buffer.from('a')), v(3), 'a flushed entry is not read after putAll wrote the key')
    s.put(Buffer.from('c'), v(4))
    s.close()
    const again = new LmdbBytesStore(path)
    assert.deepEqual([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')].map((k) => again.get(k)), [v(3), undefined, v(4)])
    again.close()
  } finally {
    removeTempDir(dir)
  }
})

test('on a broker: a cached count forwards each key once per commit; with caching off, once per record', { timeout: 20_000 }, async () => {
  const broker = await streamsBroker()
  const dirs: string[] = []
  try {
    const admin = new Admin({ bootstrapServers: broker.bootstrap })
    await admin.createTopics([{ topic: 'c-in', numPartitions: 1 }, { topic: 'c-out-cached', numPartitions: 1 }, { topic: 'c-out-plain', numPartitions: 1 }])
    await admin.close()
    const p = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 0 })
    await p.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic: 'c-in', key: `k${i % 5}`, value: 'x', timestamp: 1000 + i })))
    await p.close()
    for (const [out, caching] of [['c-out-cached', true], ['c-out-plain', false]] as const) {
      const b = new StreamsBuilder()
      b.stream<string, string>('c-in', { keySerde: S, valueSerde: S }).groupByKey().count({ caching }).toStream().to(out, { keySerde: S, valueSerde: Serdes.Long() })
      const dir = makeTempDir('samsa-streams-cache-')
      dirs.push(dir)
      // One commit only: the one at close (the interval is longer than the test).
      const app = new KafkaStreams(b.build(), { applicationId: `cache-${caching}`, bootstrapServers: broker.bootstrap, stateDir: dir, commitIntervalMs: 600_000 })
      await app.start()
      const deadline = Date.now() + 15_000
      while (app.processed < 100) {
        if (Date.now() > deadline) throw new Error(`processed ${app.processed} of 100`)
        await new Promise((r) => setTimeout(r, 20))
      }
      await app.close()
      const want = caching ? 5 : 100
      const msgs = await readUntil(broker.bootstrap, out, (m) => m.length >= want)
      const a2 = new Admin({ bootstrapServers: broker.bootstrap })
      const [end] = await a2.listOffsets([{ topic: out, partition: 0 }], 'latest')
      await a2.close()
      assert.equal(end!.offset, want, `${out} holds ${want} records`)
      const counts = latest(msgs, (v) => Number(v.readBigInt64BE(0)))
      assert.deepEqual([...counts.values()], [20, 20, 20, 20, 20])
    }
  } finally {
    await broker.close()
    for (const d of dirs) removeTempDir(d)
  }
})
