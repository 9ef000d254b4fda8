import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { EtcdMetadataStore, MetadataUnavailableError } from '../../../../src/broker/cluster/store/etcd-store.ts'
import { parseEtcdConnect } from '../../../../src/broker/cluster/store/etcd-connect.ts'
import { CompactedError, LeaseNotFoundError } from '../../../../src/broker/cluster/store/metadata-store.ts'
import { startTestEtcd } from '../../../helpers/etcd.ts'
import type { TestEtcd } from '../../../helpers/etcd.ts'
import { collect, put, revisionsAndCas, watchBatches } from './contract.ts'
import { startEtcd } from '../../../../src/cli/dev/etcd-server.ts'
import { freePort } from '../../../../src/cli/dev/free-port.ts'
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.ts'

let etcd: TestEtcd
before(async () => { etcd = await startTestEtcd() })
after(async () => { await etcd?.close() })

const open = () => EtcdMetadataStore.connect(parseEtcdConnect(etcd.connect()))

test('etcd store: revisions, versions, compare-and-swap, prefix delete', async () => {
  const store = await open()
  try {
    await revisionsAndCas(store)
  } finally {
    await store.close()
  }
})

test('etcd store: ordered per-transaction watch batches, from a past revision', async () => {
  const store = await open()
  try {
    await watchBatches(store)
  } finally {
    await store.close()
  }
})

test('etcd store: two stores under one prefix see each other; prefixes do not mix', async () => {
  const connect = etcd.connect()
  const a = await EtcdMetadataStore.connect(parseEtcdConnect(connect))
  const b = await EtcdMetadataStore.connect(parseEtcdConnect(connect))
  const other = await open()
  try {
    const w = collect(b, '/')
    await a.txn({ success: [put('/k', 'a')] })
    await other.txn({ success: [put('/k', 'other')] })
    await w.until(1)
    assert.deepEqual((await b.range('')).kvs.map((k) => [k.key, k.value]), [['/k', 'a']], 'slot keys and other prefixes stay out of range reads')
    // Both race a create: exactly one wins.
    const results = await Promise.all([a, b].map((s, i) => s.txn({ compare: [{ key: '/x', target: 'version', equals: 0 }], success: [put('/x', String(i))] })))
    assert.equal(results.filter((r) => r.succeeded).length, 1)
    // Many concurrent transactions from one store (more than its slots).
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => a.txn({ success: [put(`/m/${i}`, 'v')] })))
    assert.equal(new Set(many.map((r) => r.revision)).size, 40)
    assert.equal((await b.range('/m/')).kvs.length, 40)
    assert.equal(w.batches[0]!.events[0]!.kv.value, 'a')
  } finally {
    await Promise.all([a.close(), b.close(), other.close()])
  }
})

test('etcd store: leases lapse and delete their keys; keep-alive extends, revoke ends them', async () => {
  const store = await open()
  try {
    const w = collect(store, '/brokers/')
    const short = await store.grantLease(1000)
    const kept = await store.grantLease(1000)
    assert.ok(Number.isSafeInteger(short) && short > 0)
    await store.txn({ success: [put('/brokers/1', 'a', short), put('/brokers/2', 'b', kept)] })
    assert.equal((await store.range('/brokers/1')).kvs[0]!.lease, short)
    // Keep one alive while the other lapses (etcd rounds TTLs up to its minimum, ~2 s).
    const timer = setInterval(() => { void store.keepAlive(kept).catch(() => {}) }, 300)
    try {
      await w.until(2)
    } finally {
      clearInterval(timer)
    }
    assert.deepEqual(w.batches[1]!.events.map((e) => [e.type, e.kv.key, e.prev?.value]), [['delete', '/brokers/1', 'a']])
    await assert.rejects(store.keepAlive(short), LeaseNotFoundError)
    await assert.rejects(store.txn({ success: [put('/x', 'y', short)] }), LeaseNotFoundError)
    await store.revokeLease(kept)
    assert.equal((await store.range('/brokers/')).kvs.length, 0)
    await store.revokeLease(kept) // revoking twice is fine
  } finally {
    await store.close()
  }
})

test('etcd store: a watch from a compacted revision reports CompactedError', async () => {
  const store = await open()
  try {
    let r = 0
    for (let i = 0; i < 3; i++) r = (await store.txn({ success: [put('/c', String(i))] })).revision
    const { Etcd3 } = await import('etcd3')
    const admin = new Etcd3({ hosts: `http://${etcd.endpoint}` })
    await admin.kv.compact({ revision: r })
    admin.close()
    const err = await new Promise<Error>((resolve) => store.watch('/', () => {}, { fromRevision: r - 2, onError: resolve }))
    assert.ok(err instanceof CompactedError, String(err))
  } finally {
    await store.close()
  }
})

test('etcd store: nobody listening is a clear, quick error', async () => {
  const t0 = Date.now()
  await assert.rejects(EtcdMetadataStore.connect(parseEtcdConnect('127.0.0.1:1/x'), { callTimeoutMs: 500 }),
    (err: Error) => err instanceof MetadataUnavailableError && /cannot reach etcd at 127\.0\.0\.1:1/.test(err.message))
  assert.ok(Date.now() - t0 < 5000)
})

test('etcd store: etcd down is a quick MetadataUnavailableError (REQUEST_TIMED_OUT); after a restart, writes work and the watch resumes without a gap', async () => {
  const dir = makeTempDir('samsa-etcd-restart-')
  const ports = { clientPort: await freePort(), peerPort: await freePort() }
  let server = await startEtcd({ dataDir: `${dir}/data`, ...ports })
  const store = await EtcdMetadataStore.connect(parseEtcdConnect(`${server.endpoint}/r`), { callTimeoutMs: 1000 })
  try {
    const w = collect(store, '/')
    await store.txn({ success: [put('/a', '1')] })
    await w.until(1)
    await server.kill()
    const t0 = Date.now()
    await assert.rejects(store.txn({ success: [put('/b', '1')] }),
      (err: Error) => err instanceof MetadataUnavailableError && (err as MetadataUnavailableError).code === 'REQUEST_TIMED_OUT')
    assert.ok(Date.now() - t0 < 8000, `failed after ${Date.now() - t0} ms`)
    server = await startEtcd({ dataDir: `${dir}/data`, ...ports })
    await store.txn({ success: [put('/c', '1')] })
    await w.until(2)
    assert.deepEqual(w.batches.map((b) => b.events.map((e) => e.kv.key)), [['/a'], ['/c']])
    assert.ok(w.batches[1]!.revision > w.batches[0]!.revision)
  } finally {
    await store.close()
    await server.stop()
    removeTempDir(dir)
  }
})
