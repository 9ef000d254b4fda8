// unclean.leader.election.enable turned on for a topic whose partition is already offline (its
// only in-sync replica gone, an out-of-sync replica live): the controller elects that replica
// without waiting for another broker change. Before the fix the partition stayed offline until
// some broker came or went.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultIncrementalAlterConfigsRequest } from '../../../src/protocol/generated/messages/incremental-alter-configs.ts'
import type { IncrementalAlterConfigsResponse } from '../../../src/protocol/generated/messages/incremental-alter-configs.ts'
import { partitionKey } from '../../../src/broker/cluster/metadata-records.ts'
import { channelTo, createTopic, partitionState, topicIdOf, until } from '../replica/cluster-helpers.ts'

describe('unclean.leader.election.enable set on an offline partition', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({ brokers: 3, config: { 'auto.leader.rebalance.enable': false } })
    await createTopic(cluster, 'uc', 1, 2)
  })
  after(async () => {
    await cluster?.close()
  })

  it('elects a live out-of-sync replica as soon as the topic allows it', { timeout: 60_000 }, async () => {
    const s = await partitionState(cluster, 'uc', 0)
    const [gone, survivor] = s.replicas as [number, number]
    await cluster.stop(gone)
    await cluster.settle()
    // Offline as Kafka leaves it: no leader, the ISR only the replica that is gone.
    const cur = await partitionState(cluster, 'uc', 0)
    const key = partitionKey(topicIdOf(cluster, 'uc'), 0)
    const offline = { replicas: cur.replicas, isr: [gone], leader: -1, leaderEpoch: cur.leaderEpoch + 1, partitionEpoch: cur.partitionEpoch + 1 }
    const w = await cluster.store.txn({ compare: [{ key, target: 'modRevision', equals: cur.modRevision }], success: [{ type: 'put', key, value: JSON.stringify(offline) }] })
    assert.ok(w.succeeded)
    await cluster.settle()
    assert.equal((await partitionState(cluster, 'uc', 0)).leader, -1, 'unclean election is off by default')

    const via = [0, 1, 2].find((id) => id !== gone)!
    const ch = await channelTo(cluster, via)
    try {
      const req = defaultIncrementalAlterConfigsRequest()
      req.resources = [{ resourceType: 2, resourceName: 'uc', configs: [{ name: 'unclean.leader.election.enable', configOperation: 0, value: 'true' }] }]
      const res = await ch.send<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, req, 15_000)
      assert.equal(res.responses[0]!.errorCode, 0)
    } finally {
      ch.close()
    }
    await until('the out-of-sync replica is elected', async () => (await partitionState(cluster, 'uc', 0)).leader === survivor, 15_000)
    const after = await partitionState(cluster, 'uc', 0)
    assert.deepEqual(after.isr, [survivor])
    assert.ok(after.leaderEpoch > offline.leaderEpoch)
    await cluster.restart(gone)
  })
})
