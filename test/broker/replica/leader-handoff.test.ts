// A controlled leader change does not stall acks=all writes for replica.fetch.backoff.ms. When a
// follower learns of the new leader epoch before the new leader has applied its own election, its
// first fetch gets UNKNOWN_LEADER_EPOCH (or NOT_LEADER_OR_FOLLOWER); it must ask again at once
// rather than after the backoff, or the new leader's high watermark (and every acks=all producer)
// waits for it. The backoff is set far above the test's patience so a follower that waits it out
// fails the test.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { createTopic, partitionState, produce, until } from './cluster-helpers.ts'

test('after a controlled shutdown of the leader, the new leader acknowledges acks=all writes without waiting out the fetch backoff', { timeout: 20_000 }, async () => {
  const cluster = await startCluster({ brokers: 3, config: { 'replica.fetch.backoff.ms': 60_000, 'replica.lag.time.max.ms': 60_000 } })
  try {
    for (let round = 0; round < 3; round++) {
      const topic = `handoff-${round}`
      await createTopic(cluster, topic, 1, 3, { 'min.insync.replicas': '2' })
      await until('a full ISR', async () => (await partitionState(cluster, topic, 0)).isr.length === 3)
      const { leader } = await partitionState(cluster, topic, 0)
      assert.equal((await produce(cluster, leader, topic, 0, 5, -1, 'before')).errorCode, ErrorCode.NONE)
      await cluster.stop(leader) // controlled shutdown: leadership handed over first
      const next = await partitionState(cluster, topic, 0)
      assert.notEqual(next.leader, leader)
      // The ISR is now the remaining two: the other one must fetch in the new epoch for the ack.
      const r = await produce(cluster, next.leader, topic, 0, 5, -1, 'after')
      assert.equal(r.errorCode, ErrorCode.NONE, `produce on the new leader: ${r.errorCode}`)
      await cluster.restart(leader)
    }
  } finally {
    await cluster.close()
  }
})
