// Found by `npm run bench -- cluster --failover-only` (1 run in ~15): a follower's fetched batch
// was still queued for its log when the image made the broker leader; the new epoch was started
// at the log end before that batch landed, so the epoch cache claimed the old leader's batch for
// the new epoch. The other follower, which had the same batch, was told on every fetch that it
// diverged there, truncated it, fetched it again — and never caught up: acks=all producers waited
// until the ISR shrank and then got NOT_ENOUGH_REPLICAS for good. The epoch now starts in the
// log's append queue, after everything queued before it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { partitionOnDisk } from './partition-on-disk.ts'

test('a follower append in flight when the broker becomes leader lands before the new epoch starts', async () => {
  const { p, log, close } = await partitionOnDisk()
  try {
    p.makeFollower({ leader: 2, leaderEpoch: 1, partitionEpoch: 1, replicas: [1, 2, 3], isr: [1, 2, 3] })
    // Leader 2's batch of epoch 1 at offset 0, fetched just before the controlled shutdown moves
    // leadership here (epoch 2).
    const fetched = buildRecordBatch({ baseOffset: 0, partitionLeaderEpoch: 1, records: [{ key: null, value: Buffer.from('a'), timestamp: 1 }] })
    const appending = p.appendAsFollower(fetched, 1)
    const leading = p.makeLeader({ leader: 1, leaderEpoch: 2, partitionEpoch: 2, replicas: [1, 2, 3], isr: [1, 3] })
    await Promise.all([appending, leading])
    assert.equal(p.logEndOffset, 1)
    assert.deepEqual(log.epochs.all.map((e) => [e.epoch, e.startOffset]), [[1, 0], [2, 1]], 'epoch 2 starts after the epoch-1 batch')
    // Follower 3 also has offset 0 from epoch 1: it fetches at 1 without diverging.
    assert.deepEqual(p.divergence(1, 1), { kind: 'none' })
    // And a follower that never got it is told epoch 1 ends at 1 (it fetches it, no truncation).
    assert.deepEqual(p.divergence(1, 0), { kind: 'none' })
  } finally {
    await close()
  }
})
