// Conversions between an empty consumer group and a classic one, as Kafka makes them: when the
// last KIP-848 member has left, a classic JoinGroup turns the empty consumer group into a classic
// group (the consumer group's records get tombstones, committed offsets stay), and a consumer
// heartbeat turns an empty classic group back. A consumer group with members refuses classic
// members of another protocol type (INCONSISTENT_GROUP_PROTOCOL); groups with members migrate
// online (consumer-group-migration.test.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../../src/broker/index.ts'
import { ApiKey } from '../../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import type { ConsumerHeartbeatRequest } from '../../../../src/broker/coordinator/group/consumer-membership.ts'
import type { ConsumerGroupHeartbeatResponse } from '../../../../src/protocol/generated/messages/consumer-group-heartbeat.ts'
import type { JoinGroupResponse } from '../../../../src/protocol/generated/messages/join-group.ts'
import type { SyncGroupResponse } from '../../../../src/protocol/generated/messages/sync-group.ts'
import type { OffsetCommitResponse } from '../../../../src/protocol/generated/messages/offset-commit.ts'
import type { OffsetFetchResponse } from '../../../../src/protocol/generated/messages/offset-fetch.ts'
import type { ListGroupsResponse } from '../../../../src/protocol/generated/messages/list-groups.ts'
import type { LeaveGroupResponse } from '../../../../src/protocol/generated/messages/leave-group.ts'
import { AdminRaw } from '../../api/admin-client.ts'
import { harness, joinReq, subscription } from './harness.ts'

const T = 'AAAAAAAAAAAAAAAAAAAAAQ'

test('shard: an empty consumer group becomes classic on JoinGroup; replay agrees; a non-empty one refuses other protocol types', async () => {
  const topics = new Map([['t', { topicId: T, partitions: 2 }]])
  const h = harness({ offsetsTopicPartitions: 1 }, { topics: { byName: (n) => topics.get(n), names: () => topics.keys() } })
  const c = h.coordinator
  const hb = (memberId: string, memberEpoch: number): ConsumerHeartbeatRequest => ({
    groupId: 'g', memberId, memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: memberEpoch === 0 ? 10_000 : -1,
    subscribedTopicNames: memberEpoch === 0 ? ['t'] : null, subscribedTopicRegex: null, serverAssignor: null,
    topicPartitions: memberEpoch === 0 ? [] : null, clientId: 'c', clientHost: '/h', version: 1,
  })
  assert.equal((await c.consumerGroupHeartbeat(hb('a', 0))).errorCode, ErrorCode.NONE)
  assert.equal((await c.joinGroup(joinReq({ protocolType: 'connect' }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'a member is still there')
  assert.equal((await c.consumerGroupHeartbeat(hb('a', -1))).errorCode, ErrorCode.NONE)
  assert.equal(c.consumerGroup('g')?.state, 'Empty')
  const joined = await c.joinGroup(joinReq({ protocols: [{ name: 'range', metadata: subscription(['t']) }] }))
  assert.equal(joined.errorCode, ErrorCode.NONE)
  assert.equal(c.consumerGroup('g'), undefined)
  assert.equal(c.group('g')?.size, 1)
  const sync = await c.syncGroup({ groupId: 'g', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
  assert.equal(sync.errorCode, ErrorCode.NONE)
  const replayed = h.replayed()
  assert.equal(replayed.consumerGroup('g'), undefined, 'the tombstones replay')
  assert.deepEqual(replayed.snapshot(), c.snapshot())
})

test('wire: the last consumer-protocol member leaves, a classic consumer joins the same group and finds its offsets', { timeout: 30_000 }, async () => {
  const broker = await startBroker({ config: { 'offsets.topic.num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } })
  const c = await AdminRaw.connect(broker.port)
  try {
    await c.call(ApiKey.CreateTopics, 7, { topics: [{ name: 'dt', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false })
    const beat = (memberEpoch: number) => c.call<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: 'mig', memberId: 'kip848-member', memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: memberEpoch === 0 ? 30_000 : -1,
      subscribedTopicNames: memberEpoch === 0 ? ['dt'] : null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: memberEpoch === 0 ? [] : null,
    })
    const joined = await beat(0)
    assert.equal(joined.errorCode, ErrorCode.NONE, joined.errorMessage ?? '')
    const commit = await c.call<OffsetCommitResponse>(ApiKey.OffsetCommit, 9, {
      groupId: 'mig', generationIdOrMemberEpoch: joined.memberEpoch, memberId: 'kip848-member', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 'dt', partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
    })
    assert.equal(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE)
    assert.equal((await beat(-1)).errorCode, ErrorCode.NONE)

    // A classic consumer (JoinGroup v5 with MEMBER_ID_REQUIRED, SyncGroup) joins the now empty group.
    const join = (memberId: string) => c.call<JoinGroupResponse>(ApiKey.JoinGroup, 5, {
      groupId: 'mig', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['dt']) }], reason: null,
    })
    const first = await join('')
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED)
    const j = await join(first.memberId)
    assert.equal(j.errorCode, ErrorCode.NONE)
    const s = await c.call<SyncGroupResponse>(ApiKey.SyncGroup, 3, { groupId: 'mig', generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from('x') }] })
    assert.equal(s.errorCode, ErrorCode.NONE)
    const listed = await c.call<ListGroupsResponse>(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] })
    assert.deepEqual(listed.groups.filter((g) => g.groupId === 'mig').map((g) => [g.groupType, g.groupState]), [['classic', 'Stable']])
    const fetched = await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 8, {
      groupId: '', topics: [], requireStable: false, groups: [{ groupId: 'mig', memberId: null, memberEpoch: -1, topics: [{ name: 'dt', partitionIndexes: [1] }] }],
    })
    assert.equal(fetched.groups[0]!.topics[0]!.partitions[0]!.committedOffset, 42n, 'offsets survive the conversion')

    // And back: the classic member leaves; a consumer-protocol heartbeat upgrades the empty classic group.
    const left = await c.call<LeaveGroupResponse>(ApiKey.LeaveGroup, 3, { groupId: 'mig', memberId: '', members: [{ memberId: j.memberId, groupInstanceId: null, reason: null }] })
    assert.equal(left.errorCode, ErrorCode.NONE)
    assert.equal((await beat(0)).errorCode, ErrorCode.NONE)
    const again = await c.call<ListGroupsResponse>(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] })
    assert.deepEqual(again.groups.filter((g) => g.groupId === 'mig').map((g) => g.groupType), ['consumer'])
  } finally {
    c.close()
    await broker.close()
  }
})
