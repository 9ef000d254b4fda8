// A follower moves its log start to the leader's in the background (the fetch loop does not wait
// for the segment deletion). A failure there used to vanish (`.catch(() => {})`, Partition has no
// logger); it now reaches the caller, whose fetcher logs it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { partitionOnDisk } from './partition-on-disk.ts'

test('a follower\'s failed log-start move is reported to the caller, not swallowed', async () => {
  const { p, log, close } = await partitionOnDisk()
  try {
    p.makeFollower({ leader: 2, leaderEpoch: 1, partitionEpoch: 1, replicas: [1, 2], isr: [1, 2] })
    const records = [1, 2, 3, 4].map((i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp: i }))
    assert.ok(await p.appendAsFollower(buildRecordBatch({ baseOffset: 0, partitionLeaderEpoch: 1, records }), 1))

    const failure = new Error('disk gone')
    log.deleteRecordsBefore = () => Promise.reject(failure)
    const reported = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the failure was never reported')), 5_000)
      p.followLogStartOffset(2, (err) => { clearTimeout(timer); resolve(err) })
    })
    assert.equal(reported, failure)
  } finally {
    await close()
  }
})
