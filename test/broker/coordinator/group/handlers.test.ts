// The group APIs over TCP against an in-process broker (generated codecs, as clients send them):
// old and new versions of every API, FindCoordinator's batched keys and key types, OffsetFetch's
// multi-group form, LeaveGroup's batched members, and state surviving a broker restart through
// __consumer_offsets.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker } from '../../../../src/broker/index.ts'
import type { Broker } from '../../../../src/broker/index.ts'
import { ApiKey } from '../../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../../src/protocol/generated/messages/create-topics.ts'
import type { FindCoordinatorResponse } from '../../../../src/protocol/generated/messages/find-coordinator.ts'
import type { JoinGroupResponse } from '../../../../src/protocol/generated/messages/join-group.ts'
import type { SyncGroupResponse } from '../../../../src/protocol/generated/messages/sync-group.ts'
import type { HeartbeatResponse } from '../../../../src/protocol/generated/messages/heartbeat.ts'
import type { LeaveGroupResponse } from '../../../../src/protocol/generated/messages/leave-group.ts'
import type { OffsetCommitResponse } from '../../../../src/protocol/generated/messages/offset-commit.ts'
import type { OffsetFetchResponse } from '../../../../src/protocol/generated/messages/offset-fetch.ts'
import type { DescribeGroupsResponse } from '../../../../src/protocol/generated/messages/describe-groups.ts'
import type { ListGroupsResponse } from '../../../../src/protocol/generated/messages/list-groups.ts'
import type { DeleteGroupsResponse } from '../../../../src/protocol/generated/messages/delete-groups.ts'
import type { OffsetDeleteResponse } from '../../../../src/protocol/generated/messages/offset-delete.ts'
import type { ApiVersionsResponse } from '../../../../src/protocol/generated/messages/api-versions.ts'
import type { DeleteTopicsResponse } from '../../../../src/protocol/generated/messages/delete-topics.ts'
import { openDataDirMetadata } from '../../cluster/metadata-helpers.ts'
import { AdminRaw } from '../../api/admin-client.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../../raw-client.ts'
import { subscription } from './harness.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-groups-'))
// zstd-compressed coordinator batches: the restart below loads them back.
const CONFIG = {
  'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000, 'offsets.topic.compression.codec': 4,
}
after(() => rmSync(dataDir, { recursive: true, force: true }))

async function open(): Promise<{ broker: Broker, c: AdminRaw }> {
  const broker = await startBroker({ dataDir, config: CONFIG })
  return { broker, c: await AdminRaw.connect(broker.port) }
}

const join5 = (c: AdminRaw, groupId: string, memberId: string, version = 5) => c.call<JoinGroupResponse>(ApiKey.JoinGroup, version, {
  groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: subscription(['t']) }], reason: null,
})

const commit = (c: AdminRaw, version: number, groupId: string, generationId: number, memberId: string, offset: bigint, partition = 0) =>
  c.call<OffsetCommitResponse>(ApiKey.OffsetCommit, version, {
    groupId, generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, retentionTimeMs: -1n,
    topics: [{ name: 't', partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: 4, commitTimestamp: -1n, committedMetadata: 'm' }] }],
  })

