// KIP-932 share-group membership over the wire (generated codecs): ShareGroupHeartbeat v1 joins,
// heartbeats and leaves; ShareGroupDescribe shows epochs and assignments; partitions are shared
// when members outnumber them; bad input gets error codes; a restart replays the group from
// __consumer_offsets; another group type with the same id is refused.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker } from '../../../../src/broker/index.ts'
import type { Broker } from '../../../../src/broker/index.ts'
import { ApiKey } from '../../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import type { CreateTopicsResponse } from '../../../../src/protocol/generated/messages/create-topics.ts'
import type { ShareGroupHeartbeatResponse } from '../../../../src/protocol/generated/messages/share-group-heartbeat.ts'
import type { ShareGroupDescribeResponse } from '../../../../src/protocol/generated/messages/share-group-describe.ts'
import type { ConsumerGroupHeartbeatResponse } from '../../../../src/protocol/generated/messages/consumer-group-heartbeat.ts'
import type { ListGroupsResponse } from '../../../../src/protocol/generated/messages/list-groups.ts'
import type { DeleteGroupsResponse } from '../../../../src/protocol/generated/messages/delete-groups.ts'
import type { ApiVersionsResponse } from '../../../../src/protocol/generated/messages/api-versions.ts'
import type { ShareFetchResponse } from '../../../../src/protocol/generated/messages/share-fetch.ts'
import { AdminRaw } from '../../api/admin-client.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-share-group-'))
after(() => rmSync(dataDir, { recursive: true, force: true }))
const GROUP = 'sg'

async function open(): Promise<{ broker: Broker, c: AdminRaw }> {
  const broker = await startBroker({ dataDir, config: { 'offsets.topic.num.partitions': 1 } })
  return { broker, c: await AdminRaw.connect(broker.port) }
}

const beat = (c: AdminRaw, memberId: string, memberEpoch: number, topics: string[] | null = null, groupId = GROUP) =>
  c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId, memberId, memberEpoch, rackId: null, subscribedTopicNames: topics })

const describe = async (c: AdminRaw, groupId = GROUP) =>
  (await c.call<ShareGroupDescribeResponse>(ApiKey.ShareGroupDescribe, 1, { groupIds: [groupId], includeAuthorizedOperations: false })).groups[0]!

const count = (r: ShareGroupHeartbeatResponse) => (r.assignment?.topicPartitions ?? []).reduce((n, tp) => n + tp.partitions.length, 0)

