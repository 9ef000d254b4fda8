// KIP-848 on the coordinator state machine with a manual clock: replay of the records rebuilds
// exactly the live state after every step; a member that does not revoke within its rebalance
// timeout is fenced and its partitions go on; a topic growing bumps the group epoch; offsets of
// an active consumer group's subscribed topics survive retention; a failed append changes nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import type { ConsumerHeartbeatRequest } from '../../../../src/broker/coordinator/group/consumer-membership.ts'
import { harness } from './harness.ts'

const topics = new Map([['t', { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 4 }], ['u', { topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitions: 2 }]])
const lookup = { byName: (n: string) => topics.get(n), names: () => topics.keys() }

function hb(memberId: string, memberEpoch: number, owned: number[] | null, extra: Partial<ConsumerHeartbeatRequest> = {}): ConsumerHeartbeatRequest {
  const join = memberEpoch === 0
  return {
    groupId: 'g', memberId, memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: join ? 10_000 : -1,
    subscribedTopicNames: join ? ['t'] : null, subscribedTopicRegex: null, serverAssignor: null,
    topicPartitions: owned === null ? null : owned.length === 0 ? [] : [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: owned }],
    clientId: 'c', clientHost: '/h', version: 1, ...extra,
  }
}

const parts = (r: { assignment: { partitions: number[] }[] | null }) => r.assignment?.flatMap((tp) => tp.partitions).sort() ?? null

test('replay rebuilds the live state after every step; a member slow to revoke is fenced at its rebalance timeout', async () => {
  const h = harness({ offsetsTopicPartitions: 1 }, { topics: lookup })
  const c = h.coordinator
  const same = () => assert.deepEqual(h.replayed().snapshot(), c.snapshot())
  const a = await c.consumerGroupHeartbeat(hb('a', 0, []))
  assert.deepEqual([a.errorCode, a.memberEpoch, parts(a)], [ErrorCode.NONE, 1, [0, 1, 2, 3]])
  same()
  const b = await c.consumerGroupHeartbeat(hb('b', 0, []))
  assert.deepEqual([b.memberEpoch, parts(b)], [2, []])
  same()
  const a2 = await c.consumerGroupHeartbeat(hb('a', 1, [0, 1, 2, 3]))
  assert.equal(a2.memberEpoch, 1)
  assert.equal(parts(a2)!.length, 2)
  same()
  // A keeps reporting the revoked partitions; after its rebalance timeout it is fenced.
  h.advance(5_000)
  assert.equal((await c.consumerGroupHeartbeat(hb('a', 1, [0, 1, 2, 3]))).memberEpoch, 1)
  h.advance(5_001)
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(c.consumerGroup('g')!.members.has('a'), false)
  assert.equal((await c.consumerGroupHeartbeat(hb('a', 1, [0, 1]))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
  // B now gets every partition (the group epoch moved when A was fenced).
  const b2 = await c.consumerGroupHeartbeat(hb('b', 2, []))
  assert.deepEqual([b2.memberEpoch, parts(b2)], [3, [0, 1, 2, 3]])
  same()
  // A topic growing changes the metadata hash: the next heartbeat bumps the epoch and assigns the new partition.
  topics.set('t', { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 5 })
  const b3 = await c.consumerGroupHeartbeat(hb('b', 3, [0, 1, 2, 3]))
  assert.deepEqual([b3.memberEpoch, parts(b3)], [4, [0, 1, 2, 3, 4]])
  same()
  topics.set('t', { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 4 })
})

test('a failed append changes nothing; offsets of subscribed topics outlive retention while the group has members', async () => {
  const h = harness({ offsetsTopicPartitions: 1, offsetsRetentionMs: 60_000, consumerSessionTimeoutMs: 1_000_000 }, { topics: lookup })
  const c = h.coordinator
  const a = await c.consumerGroupHeartbeat(hb('a', 0, []))
  const before = c.snapshot()
  h.failWith.err = Object.assign(new Error('disk'), { code: 'KAFKA_STORAGE_ERROR' })
  const failed = await c.consumerGroupHeartbeat(hb('b', 0, []))
  assert.equal(failed.errorCode, ErrorCode.NOT_COORDINATOR)
  assert.deepEqual(c.snapshot(), before)
  h.failWith.err = null
  const offsets = [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }, { topic: 'u', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }]
  const commit = (epoch: number, version = 9) => c.commitOffsets({ groupId: 'g', generationId: epoch, memberId: 'a', groupInstanceId: null, retentionTimeMs: -1, offsets, version })
  assert.deepEqual((await commit(a.memberEpoch, 8)).map((p) => p.errorCode), [ErrorCode.UNSUPPORTED_VERSION, ErrorCode.UNSUPPORTED_VERSION])
  assert.deepEqual((await commit(a.memberEpoch)).map((p) => p.errorCode), [0, 0])
  h.advance(120_000)
  assert.equal(await c.expireOffsets(), 1, 'only the unsubscribed topic u expires')
  assert.deepEqual(c.fetchOffsets('g', null).offsets.map((o) => o.topic), ['t'])
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
})