test('group APIs over the wire, and their state after a restart', async () => {
  let { broker, c } = await open()
  try {
    const create = defaultCreateTopicsRequest()
    create.timeoutMs = 5000
    create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 't', numPartitions: 2, replicationFactor: 1 })]
    assert.equal((await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)).topics[0].errorCode, 0)

    // Advertised ranges include the exact old versions librdkafka 2.0.2 checks for.
    const av = await c.call<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })
    const range = (k: number) => av.apiKeys.find((a) => a.apiKey === k)
    for (const [k, max] of [[ApiKey.FindCoordinator, 6], [ApiKey.JoinGroup, 9], [ApiKey.SyncGroup, 5], [ApiKey.Heartbeat, 4], [ApiKey.LeaveGroup, 5],
      [ApiKey.OffsetCommit, 10], [ApiKey.OffsetFetch, 10], [ApiKey.DescribeGroups, 6], [ApiKey.ListGroups, 5], [ApiKey.DeleteGroups, 3], [ApiKey.OffsetDelete, 0]]) {
      assert.deepEqual([range(k)?.minVersion, range(k)?.maxVersion], [0, max], `api ${k}`)
    }

    // FindCoordinator: v0 single key, v4 batched keys, unknown key type.
    const fc0 = await c.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 0, { key: 'g1', keyType: 0, coordinatorKeys: [] })
    assert.deepEqual([fc0.errorCode, fc0.nodeId, fc0.port], [0, 1, broker.port])
    const fc4 = await c.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: ['g1', 'g2'] })
    assert.deepEqual(fc4.coordinators.map((x) => [x.key, x.errorCode, x.nodeId, x.port]), [['g1', 0, 1, broker.port], ['g2', 0, 1, broker.port]])
    const bad = await c.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 4, { key: '', keyType: 7, coordinatorKeys: ['x'] })
    assert.equal(bad.coordinators[0].errorCode, ErrorCode.INVALID_REQUEST)

    // JoinGroup v0 (no member id round trip), SyncGroup v0, Heartbeat v0, OffsetCommit v2.
    const j0 = await join5(c, 'g1', '', 0)
    assert.equal(j0.errorCode, 0)
    assert.equal(j0.leader, j0.memberId)
    assert.match(j0.memberId, /^samsa-test-|^[\w-]+-[0-9a-f-]{36}$/)
    const s0 = await c.call<SyncGroupResponse>(ApiKey.SyncGroup, 0, { groupId: 'g1', generationId: j0.generationId, memberId: j0.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: j0.memberId, assignment: Buffer.from('as') }] })
    assert.equal(s0.assignment.toString(), 'as')
    assert.equal((await c.call<HeartbeatResponse>(ApiKey.Heartbeat, 0, { groupId: 'g1', generationId: j0.generationId, memberId: j0.memberId, groupInstanceId: null })).errorCode, 0)
    assert.equal((await commit(c, 2, 'g1', j0.generationId, j0.memberId, 7n)).topics[0].partitions[0].errorCode, 0)
    assert.equal((await commit(c, 8, 'g1', 99, j0.memberId, 8n)).topics[0].partitions[0].errorCode, ErrorCode.ILLEGAL_GENERATION)
    assert.equal((await commit(c, 8, 'nogroup', 3, 'x', 8n)).topics[0].partitions[0].errorCode, ErrorCode.ILLEGAL_GENERATION)
    assert.equal((await commit(c, 8, 'g1', j0.generationId, j0.memberId, 8n, 9)).topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    // v0 commits are memberless ("simple" group g2).
    assert.equal((await commit(c, 0, 'g2', -1, '', 11n, 1)).topics[0].partitions[0].errorCode, 0)

    // JoinGroup v4+: MEMBER_ID_REQUIRED first.
    const j5 = await join5(c, 'g3', '')
    assert.equal(j5.errorCode, ErrorCode.MEMBER_ID_REQUIRED)
    assert.notEqual(j5.memberId, '')

    // OffsetFetch v1 (one group, partitions listed) and v8 (several groups, one asking for all).
    const f1 = await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 1, { groupId: 'g1', topics: [{ name: 't', partitionIndexes: [0, 1] }], groups: [], requireStable: false })
    assert.deepEqual(f1.topics[0].partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata]), [[0, 7n, 'm'], [1, -1n, '']])
    const f8 = await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 8, {
      groupId: '', topics: [], requireStable: true,
      groups: [{ groupId: 'g1', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] }, { groupId: 'g2', memberId: null, memberEpoch: -1, topics: null }],
    })
    assert.deepEqual(f8.groups.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.committedOffset, p.committedLeaderEpoch]))]),
      [['g1', 0, [['t', 0, 7n, -1]]], ['g2', 0, [['t', 1, 11n, -1]]]])

    // DescribeGroups v5, ListGroups v4 with a state filter, v5 with a type filter.
    const d = await c.call<DescribeGroupsResponse>(ApiKey.DescribeGroups, 5, { groups: ['g1', 'missing'], includeAuthorizedOperations: true })
    assert.deepEqual(d.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.protocolType, g.protocolData, g.members.length]),
      [['g1', 0, 'Stable', 'consumer', 'range', 1], ['missing', 0, 'Dead', '', '', 0]])
    assert.equal(d.groups[0].members[0].memberAssignment.toString(), 'as')
    assert.notEqual(d.groups[0].authorizedOperations, -2147483648)
    const l4 = await c.call<ListGroupsResponse>(ApiKey.ListGroups, 4, { statesFilter: ['Stable'], typesFilter: [] })
    assert.deepEqual(l4.groups.map((g) => [g.groupId, g.groupState]), [['g1', 'Stable']])
    const l5 = await c.call<ListGroupsResponse>(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ['classic'] })
    assert.deepEqual(l5.groups.map((g) => [g.groupId, g.groupType]).sort(), [['g1', 'classic'], ['g2', 'classic'], ['g3', 'classic']])

    // DeleteGroups refuses a live group; OffsetDelete refuses a subscribed topic.
    const dg = await c.call<DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: ['g1', 'missing'] })
    assert.deepEqual(dg.results.map((r) => r.errorCode), [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND])
    const od = await c.call<OffsetDeleteResponse>(ApiKey.OffsetDelete, 0, { groupId: 'g1', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] })
    assert.equal(od.topics[0].partitions[0].errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC)

    // Restart: the group comes back Stable with its member, generation and offsets.
    c.close()
    await broker.close()
    ;({ broker, c } = await open())
    let back: DescribeGroupsResponse
    for (;;) {
      back = await c.call<DescribeGroupsResponse>(ApiKey.DescribeGroups, 0, { groups: ['g1'], includeAuthorizedOperations: false })
      if (back.groups[0].errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) break
      await new Promise((r) => setTimeout(r, 20))
    }
    assert.deepEqual([back.groups[0].groupState, back.groups[0].members[0]?.memberId], ['Stable', j0.memberId])
    assert.equal((await c.call<HeartbeatResponse>(ApiKey.Heartbeat, 3, { groupId: 'g1', generationId: j0.generationId, memberId: j0.memberId, groupInstanceId: null })).errorCode, 0)
    const f2 = await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 2, { groupId: 'g2', topics: null, groups: [], requireStable: false })
    assert.deepEqual(f2.topics.map((t) => [t.name, t.partitions[0].committedOffset]), [['t', 11n]])

    // LeaveGroup v3 with batched members (one unknown), then the group can be deleted.
    const lv = await c.call<LeaveGroupResponse>(ApiKey.LeaveGroup, 3, { groupId: 'g1', memberId: '', members: [{ memberId: j0.memberId, groupInstanceId: null, reason: null }, { memberId: 'ghost', groupInstanceId: null, reason: null }] })
    assert.deepEqual([lv.errorCode, ...lv.members.map((m) => m.errorCode)], [0, 0, ErrorCode.UNKNOWN_MEMBER_ID])
    const lv0 = await c.call<LeaveGroupResponse>(ApiKey.LeaveGroup, 0, { groupId: 'g1', memberId: 'ghost', members: [] })
    assert.equal(lv0.errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
    for (;;) {
      const st = await c.call<DescribeGroupsResponse>(ApiKey.DescribeGroups, 0, { groups: ['g1'], includeAuthorizedOperations: false })
      if (st.groups[0].groupState === 'Empty') break
      await new Promise((r) => setTimeout(r, 10))
    }
    const od2 = await c.call<OffsetDeleteResponse>(ApiKey.OffsetDelete, 0, { groupId: 'g1', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] })
    assert.deepEqual([od2.errorCode, od2.topics[0].partitions[0].errorCode], [0, 0])
    const dg2 = await c.call<DeleteGroupsResponse>(ApiKey.DeleteGroups, 0, { groupsNames: ['g1', 'g2'] })
    assert.deepEqual(dg2.results.map((r) => r.errorCode), [0, 0])
    c.close()
    await broker.close()
    ;({ broker, c } = await open())
    await new Promise((r) => setTimeout(r, 100))
    const gone = await c.call<ListGroupsResponse>(ApiKey.ListGroups, 0, { statesFilter: [], typesFilter: [] })
    assert.deepEqual(gone.groups.map((g) => g.groupId).filter((g) => g === 'g1' || g === 'g2'), [], 'deleted groups stay deleted after a restart')
  } finally {
    c.close()
    await broker.close()
  }
})

