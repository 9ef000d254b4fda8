import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LogManager } from '../../../src/storage/log-manager.ts'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ReplicaManager } from '../../../src/broker/replica/replica-manager.ts'
import type { LeadershipChange } from '../../../src/broker/replica/replica-manager.ts'
import { MemoryMetadataStore } from '../../../src/broker/cluster/store/memory-store.ts'
import { partitionKey } from '../../../src/broker/cluster/metadata-records.ts'
import { Purgatory } from '../../../src/broker/replica/purgatory.ts'
import { awaitReplication } from '../../../src/broker/replica/delayed-produce.ts'
import { partitionOnDisk } from './partition-on-disk.ts'
import { batch, tempDir } from '../../storage/helpers.ts'
import { metadataOver } from '../cluster/metadata-helpers.ts'

test('acks=all waits for the ISR to confirm (HW), times out otherwise; leadership changes reach listeners', async () => {
  const tmp = await tempDir()
  const config = new BrokerConfig([['log.dirs', tmp.path]])
  const md = await metadataOver(new MemoryMetadataStore({ clock: { now: () => 0 } }), config.nodeId, false)
  const logs = await LogManager.open({ logDirs: [tmp.path], cleanerEnabled: false })
  const replicas = new ReplicaManager({ config, logs, log: silentLogger() })
  const heard: LeadershipChange[][] = []
  replicas.onLeadershipChange((changes) => { heard.push([...changes]) })
  md.loader.subscribe((d) => replicas.applyDelta(d))
  try {
    await md.start()
    const t = await md.controller.createTopic({ name: 't', partitions: 2, configs: {}, internal: false })
    assert.deepEqual(heard.at(-1)!.map((c) => [c.topic, c.partition, c.role, c.leaderEpoch]), [['t', 0, 'leader', 0], ['t', 1, 'leader', 0]])
    // The image makes broker 2 an in-sync follower of partition 0 (leader epoch 1).
    const state = { replicas: [config.nodeId, 2], isr: [config.nodeId, 2], leader: config.nodeId, leaderEpoch: 1, partitionEpoch: 1 }
    const r = await md.store.txn({ success: [{ type: 'put', key: partitionKey(t.topicId, 0), value: JSON.stringify(state) }] })
    await md.loader.waitFor(r.revision)
    assert.deepEqual(heard.at(-1)!.map((c) => [c.partition, c.role, c.leaderEpoch]), [[0, 'leader', 1]])
    const p = replicas.partition('t', 0)!
    assert.equal(p.leaderEpoch, 1)
    p.updateFollowerEnd(2, 0)
    await p.appendAsLeader(batch(3))
    assert.equal(p.highWatermark, 0, 'the follower has not fetched: the HW stays')
    let done: boolean | undefined
    const waiting = replicas.awaitReplication(p, 3, 60_000).then((ok) => { done = ok })
    assert.equal(replicas.producePurgatory.size, 1)
    p.updateFollowerEnd(2, 2)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(done, undefined, 'HW 2 does not cover offset 2')
    p.updateFollowerEnd(2, 3)
    await waiting
    assert.equal(done, true)
    await p.appendAsLeader(batch(1))
    assert.equal(await replicas.awaitReplication(p, 4, 10), false, 'times out when the follower never confirms')
    // Deleting the topic reports the partitions as removed.
    await md.controller.deleteTopic('t')
    assert.deepEqual(heard.at(-1)!.map((c) => [c.partition, c.role]), [[0, 'removed'], [1, 'removed']])
    assert.equal(replicas.partition('t', 0), undefined)
  } finally {
    replicas.close()
    await logs.close()
    await md.close()
    await tmp.cleanup()
  }
})

// Found by the deterministic simulation (seed 42 of `npm run sim -- --seeds 100 --steps 1500`,
// with the store-outage fault): a leader's append was still queued when the image made it a
// follower; the append then completed, the produce waited, the partition's HW as a follower passed
// the offset — with the new leader's record there, the batch truncated — and acks=all answered
// success for a record that was gone. Now the append reports NOT_LEADER_OR_FOLLOWER and only the
// HW of the leadership the batch was written in confirms it.
test('acks=all: an append that straddles a leader change is never confirmed', async () => {
  const { p, close } = await partitionOnDisk()
  try {
    await p.makeLeader({ leader: 1, leaderEpoch: 1, partitionEpoch: 1, replicas: [1, 2], isr: [1, 2] })
    const appending = p.appendAsLeader(batch(1))
    p.makeFollower({ leader: 2, leaderEpoch: 2, partitionEpoch: 2, replicas: [1, 2], isr: [1, 2] })
    await assert.rejects(appending, { code: 'NOT_LEADER_OR_FOLLOWER' })
    // As a follower its HW passes offset 0 (whatever the new leader has there): no confirmation.
    p.updateFollowerHighWatermark(1)
    assert.equal(p.highWatermark, 1)
    assert.equal(await awaitReplication(new Purgatory(), p, 1, 10, 1), false)
    // Leading again in a later epoch does not confirm a batch of the earlier one either.
    await p.makeLeader({ leader: 1, leaderEpoch: 3, partitionEpoch: 3, replicas: [1], isr: [1] })
    assert.equal(await awaitReplication(new Purgatory(), p, 1, 10, 1), false)
    assert.equal(await awaitReplication(new Purgatory(), p, 1, 10, 3), true)
  } finally {
    await close()
  }
})
