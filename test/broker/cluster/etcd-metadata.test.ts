// Cluster metadata over a stock etcd (default limits: 128 operations per transaction): topics
// larger than one transaction are written in chunks and appear whole; brokers see every change.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { EtcdMetadataStore } from '../../../src/broker/cluster/store/etcd-store.ts'
import { parseEtcdConnect } from '../../../src/broker/cluster/store/etcd-connect.ts'
import type { MetadataDelta } from '../../../src/broker/cluster/metadata-delta.ts'
import { startTestEtcd } from '../../helpers/etcd.ts'
import type { TestEtcd } from '../../helpers/etcd.ts'
import { metadataOver } from './metadata-helpers.ts'

let etcd: TestEtcd
before(async () => { etcd = await startTestEtcd({ stockLimits: true }) })
after(async () => { await etcd?.close() })

test('a 250-partition topic on a stock etcd: written in chunks, seen whole by another broker; growing it to 420 and deleting it', async () => {
  const connect = parseEtcdConnect(etcd.connect())
  const a = await metadataOver(await EtcdMetadataStore.connect(connect), 1)
  const b = await metadataOver(await EtcdMetadataStore.connect(connect), 2)
  try {
    const seen: number[] = []
    b.loader.subscribe((d: MetadataDelta) => {
      for (const c of d.topicChanges) if (c.name === 'big' && c.after) seen.push(c.after.partitions)
    })
    const t = await a.controller.createTopic({ name: 'big', partitions: 250, configs: {}, internal: false })
    assert.equal(t.partitions, 250)
    await b.loader.waitFor(a.loader.image.revision)
    assert.equal(b.loader.topic('big')?.partitions, 250)
    assert.deepEqual(seen, [250], 'the topic appears whole, never partly')
    await assert.rejects(b.controller.createTopic({ name: 'big', partitions: 300, configs: {}, internal: false }), /already exists/)
    await a.controller.addPartitions('big', 420)
    await b.loader.waitFor(a.loader.image.revision)
    assert.equal(b.loader.topic('big')?.partitions, 420)
    assert.equal(b.loader.image.pending.size, 0, 'the losing creation left no held partitions')
    assert.equal((await a.store.range('/partitions/')).kvs.length, 420, 'nor keys')
    await a.controller.deleteTopic('big')
    await b.loader.waitFor(a.loader.image.revision)
    assert.equal(b.loader.topic('big'), undefined)
    assert.equal((await a.store.range('/partitions/')).kvs.length, 0)
  } finally {
    await a.close()
    await b.close()
  }
})
