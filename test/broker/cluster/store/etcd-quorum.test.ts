// The store on a three-member etcd: losing one member changes nothing visible; losing quorum is a
// quick, clear MetadataUnavailableError (never a stale answer: `hasleader`); when quorum returns,
// writes work again and the watch resumes without a gap. A write refused as "outcome unknown"
// may still commit when quorum returns (the leader had it in its log): the store's slot guard
// keeps the next write from the same slot correct either way.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EtcdMetadataStore, MetadataUnavailableError } from '../../../../src/broker/cluster/store/etcd-store.ts'
import { parseEtcdConnect } from '../../../../src/broker/cluster/store/etcd-connect.ts'
import { startTestEtcdCluster } from '../../../helpers/etcd.ts'
import { collect, put } from './contract.ts'

test('three etcd members: one down is invisible; quorum lost is a quick clear error; quorum back resumes writes and the watch', async () => {
  const etcd = await startTestEtcdCluster(3)
  // The 2 s call deadline the issue measured for etcd; a loaded machine needs it.
  const store = await EtcdMetadataStore.connect(parseEtcdConnect(etcd.connect()), { callTimeoutMs: 2000, retryBudgetMs: 4000 })
  try {
    const w = collect(store, '/')
    await store.txn({ success: [put('/a', '1')] })
    await etcd.kill(0)
    // One member down: reads and writes go on (a dead member picked at random is retried elsewhere).
    for (let i = 0; i < 5; i++) await store.txn({ success: [put(`/b${i}`, '1')] })
    assert.equal((await store.range('/b')).kvs.length, 5)
    await etcd.kill(1)
    const t0 = Date.now()
    await Promise.all([
      assert.rejects(store.txn({ success: [put('/c', '1')] }), MetadataUnavailableError),
      assert.rejects(store.range('/'), MetadataUnavailableError, 'no stale read from the member without quorum'),
    ])
    const failMs = Date.now() - t0
    assert.ok(failMs < 15_000, `quorum loss reported after ${failMs} ms`)
    process.stdout.write(`# quorum lost: write and read refused after ${failMs} ms\n`)
    await etcd.start(0)
    const t1 = Date.now()
    for (;;) {
      try {
        await store.txn({ compare: [{ key: '/d', target: 'version', equals: 0 }], success: [put('/d', '1')] })
        break
      } catch (err) {
        if (!(err instanceof MetadataUnavailableError) || Date.now() - t1 > 20_000) throw err
      }
    }
    process.stdout.write(`# quorum back: first write after ${Date.now() - t1} ms\n`)
    const keys = () => w.batches.flatMap((b) => b.events.map((e) => e.kv.key))
    while (!keys().includes('/d')) await w.until(w.batches.length + 1)
    // The refused write may still commit once quorum returns ("outcome unknown"): etcd had it in its log.
    assert.deepEqual(keys().filter((k) => k !== '/c'), ['/a', '/b0', '/b1', '/b2', '/b3', '/b4', '/d'], 'every committed write, in order')
    process.stdout.write(`# the write refused during the outage ${keys().includes('/c') ? 'committed later' : 'never committed'}\n`)
    const revs = w.batches.map((b) => b.revision)
    assert.deepEqual(revs, [...revs].sort((x, y) => x - y))
  } finally {
    await store.close()
    await etcd.close()
  }
})