test('share groups: join, share partitions, leave, bad input, restart, group types', { timeout: 60_000 }, async () => {
  let { broker, c } = await open()
  try {
    const versions = await c.call<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })
    for (const [key, min, max] of [[ApiKey.ShareGroupHeartbeat, 1, 1], [ApiKey.ShareGroupDescribe, 1, 1]] as const) {
      const v = versions.apiKeys.find((k) => k.apiKey === key)
      assert.deepEqual([v?.minVersion, v?.maxVersion], [min, max])
    }
    const created = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: 't', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    })
    assert.equal(created.topics[0]!.errorCode, 0)

    // Bad input: errors, not disconnects.
    assert.equal((await beat(c, '', 0, ['t'])).errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await beat(c, 'a', 0, null)).errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await beat(c, 'a', 0, [])).errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await beat(c, 'a', -2)).errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await beat(c, 'a', 0, ['t'], '')).errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await beat(c, 'a', 3)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND)

    // One member takes both partitions.
    const a = await beat(c, 'a', 0, ['t'])
    assert.equal(a.errorCode, ErrorCode.NONE, a.errorMessage ?? '')
    assert.deepEqual([a.memberId, a.memberEpoch, count(a), a.heartbeatIntervalMs], ['a', 1, 2, 5000])
    // Three more: two members split two partitions, then partitions are shared.
    const b = await beat(c, 'b', 0, ['t'])
    assert.equal(b.memberEpoch, 2)
    assert.equal(count(b), 1)
    const a2 = await beat(c, 'a', 1)
    assert.deepEqual([a2.memberEpoch, count(a2)], [2, 1])
    const epochs = new Map([['a', 2], ['b', 2], ['c', (await beat(c, 'c', 0, ['t'])).memberEpoch], ['d', (await beat(c, 'd', 0, ['t'])).memberEpoch]])
    for (const id of ['a', 'b', 'c', 'd']) {
      const r = await beat(c, id, epochs.get(id)!)
      assert.equal(r.errorCode, ErrorCode.NONE, `${id}: ${r.errorMessage}`)
      assert.equal(r.memberEpoch, 4)
    }
    const g = await describe(c)
    assert.deepEqual([g.errorCode, g.groupState, g.groupEpoch, g.assignmentEpoch, g.assignorName], [ErrorCode.NONE, 'Stable', 4, 4, 'simple'])
    const holders = new Map<number, number>()
    for (const m of g.members) {
      assert.equal(m.memberEpoch, 4)
      for (const tp of m.assignment.topicPartitions) {
        assert.equal(tp.topicName, 't')
        for (const p of tp.partitions) holders.set(p, (holders.get(p) ?? 0) + 1)
      }
    }
    assert.deepEqual([...holders].sort(), [[0, 2], [1, 2]], 'each partition shared by two of the four members')

    // Fencing and unknown members.
    assert.equal((await beat(c, 'a', 9)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH)
    assert.equal((await beat(c, 'zz', 4)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID)

    // Leave: the group epoch moves and the rest are reassigned.
    const left = await beat(c, 'd', -1)
    assert.deepEqual([left.errorCode, left.memberEpoch], [ErrorCode.NONE, -1])
    assert.equal((await describe(c)).groupEpoch, 5)

    // Group types: ListGroups v5 says share; a consumer-protocol member cannot use the id.
    const listed = await c.call<ListGroupsResponse>(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ['share'] })
    assert.deepEqual(listed.groups.map((x) => [x.groupId, x.groupType, x.groupState]), [[GROUP, 'share', 'Stable']])
    const cg = await c.call<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: GROUP, memberId: 'x', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: ['t'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
    })
    assert.equal(cg.errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
    assert.equal((await describe(c, 'nope')).errorCode, ErrorCode.GROUP_ID_NOT_FOUND)

    // Restart: the group comes back from __consumer_offsets.
    const before = await describe(c)
    c.close()
    await broker.close()
    ;({ broker, c } = await open())
    let reloaded = await describe(c)
    for (const end = Date.now() + 15_000; reloaded.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && Date.now() < end;) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      reloaded = await describe(c)
    }
    const shape = (x: typeof before) => ({ epoch: x.groupEpoch, assignmentEpoch: x.assignmentEpoch, members: x.members.map((m) => [m.memberId, m.memberEpoch, m.assignment]).sort() })
    assert.deepEqual(shape(reloaded), shape(before))
    assert.equal((await beat(c, 'a', before.members.find((m) => m.memberId === 'a')!.memberEpoch)).errorCode, ErrorCode.NONE)

    // DeleteGroups: refused while members remain, done once the group is empty.
    const del = async () => (await c.call<DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: [GROUP] })).results[0]!.errorCode
    assert.equal(await del(), ErrorCode.NON_EMPTY_GROUP)
    for (const id of ['a', 'b', 'c']) assert.equal((await beat(c, id, -1)).errorCode, ErrorCode.NONE)
    assert.equal((await describe(c)).groupState, 'Empty')
    assert.equal(await del(), ErrorCode.NONE)
    assert.equal((await describe(c)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
  } finally {
    c.close()
    await broker.close()
  }
})

test('share groups off (group.coordinator.rebalance.protocols without share): not advertised, UNSUPPORTED_VERSION', { timeout: 30_000 }, async () => {
  const broker = await startBroker({ config: { 'offsets.topic.num.partitions': 1, 'group.coordinator.rebalance.protocols': 'classic,consumer' } })
  const c = await AdminRaw.connect(broker.port)
  try {
    const versions = await c.call<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })
    for (const key of [ApiKey.ShareGroupHeartbeat, ApiKey.ShareGroupDescribe, ApiKey.ShareFetch, ApiKey.ShareAcknowledge, ApiKey.DescribeShareGroupOffsets]) {
      assert.equal(versions.apiKeys.some((k) => k.apiKey === key), false, `key ${key} advertised`)
    }
    assert.ok(versions.apiKeys.some((k) => k.apiKey === ApiKey.ConsumerGroupHeartbeat))
    assert.equal((await beat(c, 'a', 0, ['t'])).errorCode, ErrorCode.UNSUPPORTED_VERSION)
    const fetch = await c.call<ShareFetchResponse>(ApiKey.ShareFetch, 1, { groupId: GROUP, memberId: 'a', shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 1, maxBytes: 1, maxRecords: 1, batchSize: 1, topics: [], forgottenTopicsData: [] })
    assert.equal(fetch.errorCode, ErrorCode.UNSUPPORTED_VERSION)
  } finally {
    c.close()
    await broker.close()
  }
})