test('offsets of a deleted topic are removed', async () => {
  const broker = await startBroker({ config: CONFIG })
  const c = await AdminRaw.connect(broker.port)
  try {
    const create = defaultCreateTopicsRequest()
    create.timeoutMs = 5000
    create.topics = ['t', 'keep'].map((name) => Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name, numPartitions: 1, replicationFactor: 1 }))
    await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)
    assert.equal((await commit(c, 2, 'g', -1, '', 5n)).topics[0].partitions[0].errorCode, 0)
    await c.call<OffsetCommitResponse>(ApiKey.OffsetCommit, 2, {
      groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 'keep', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
    })
    const del = await c.call<DeleteTopicsResponse>(ApiKey.DeleteTopics, 4, { topicNames: ['t'], topics: [], timeoutMs: 5000 })
    assert.equal(del.responses[0].errorCode, 0)
    const fetchTopics = async () => (await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 2, { groupId: 'g', topics: null, groups: [], requireStable: false }))
      .topics.map((t) => t.name)
    assert.deepEqual(await fetchTopics(), ['keep'], 'gone as soon as the deletion is answered')
    // a re-created topic of the same name starts without the old offsets, and takes new ones
    await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)
    assert.deepEqual(await fetchTopics(), ['keep'])
    assert.equal((await commit(c, 2, 'g', -1, '', 1n)).topics[0].partitions[0].errorCode, 0)
    assert.deepEqual((await fetchTopics()).sort(), ['keep', 't'])
  } finally {
    c.close()
    await broker.close()
  }
})

