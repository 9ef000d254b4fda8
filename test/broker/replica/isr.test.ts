// The leader's ISR bookkeeping on an injected clock, without a network: followers' fetch positions
// move the high watermark (min log end offset over the ISR), a follower not caught up within
// replica.lag.time.max.ms is dropped and one that catches up is added back, each change written to
// the partition key with a compare-and-swap on (leader epoch, partition epoch); a proposal made on a
// stale partition epoch (the controller changed the partition meanwhile) is fenced and dropped.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LogManager } from '../../../src/storage/log-manager.ts'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ReplicaManager } from '../../../src/broker/replica/replica-manager.ts'
import { AlterPartitionManager } from '../../../src/broker/replica/alter-partition.ts'
import { MemoryMetadataStore } from '../../../src/broker/cluster/store/memory-store.ts'
import { brokerKey, parsePartitionRecord, partitionKey } from '../../../src/broker/cluster/metadata-records.ts'
import { TimerQueue } from '../../../src/broker/coordinator/timer-queue.ts'
import type { MetadataStore } from '../../../src/broker/cluster/store/metadata-store.ts'
import type { Partition } from '../../../src/broker/replica/partition.ts'
import { batch, tempDir } from '../../storage/helpers.ts'
import { metadataOver } from '../cluster/metadata-helpers.ts'

test('ISR: shrink after the lag time, expand when caught up, compare-and-swap fences stale proposals', async () => {
  const tmp = await tempDir()
  let now = 1_000_000
  const clock = { now: () => now }
  const config = new BrokerConfig([['log.dirs', tmp.path], ['node.id', 1], ['replica.lag.time.max.ms', 1000]])
  const store = new MemoryMetadataStore({ clock })
  const md = await metadataOver(store, 1, false)
  const logs = await LogManager.open({ logDirs: [tmp.path], cleanerEnabled: false })
  const timers = new TimerQueue(clock)
  const isr = new AlterPartitionManager({ store, image: () => md.loader.image, lagTimeMaxMs: 1000, now: clock.now, log: silentLogger() })
  const replicas = new ReplicaManager({ config, logs, log: silentLogger(), timers, isr })
  md.loader.subscribe((d) => replicas.applyDelta(d))
  const state = async () => {
    const key = partitionKey(md.loader.image.topic('t')!.topicId, 0)
    return parsePartitionRecord(key, (await store.range(key)).kvs[0]!.value)
  }
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
    await md.loader.waitFor((await store.range('/cluster/')).revision)
  }
  try {
    await md.start()
    // Brokers 2 and 3 are registered (eligible for the ISR).
    for (const id of [2, 3]) await store.txn({ success: [{ type: 'put', key: brokerKey(id), value: JSON.stringify({ id, epoch: 1, listeners: [], rack: null }) }] })
    await md.controller.createTopic({ name: 't', partitions: 1, assignments: [[1, 2, 3]], configs: {}, internal: false })
    const p = replicas.partition('t', 0)!
    assert.ok(p.isLeader)
    assert.deepEqual(p.isr, [1, 2, 3])
    await p.appendAsLeader(batch(4))
    assert.equal(p.highWatermark, 0, 'no follower has fetched in this epoch')
    p.updateFollowerFetchState(2, 4)
    assert.equal(p.highWatermark, 0, 'follower 3 holds the HW back')
    p.updateFollowerFetchState(3, 2)
    assert.equal(p.highWatermark, 2, 'HW = min log end offset over the ISR')

    // Follower 3 stops fetching; follower 2 keeps up. After the lag time 3 leaves the ISR.
    now += 600
    p.updateFollowerFetchState(2, 4)
    timers.runDue()
    await settle()
    assert.deepEqual((await state()).isr, [1, 2, 3], 'not yet: 3 was caught up 600 ms ago')
    now += 600
    p.updateFollowerFetchState(2, 4)
    timers.runDue()
    await settle()
    assert.deepEqual((await state()).isr, [1, 2])
    assert.deepEqual(p.isr, [1, 2])
    assert.equal(p.partitionEpoch, 1)
    assert.equal(p.highWatermark, 4, 'without 3 the HW moves to the ISR\'s minimum')

    // 3 catches up to the HW: it is added back.
    p.updateFollowerFetchState(3, 4)
    await settle()
    assert.deepEqual((await state()).isr, [1, 2, 3])
    assert.equal(p.partitionEpoch, 2)

    // The controller changes the partition behind the leader's back (partition epoch 3): a
    // proposal made on epoch 2 is fenced and changes nothing.
    const key = partitionKey(p.topicId, 0)
    const current = await state()
    await store.txn({ success: [{ type: 'put', key, value: JSON.stringify({ ...current, partitionEpoch: 3 }) }] })
    assert.equal(await isr.submit({ ...p, topicId: p.topicId, index: 0, leaderId: 1, leaderEpoch: 0, partitionEpoch: 2 } as never, [1]), false)
    assert.deepEqual((await state()).isr, [1, 2, 3])
  } finally {
    replicas.close()
    await logs.close()
    await md.close()
    await tmp.cleanup()
  }
})

// Found by the deterministic simulation (seed 18 of `npm run sim -- --seeds 60 --steps 1500`
// before the fix): a leader proposed a shrink, was deposed while the proposal's read was in
// flight, and applied the new image (follower, new leader epoch) before the read returned; the
// fence compared the stored state with the partition as it was by then, found them equal, and
// wrote the old leader's ISR onto the new leader's state (a leader outside its own ISR).
test('ISR: a proposal is fenced by the state it was made on, not the one the partition has when the read returns', async () => {
  const store = new MemoryMetadataStore({ clock: { now: () => 0 } })
  const key = partitionKey('tid', 0)
  const put = (v: object) => store.txn({ success: [{ type: 'put', key, value: JSON.stringify(v) }] })
  await put({ replicas: [1, 2], isr: [1, 2], leader: 1, leaderEpoch: 0, partitionEpoch: 0 })
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => { release = r })
  const slow: MetadataStore = Object.assign(Object.create(store) as MetadataStore, {
    range: async (prefix: string) => { await gate; return store.range(prefix) },
    txn: store.txn.bind(store),
  })
  const isr = new AlterPartitionManager({ store: slow, image: () => { throw new Error('unused') }, lagTimeMaxMs: 1000, now: () => 0, log: silentLogger() })
  // Broker 1 leads in epoch 0 and proposes dropping 2.
  const p = { topic: 't', index: 0, topicId: 'tid', leaderId: 1, leaderEpoch: 0, partitionEpoch: 0 }
  const proposal = isr.submit(p as unknown as Partition, [1])
  // Meanwhile the controller elects 2 (epoch 1) and broker 1's partition follows that image.
  await put({ replicas: [1, 2], isr: [2, 1], leader: 2, leaderEpoch: 1, partitionEpoch: 1 })
  Object.assign(p, { leaderId: 2, leaderEpoch: 1, partitionEpoch: 1 })
  release()
  assert.equal(await proposal, false)
  const stored = parsePartitionRecord(key, (await store.range(key)).kvs[0]!.value)
  assert.deepEqual(stored.isr, [2, 1])
  assert.equal(stored.leader, 2)
})
