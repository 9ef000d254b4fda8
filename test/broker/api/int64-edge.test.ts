// int64 fields beyond what a JS number holds exactly (ADR 0001): values Samsa would store are
// refused with an error code, values it only compares answer as Kafka would for a huge offset;
// nothing is stored rounded and the connection keeps serving.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { OffsetCommitResponse } from '../../../src/protocol/generated/messages/offset-commit.ts'
import type { OffsetFetchResponse } from '../../../src/protocol/generated/messages/offset-fetch.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { AdminRaw } from './admin-client.ts'

const HUGE = 2n ** 60n + 1n

test('an int64 beyond 2^53: a commit is refused (nothing stored rounded), a fetch is out of range', async (t) => {
  const broker = await startBroker()
  const c = await AdminRaw.connect(broker.port)
  t.after(async () => {
    c.close()
    await broker.close()
  })
  const create = defaultCreateTopicsRequest()
  create.timeoutMs = 5000
  create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 't', numPartitions: 1, replicationFactor: 1 })]
  assert.equal((await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)).topics[0]!.errorCode, 0)

  const commit = (committedOffset: bigint) => c.call<OffsetCommitResponse>(ApiKey.OffsetCommit, 2, {
    groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
  })
  const committed = async () => (await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 2, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0] }], groups: [], requireStable: false }))
    .topics[0]!.partitions[0]!.committedOffset
  for (const bad of [HUGE, -HUGE, 2n ** 63n - 1n]) {
    assert.equal((await commit(bad)).topics[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_COMMIT_OFFSET_SIZE, `commit ${bad}`)
  }
  assert.equal(await committed(), -1n, 'nothing committed')
  assert.equal((await commit(2n ** 53n - 1n)).topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE)
  assert.equal(await committed(), 2n ** 53n - 1n, 'the largest exact value round-trips')

  for (const fetchOffset of [HUGE, -HUGE]) {
    const req = defaultFetchRequest()
    req.maxWaitMs = 0
    req.topics = [{ topic: 't', topicId: '', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 })] }]
    const p = (await c.call<FetchResponse>(ApiKey.Fetch, 12, req)).responses[0]!.partitions[0]!
    assert.equal(p.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, `fetch at ${fetchOffset}`)
  }
})