test('JoinGroup floods and huge member metadata over the wire: Kafka error codes, the broker keeps serving', async () => {
  const broker = await startBroker({ config: CONFIG })
  const raw = await RawClient.connect(broker.port)
  const c = await AdminRaw.connect(broker.port)
  try {
    // 3,000 pipelined joins: new members of distinct groups (MEMBER_ID_REQUIRED), bad protocol
    // types (INCONSISTENT_GROUP_PROTOCOL) and unknown member ids (UNKNOWN_MEMBER_ID).
    const n = 3000
    const frames: Buffer[] = []
    for (let i = 0; i < n; i++) {
      frames.push(requestFrame(ApiKey.JoinGroup, 5, i + 1, {
        groupId: `flood-${i}`, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: i % 3 === 2 ? 'nobody' : '', groupInstanceId: null,
        protocolType: i % 3 === 1 ? '' : 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(100, i) }], reason: null,
      }))
    }
    raw.write(Buffer.concat(frames))
    const codes = new Map<number, number>()
    for (let i = 0; i < n; i++) {
      const r = decodeResponseFrame<JoinGroupResponse>(ApiKey.JoinGroup, 5, await raw.readFrame(10_000))
      assert.equal(r.correlationId, i + 1)
      codes.set(r.body.errorCode, (codes.get(r.body.errorCode) ?? 0) + 1)
    }
    assert.deepEqual(Object.fromEntries(codes), { [ErrorCode.MEMBER_ID_REQUIRED]: n / 3, [ErrorCode.INCONSISTENT_GROUP_PROTOCOL]: n / 3, [ErrorCode.UNKNOWN_MEMBER_ID]: n / 3 })
    const huge = await c.call<JoinGroupResponse>(ApiKey.JoinGroup, 5, {
      groupId: 'huge', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(2 * 1024 * 1024) }], reason: null,
    })
    assert.equal(huge.errorCode, ErrorCode.INVALID_REQUEST)
    const listed = await c.call<ListGroupsResponse>(ApiKey.ListGroups, 4, { statesFilter: [], typesFilter: [] })
    assert.equal(listed.groups.length, n / 3, 'only groups holding a pending member exist')
    const ok = await c.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 0, { key: 'after', keyType: 0, coordinatorKeys: [] })
    assert.equal(ok.errorCode, 0)
  } finally {
    raw.destroy()
    c.close()
    await broker.close()
  }
})

