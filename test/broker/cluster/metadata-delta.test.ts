import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryMetadataStore } from '../../../src/broker/cluster/store/memory-store.ts'
import type { MetadataDelta } from '../../../src/broker/cluster/metadata-delta.ts'
import { partitionKey } from '../../../src/broker/cluster/metadata-records.ts'
import { metadataOver } from './metadata-helpers.ts'

test('deltas list exactly what changed; the next image shares every untouched topic (100k partitions)', async () => {
  const md = await metadataOver(new MemoryMetadataStore({ clock: { now: () => 0 } }))
  const deltas: MetadataDelta[] = []
  md.loader.subscribe((d) => { deltas.push(d) })
  for (let i = 0; i < 100; i++) await md.controller.createTopic({ name: `t${i}`, partitions: 1000, configs: {}, internal: false })
  assert.equal(deltas.length, 100)
  assert.deepEqual(deltas[5]!.topicChanges.map((c) => [c.name, c.before, c.changedPartitions.length]), [['t5', undefined, 1000]])
  const before = md.loader.image
  // A leader change of one partition: one key written, one topic touched.
  const t7 = before.topic('t7')!
  const state = { replicas: [1, 2], isr: [1, 2], leader: 2, leaderEpoch: 1, partitionEpoch: 1 }
  const r = await md.store.txn({ success: [{ type: 'put', key: partitionKey(t7.topicId, 321), value: JSON.stringify(state) }] })
  await md.loader.waitFor(r.revision)
  const last = deltas.at(-1)!
  assert.deepEqual(last.topicChanges.map((c) => [c.name, c.changedPartitions, c.configsChanged]), [['t7', [321], false]])
  const after = md.loader.image
  assert.equal(after.revision, r.revision)
  assert.equal(after.partition('t7', 321)?.leader, 2)
  assert.equal(after.partition('t7', 321)?.leaderEpoch, 1)
  assert.equal(after.topic('t8'), before.topic('t8'), 'untouched topics are shared, not copied')
  assert.equal(after.partition('t7', 320), before.partition('t7', 320), 'untouched partition states are shared')
  assert.equal(before.partition('t7', 321)?.leader, 1, 'the previous image is unchanged')
  // Configs and deletion.
  await md.controller.setConfigs('t1', { 'retention.ms': '5' })
  assert.deepEqual(deltas.at(-1)!.topicChanges.map((c) => [c.name, c.configsChanged, c.changedPartitions.length]), [['t1', true, 0]])
  await md.controller.deleteTopic('t2')
  const del = deltas.at(-1)!.topicChanges
  assert.deepEqual(del.map((c) => [c.name, c.before?.partitions, c.after]), [['t2', 1000, undefined]])
  assert.equal(md.loader.topicById(del[0]!.before!.topicId), undefined)
  await md.close()
})

test('a publisher failure is reported to the writer waiting for that revision; later changes still apply', async () => {
  const md = await metadataOver(new MemoryMetadataStore({ clock: { now: () => 0 } }))
  let fail = true
  md.loader.subscribe(() => { if (fail) throw new Error('disk full') })
  await assert.rejects(md.controller.createTopic({ name: 'a', partitions: 1, configs: {}, internal: false }), /disk full/)
  fail = false
  await md.controller.createTopic({ name: 'b', partitions: 2, configs: {}, internal: false })
  assert.deepEqual([...md.loader.topics()].map((t) => t.name).sort(), ['a', 'b'])
  await md.close()
})
