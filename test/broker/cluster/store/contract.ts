// The MetadataStore contract every implementation (memory, file, etcd) must keep: revisions,
// compare-and-swap, prefix deletes, ordered per-transaction watch batches from a past revision.
import assert from 'node:assert/strict'
import type { MetadataStore, WatchBatch } from '../../../../src/broker/cluster/store/metadata-store.ts'

export const put = (key: string, value: string, lease?: number) => ({ type: 'put' as const, key, value, ...(lease ? { lease } : {}) })

export function collect(store: MetadataStore, prefix: string, fromRevision?: number) {
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

export async function revisionsAndCas(store: MetadataStore): Promise<void> {
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

/** Watches deliver each transaction as one batch, filtered by prefix, in order, also from the past. */
export async function watchBatches(store: MetadataStore): Promise<void> {
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
  past.watch.cancel()
}
