import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryMetadataStore } from '../../../../src/broker/cluster/store/memory-store.ts'
import { CompactedError, LeaseNotFoundError } from '../../../../src/broker/cluster/store/metadata-store.ts'
import type { MetadataStore, WatchBatch } from '../../../../src/broker/cluster/store/metadata-store.ts'
import { FileMetadataStore } from '../../../../src/broker/cluster/store/file-store.ts'
import { KvState } from '../../../../src/broker/cluster/store/kv-state.ts'
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.ts'
import { join } from 'node:path'

const put = (key: string, value: string, lease?: number) => ({ type: 'put' as const, key, value, ...(lease ? { lease } : {}) })

function collect(store: MetadataStore, prefix: string, fromRevision?: number) {
  const batches: WatchBatch[] = []
  let wake: (() => void) | undefined
  const watch = store.watch(prefix, (b) => { batches.push(b); wake?.() }, fromRevision === undefined ? {} : { fromRevision })
  return {
    batches,
    watch,
    async until(n: number) {
      while (batches.length < n) await new Promise<void>((r) => { wake = r })
    },
  }
}

async function revisionsAndCas(store: MetadataStore): Promise<void> {
  const r1 = await store.txn({ success: [put('/a', '1'), put('/b', '1')] })
  assert.equal(r1.succeeded, true)
  const r2 = await store.txn({ success: [put('/a', '2')] })
  assert.equal(r2.revision, r1.revision + 1, 'one revision per transaction')
  const a = (await store.range('/a')).kvs[0]!
  assert.deepEqual([a.value, a.createRevision, a.modRevision, a.version], ['2', r1.revision, r2.revision, 2])
  // Compare-and-swap on mod revision and version: the loser changes nothing.
  const lost = await store.txn({ compare: [{ key: '/a', target: 'modRevision', equals: r1.revision }], success: [put('/a', 'x')], failure: [put('/lost', '1')] })
  assert.equal(lost.succeeded, false)
  assert.equal((await store.range('/a')).kvs[0]!.value, '2')
  assert.equal((await store.range('/lost')).kvs.length, 1, 'failure branch applied')
  const won = await store.txn({ compare: [{ key: '/a', target: 'version', equals: 2 }, { key: '/none', target: 'version', equals: 0 }], success: [put('/a', '3')] })
  assert.equal(won.succeeded, true)
  const none = await store.txn({ compare: [{ key: '/a', target: 'value', equals: 'nope' }], success: [put('/a', '4')] })
  assert.equal(none.revision, won.revision, 'a transaction that writes nothing keeps the revision')
  await store.txn({ success: [{ type: 'deletePrefix', prefix: '/' }] })
  const all = await store.range('')
  assert.equal(all.kvs.length, 0)
  assert.equal(all.revision, won.revision + 1)
}

test('memory store: revisions, versions, compare-and-swap, prefix delete', async () => {
  const store = new MemoryMetadataStore({ clock: { now: () => 0 } })
  await revisionsAndCas(store)
  await store.close()
})

test('file store: the same semantics, and a reopen keeps keys and revision', async () => {
  const dir = makeTempDir('samsa-kv-')
  try {
    const path = join(dir, 'kv.json')
    const store = await FileMetadataStore.open(path)
    await revisionsAndCas(store)
    await store.txn({ success: [put('/k', 'v')] })
    const lease = await store.grantLease(1000)
    await store.txn({ success: [put('/leased', 'v', lease)] })
    const rev = (await store.range('')).revision
    await store.close()
    const again = await FileMetadataStore.open(path)
    const r = await again.range('')
    assert.equal(r.revision, rev)
    assert.deepEqual(r.kvs.map((k) => k.key), ['/k'], 'leased keys do not outlive their owner')
    await again.close()
  } finally {
    removeTempDir(dir)
  }
})

test('leases lapse on the injected clock and delete their keys; keep-alive extends them', async () => {
  let now = 1000
  const store = new MemoryMetadataStore({ clock: { now: () => now } })
  const w = collect(store, '/brokers/')
  const l1 = await store.grantLease(6000)
  const l2 = await store.grantLease(6000)
  await store.txn({ success: [put('/brokers/1', 'a', l1), put('/brokers/2', 'b', l2)] })
  now += 5000
  await store.keepAlive(l1)
  now += 2000
  store.expireLeases()
  assert.deepEqual((await store.range('/brokers/')).kvs.map((k) => k.key), ['/brokers/1'])
  await assert.rejects(store.keepAlive(l2), LeaseNotFoundError)
  await assert.rejects(store.txn({ success: [put('/x', 'y', l2)] }), LeaseNotFoundError)
  await w.until(2)
  assert.deepEqual(w.batches[1]!.events.map((e) => [e.type, e.kv.key, e.prev?.value]), [['delete', '/brokers/2', 'b']])
  await store.revokeLease(l1)
  assert.equal((await store.range('/brokers/')).kvs.length, 0)
  await store.close()
})

test('watches: ordered per-transaction batches filtered by prefix, from a past revision, compaction reported', async () => {
  const store = new MemoryMetadataStore({ clock: { now: () => 0 } })
  const r0 = await store.txn({ success: [put('/t/a', '1'), put('/other', '1')] })
  const live = collect(store, '/t/')
  await store.txn({ success: [put('/t/b', '1'), put('/t/a', '2')] })
  await store.txn({ success: [{ type: 'delete', key: '/t/a' }] })
  await live.until(2)
  assert.deepEqual(live.batches.map((b) => [b.revision, b.events.map((e) => `${e.type}:${e.kv.key}`)]),
    [[r0.revision + 1, ['put:/t/b', 'put:/t/a']], [r0.revision + 2, ['delete:/t/a']]])
  const past = collect(store, '/', r0.revision)
  await past.until(3)
  assert.deepEqual(past.batches.map((b) => b.revision), [r0.revision, r0.revision + 1, r0.revision + 2])
  live.watch.cancel()
  await store.txn({ success: [put('/t/c', '1')] })
  await past.until(4)
  assert.equal(live.batches.length, 2, 'a cancelled watch hears nothing more')

  const small = new KvState(undefined, { maxHistory: 2 })
  for (let i = 0; i < 5; i++) small.txn({ success: [put('/k', String(i))] })
  const err = await new Promise<Error>((resolve) => small.watch('/', () => {}, { fromRevision: 1, onError: resolve }))
  assert.ok(err instanceof CompactedError)
  await store.close()
})
