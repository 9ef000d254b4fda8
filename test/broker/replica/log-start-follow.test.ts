// A follower learns the leader's log start from every fetch answer and moves its own at once; the
// segments below it are deleted in the background. The fetch loop must not wait for that deletion:
// the leader's high watermark, and so every acks=all produce, waits for this follower's next fetch.
// (It did wait: in the cluster bench each follower stalled 20-150 ms per deleted segment.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { createTopic, deleteRecords, partitionState, produce, replicaOf, until } from './cluster-helpers.ts'

test('a follower whose segment deletion is held keeps fetching: acks=all completes and its log start follows the leader at once', { timeout: 90_000 }, async () => {
  // A lagging follower leaves the ISR only after a minute: the acks=all produce below cannot be
  // answered by dropping the held follower instead of by its fetches.
  const cluster = await startCluster({ brokers: 3, config: { 'replica.lag.time.max.ms': 60_000 } })
  try {
    await createTopic(cluster, 't', 1, 3, { 'min.insync.replicas': '2', 'segment.bytes': '256' })
    const state = await partitionState(cluster, 't', 0)
    const leader = state.leader
    const [held, other] = state.replicas.filter((id) => id !== leader) as [number, number]
    await until('a full ISR', async () => (await partitionState(cluster, 't', 0)).isr.length === 3)
    for (let i = 0; i < 10; i++) assert.equal((await produce(cluster, leader, 't', 0, 5, -1, `a${i}`)).errorCode, ErrorCode.NONE)
    await until('followers at the leader\'s end', () => [held, other].every((id) => replicaOf(cluster, id, 't', 0).logEndOffset === 50))
    const heldLog = cluster.broker(held).running!.context.logs.get('t', 0)!
    const segmentsBefore = heldLog.segments.length
    assert.ok(segmentsBefore > 3, `several segments (${segmentsBefore})`)

    // Hold the follower's maintenance mutex (retention, truncation and segment deletion take turns
    // on it), so deleting its segments below a new log start cannot finish.
    let release!: () => void
    const holding = heldLog.maintenance.run(() => new Promise<void>((r) => { release = r }))
    try {
      assert.deepEqual(await deleteRecords(cluster, leader, 't', 0, 30), { errorCode: ErrorCode.NONE, lowWatermark: 30 })
      // Both followers must fetch past the append for the HW to cover it (the ISR has all three).
      const r = await produce(cluster, leader, 't', 0, 5, -1, 'b', 15_000)
      assert.equal(r.errorCode, ErrorCode.NONE, 'acks=all answered while the follower\'s deletion is held')
      assert.equal(r.baseOffset, 50)
      await until('the held follower\'s log start follows the leader', () => replicaOf(cluster, held, 't', 0).logStartOffset === 30)
      assert.equal(heldLog.segments.length >= segmentsBefore, true, 'no segment deleted while held')
    } finally {
      release()
      await holding
    }
    await until('the segments below the log start are deleted', () => heldLog.segments.length < segmentsBefore)
    assert.ok(heldLog.segments[0]!.baseOffset <= 30)
    await until('the held follower at the leader\'s end', () => replicaOf(cluster, held, 't', 0).logEndOffset === 55)
  } finally {
    await cluster.close()
  }
})