test('an OffsetFetch pipelined right behind an OffsetCommit sees that commit (as on Kafka\'s one-request-at-a-time connections)', async () => {
  const broker = await startBroker({ config: CONFIG })
  const c = await AdminRaw.connect(broker.port)
  const raw = await RawClient.connect(broker.port)
  try {
    const create = defaultCreateTopicsRequest()
    create.timeoutMs = 5000
    create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 't', numPartitions: 1, replicationFactor: 1 })]
    await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)
    assert.equal((await commit(c, 2, 'pipe', -1, '', 1n)).topics[0].partitions[0].errorCode, 0)
    for (let i = 2; i <= 20; i++) {
      raw.write(Buffer.concat([
        requestFrame(ApiKey.OffsetCommit, 2, 2 * i, {
          groupId: 'pipe', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
          topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: BigInt(i), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
        }),
        requestFrame(ApiKey.OffsetFetch, 2, 2 * i + 1, { groupId: 'pipe', topics: [{ name: 't', partitionIndexes: [0] }], groups: [], requireStable: false }),
      ]))
      const committed = decodeResponseFrame<OffsetCommitResponse>(ApiKey.OffsetCommit, 2, await raw.readFrame())
      assert.equal(committed.body.topics[0].partitions[0].errorCode, 0)
      const fetched = decodeResponseFrame<OffsetFetchResponse>(ApiKey.OffsetFetch, 2, await raw.readFrame())
      assert.equal(fetched.body.topics[0].partitions[0].committedOffset, BigInt(i))
    }
  } finally {
    raw.destroy()
    c.close()
    await broker.close()
  }
})

test('offsets of a topic deleted while the broker was down are dropped after loading', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-groups-down-'))
  try {
    let broker = await startBroker({ dataDir: dir, config: CONFIG })
    let c = await AdminRaw.connect(broker.port)
    const create = defaultCreateTopicsRequest()
    create.timeoutMs = 5000
    create.topics = ['t', 'keep'].map((name) => Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name, numPartitions: 1, replicationFactor: 1 }))
    await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)
    assert.equal((await commit(c, 2, 'g', -1, '', 5n)).topics[0].partitions[0].errorCode, 0)
    await c.call<OffsetCommitResponse>(ApiKey.OffsetCommit, 2, {
      groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 'keep', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
    })
    c.close()
    await broker.close()
    // The topic goes (metadata and log) while no broker runs.
    const store = await openDataDirMetadata(dir, 1)
    assert.ok(await store.controller.deleteTopic('t'))
    await store.close()
    assert.ok(existsSync(join(dir, 't-0')))
    rmSync(join(dir, 't-0'), { recursive: true })
    broker = await startBroker({ dataDir: dir, config: CONFIG })
    c = await AdminRaw.connect(broker.port)
    try {
      let topics: string[] = []
      for (let i = 0; i < 100; i++) {
        const f = await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 2, { groupId: 'g', topics: null, groups: [], requireStable: false })
        topics = f.topics.map((t) => t.name)
        if (f.errorCode === 0 && !topics.includes('t')) break
        await new Promise((r) => setTimeout(r, 20))
      }
      assert.deepEqual(topics, ['keep'])
    } finally {
      c.close()
      await broker.close()
    }
    // ... and their tombstones were written: still gone after another restart.
    broker = await startBroker({ dataDir: dir, config: CONFIG })
    c = await AdminRaw.connect(broker.port)
    try {
      const store2 = await groupsLoaded(c)
      assert.deepEqual(store2, ['keep'])
    } finally {
      c.close()
      await broker.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

/** Topics with offsets of group g once the coordinator answers (loading done). */
async function groupsLoaded(c: AdminRaw): Promise<string[]> {
  for (;;) {
    const f = await c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 2, { groupId: 'g', topics: null, groups: [], requireStable: false })
    if (f.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return f.topics.map((t) => t.name)
    await new Promise((r) => setTimeout(r, 20))
  }
}
