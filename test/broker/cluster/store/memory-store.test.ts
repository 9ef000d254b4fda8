import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryMetadataStore } from '../../../../src/broker/cluster/store/memory-store.ts'
import { CompactedError, LeaseNotFoundError } from '../../../../src/broker/cluster/store/metadata-store.ts'
import { FileMetadataStore } from '../../../../src/broker/cluster/store/file-store.ts'
import { KvState } from '../../../../src/broker/cluster/store/kv-state.ts'
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.ts'
import { join } from 'node:path'
import { collect, put, revisionsAndCas, watchBatches } from './contract.ts'

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
  await watchBatches(store)

  const small = new KvState(undefined, { maxHistory: 2 })
  for (let i = 0; i < 5; i++) small.txn({ success: [put('/k', String(i))] })
  const err = await new Promise<Error>((resolve) => small.watch('/', () => {}, { fromRevision: 1, onError: resolve }))
  assert.ok(err instanceof CompactedError)
  await store.close()
})
