// KIP-848 over the wire (generated codecs): simulated members heartbeat ConsumerGroupHeartbeat
// v1 and behave as clients do (they give up revoked partitions and report what they own on the
// next heartbeat). Through two members, a third joining, one leaving, one fenced, one expiring
// and a broker restart, no partition is ever held by two members: checked after every answer on
// the members' side and on the coordinator's (ConsumerGroupDescribe).
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
import type { ConsumerGroupHeartbeatResponse } from '../../../../src/protocol/generated/messages/consumer-group-heartbeat.ts'
import type { ConsumerGroupDescribeResponse } from '../../../../src/protocol/generated/messages/consumer-group-describe.ts'
import type { OffsetCommitResponse } from '../../../../src/protocol/generated/messages/offset-commit.ts'
import type { OffsetFetchResponse } from '../../../../src/protocol/generated/messages/offset-fetch.ts'
import type { ListGroupsResponse } from '../../../../src/protocol/generated/messages/list-groups.ts'
import type { DescribeGroupsResponse } from '../../../../src/protocol/generated/messages/describe-groups.ts'
import type { JoinGroupResponse } from '../../../../src/protocol/generated/messages/join-group.ts'
import type { DeleteGroupsResponse } from '../../../../src/protocol/generated/messages/delete-groups.ts'
import type { ApiVersionsResponse } from '../../../../src/protocol/generated/messages/api-versions.ts'
import { AdminRaw } from '../../api/admin-client.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-kip848-'))
const CONFIG = { 'offsets.topic.num.partitions': 1, 'group.consumer.session.timeout.ms': 4000 }
after(() => rmSync(dataDir, { recursive: true, force: true }))

const GROUP = 'g848'

class Member {
  epoch = 0
  owned = new Map<string, number[]>()
  constructor(readonly id: string, readonly c: AdminRaw, readonly instanceId: string | null = null) {}

  ownedList(): { topicId: string, partitions: number[] }[] {
    return [...this.owned].map(([topicId, partitions]) => ({ topicId, partitions }))
  }

  get count(): number {
    let n = 0
    for (const p of this.owned.values()) n += p.length
    return n
  }

  /** One heartbeat; a member given an assignment drops what it lost and takes what it got, as clients do. */
  async beat(epoch = this.epoch, extra: Record<string, unknown> = {}): Promise<ConsumerGroupHeartbeatResponse> {
    const full = epoch === 0
    const res = await this.c.call<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: GROUP, memberId: this.id, memberEpoch: epoch, instanceId: this.instanceId, rackId: null,
      rebalanceTimeoutMs: full ? 30_000 : -1, subscribedTopicNames: full ? ['t'] : null, subscribedTopicRegex: null,
      serverAssignor: full ? 'uniform' : null, topicPartitions: full ? [] : this.ownedList(), ...extra,
    })
    if (res.errorCode !== ErrorCode.NONE) return res
    this.epoch = res.memberEpoch
    if (res.assignment) this.owned = new Map(res.assignment.topicPartitions.map((tp) => [tp.topicId, [...tp.partitions]]))
    return res
  }
}

async function describe(c: AdminRaw) {
  const res = await c.call<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, 1, { groupIds: [GROUP], includeAuthorizedOperations: false })
  return res.groups[0]
}

/** No partition held by two members, neither as the members see it nor as the coordinator does. */
async function assertExclusive(c: AdminRaw, members: readonly Member[]): Promise<void> {
  const seen = new Map<string, string>()
  for (const m of members) {
    for (const [t, ps] of m.owned) {
      for (const p of ps) {
        const k = `${t}:${p}`
        assert.equal(seen.get(k), undefined, `partition ${p} owned by ${seen.get(k)} and ${m.id}`)
        seen.set(k, m.id)
      }
    }
  }
  const g = await describe(c)
  const held = new Map<number, string>()
  for (const m of g.members) {
    for (const tp of m.assignment.topicPartitions) {
      for (const p of tp.partitions) {
        assert.equal(held.get(p), undefined, `coordinator assigns partition ${p} to ${held.get(p)} and ${m.memberId}`)
        held.set(p, m.memberId)
      }
    }
  }
}

/** Heartbeats every member in turn until the group is Stable with the given partition counts. */
async function converge(c: AdminRaw, members: readonly Member[], counts: readonly number[]): Promise<void> {
  for (let round = 0; round < 20; round++) {
    for (const m of members) {
      const res = await m.beat()
      assert.equal(res.errorCode, ErrorCode.NONE, `${m.id}: ${res.errorMessage}`)
      await assertExclusive(c, members)
    }
    const g = await describe(c)
    if (g.groupState === 'Stable' && members.every((m, i) => m.count === counts[i] && m.epoch === g.groupEpoch)) return
  }
  assert.fail(`no stable assignment: ${JSON.stringify(await describe(c))}`)
}

async function open(): Promise<{ broker: Broker, c: AdminRaw }> {
  const broker = await startBroker({ dataDir, config: CONFIG })
  return { broker, c: await AdminRaw.connect(broker.port) }
}

test('consumer protocol: join, a third member, leave, fencing, expiry, epochs on offsets, restart', { timeout: 60_000 }, async () => {
  let { broker, c } = await open()
  try {
    const versions = await c.call<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })
    const hb = versions.apiKeys.find((k) => k.apiKey === ApiKey.ConsumerGroupHeartbeat)
    assert.deepEqual([hb?.minVersion, hb?.maxVersion], [0, 1])
    const created = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: 't', numPartitions: 6, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    })
    assert.equal(created.topics[0].errorCode, 0)

    // Invalid requests are errors, not disconnects.
    const a = new Member('member-a', c)
    assert.equal((await a.beat(0, { rebalanceTimeoutMs: -1 })).errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await a.beat(0, { serverAssignor: 'sticky' })).errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR)
    assert.equal((await a.beat(0, { subscribedTopicRegex: '(?=x)t' })).errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION)
    assert.equal((await a.beat(5)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND)

    // One member takes every partition.
    const first = await a.beat()
    assert.equal(first.errorCode, ErrorCode.NONE)
    assert.equal(a.epoch, 1)
    assert.equal(a.count, 6)
    assert.equal(first.heartbeatIntervalMs, 5000)

    // A second: it waits (epoch 2, nothing) until A has revoked; A keeps epoch 1 while revoking.
    const b = new Member('member-b', c)
    await b.beat()
    assert.equal(b.epoch, 2)
    assert.equal(b.count, 0)
    await assertExclusive(c, [a, b])
    const revoking = await a.beat()
    assert.equal(a.epoch, 1, 'a member revoking stays in its epoch')
    assert.equal(a.count, 3, JSON.stringify(revoking) + JSON.stringify(await describe(c)))
    assert.equal(a.count, 3)
    await converge(c, [a, b], [3, 3])

    // A third joins, then B leaves.
    const m3 = new Member('member-c', c)
    await converge(c, [a, b, m3], [2, 2, 2])
    const left = await b.beat(-1)
    assert.deepEqual([left.errorCode, left.memberEpoch], [ErrorCode.NONE, -1])
    await converge(c, [a, m3], [3, 3])

    // Fencing: a wrong epoch, an unknown member; the fenced member rejoins from zero.
    assert.equal((await m3.beat(m3.epoch + 5)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH)
    assert.equal((await new Member('nobody', c).beat(3)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
    m3.owned.clear()
    await m3.beat(0)
    await converge(c, [a, m3], [3, 3])

    // Offsets: OffsetCommit/OffsetFetch v9 carry the member epoch.
    const commit = (epoch: number) => c.call<OffsetCommitResponse>(ApiKey.OffsetCommit, 9, {
      groupId: GROUP, generationIdOrMemberEpoch: epoch, memberId: a.id, groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
    })
    assert.equal((await commit(a.epoch - 1)).topics[0].partitions[0].errorCode, ErrorCode.STALE_MEMBER_EPOCH)
    assert.equal((await commit(a.epoch)).topics[0].partitions[0].errorCode, ErrorCode.NONE)
    const fetch = (epoch: number) => c.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 9, {
      groupId: '', topics: [], requireStable: false, groups: [{ groupId: GROUP, memberId: a.id, memberEpoch: epoch, topics: [{ name: 't', partitionIndexes: [0] }] }],
    })
    assert.equal((await fetch(a.epoch + 1)).groups[0].errorCode, ErrorCode.STALE_MEMBER_EPOCH)
    const fetched = await fetch(a.epoch)
    assert.equal(fetched.groups[0].errorCode, ErrorCode.NONE)
    assert.equal(fetched.groups[0].topics[0].partitions[0].committedOffset, 7n)

    // The group's type in ListGroups v5; DescribeGroups v6 says it is not a classic group.
    const listed = await c.call<ListGroupsResponse>(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] })
    assert.deepEqual(listed.groups.map((g) => [g.groupId, g.groupType]), [[GROUP, 'consumer']])
    const dg = await c.call<DescribeGroupsResponse>(ApiKey.DescribeGroups, 6, { groups: [GROUP], includeAuthorizedOperations: false })
    assert.equal(dg.groups[0].errorCode, ErrorCode.GROUP_ID_NOT_FOUND)

    // Restart: the group, its epochs and assignments come back from __consumer_offsets.
    const before = await describe(c)
    c.close()
    await broker.close()
    ;({ broker, c } = await open())
    // __consumer_offsets may still be loading (slow under load): wait for the load, not a time.
    let reloaded = await describe(c)
    for (const end = Date.now() + 15_000; reloaded.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && Date.now() < end;) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      reloaded = await describe(c)
    }
    assert.equal(reloaded.errorCode, ErrorCode.NONE)
    assert.deepEqual(
      { epoch: reloaded.groupEpoch, assignmentEpoch: reloaded.assignmentEpoch, members: reloaded.members.map((m) => [m.memberId, m.memberEpoch, m.assignment]) },
      { epoch: before.groupEpoch, assignmentEpoch: before.assignmentEpoch, members: before.members.map((m) => [m.memberId, m.memberEpoch, m.assignment]) },
    )
    const a2 = Object.assign(new Member(a.id, c), { epoch: a.epoch, owned: a.owned })
    const m32 = Object.assign(new Member(m3.id, c), { epoch: m3.epoch, owned: m3.owned })
    assert.equal((await a2.beat()).errorCode, ErrorCode.NONE, 'a member keeps its epoch across a coordinator restart')

    // Session expiry: m3 goes silent; A alone ends up with every partition.
    const deadline = Date.now() + 20_000
    for (;;) {
      const res = await a2.beat()
      assert.equal(res.errorCode, ErrorCode.NONE)
      await assertExclusive(c, [a2])
      if (a2.count === 6) break
      assert.ok(Date.now() < deadline, 'the silent member was not expired')
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    assert.equal((await m32.beat()).errorCode, ErrorCode.UNKNOWN_MEMBER_ID)

    // A classic member of another protocol type cannot join it (consumer-type ones can: online
    // migration, consumer-group-migration tests); once empty it can be deleted, offsets with it.
    const join = await c.call<JoinGroupResponse>(ApiKey.JoinGroup, 5, {
      groupId: GROUP, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'connect',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null,
    })
    assert.equal(join.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    const del = () => c.call<DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: [GROUP] })
    assert.equal((await del()).results[0].errorCode, ErrorCode.NON_EMPTY_GROUP)
    assert.equal((await a2.beat(-1)).errorCode, ErrorCode.NONE)
    assert.equal((await describe(c)).groupState, 'Empty')
    assert.equal((await del()).results[0].errorCode, ErrorCode.NONE)
    assert.equal((await describe(c)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
    assert.equal((await fetch(-1)).groups[0].topics[0].partitions[0].committedOffset, -1n)
  } finally {
    c.close()
    await broker.close()
  }
})

test('without `consumer` in group.coordinator.rebalance.protocols the APIs are neither advertised nor served', async () => {
  const broker = await startBroker({ config: { 'group.coordinator.rebalance.protocols': 'classic' } })
  const c = await AdminRaw.connect(broker.port)
  try {
    const versions = await c.call<ApiVersionsResponse>(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })
    assert.equal(versions.apiKeys.some((k) => k.apiKey === ApiKey.ConsumerGroupHeartbeat || k.apiKey === ApiKey.ConsumerGroupDescribe), false)
    assert.equal((await new Member('m', c).beat(0)).errorCode, ErrorCode.UNSUPPORTED_VERSION)
  } finally {
    c.close()
    await broker.close()
  }
})

test('static members: -2 keeps the assignment for the next instance, which takes it over without a revocation round', async () => {
  const broker = await startBroker({ config: CONFIG })
  const c = await AdminRaw.connect(broker.port)
  try {
    await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: 't', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    })
    const a = new Member('static-a1', c, 'instance-a')
    const b = new Member('dyn-b', c)
    await a.beat()
    await converge(c, [a, b], [2, 2])
    const before = await describe(c)
    // Another process with the same instance id while the first is alive: refused.
    assert.equal((await new Member('static-a2', c, 'instance-a').beat(0)).errorCode, ErrorCode.UNRELEASED_INSTANCE_ID)
    // A wrong member id for the instance is fenced.
    assert.equal((await new Member('intruder', c, 'instance-a').beat(3)).errorCode, ErrorCode.FENCED_INSTANCE_ID)
    const left = await a.beat(-2)
    assert.deepEqual([left.errorCode, left.memberEpoch], [ErrorCode.NONE, -2])
    // The restarted instance (new member id) gets the same partitions at once; the group epoch does not move.
    const a2 = new Member('static-a2', c, 'instance-a')
    await a2.beat()
    assert.deepEqual([...a2.owned.values()].flat().sort(), [...a.owned.values()].flat().sort())
    await converge(c, [a2, b], [2, 2])
    const after = await describe(c)
    assert.equal(after.groupEpoch, before.groupEpoch)
    assert.deepEqual(after.members.map((m) => m.memberId).sort(), ['dyn-b', 'static-a2'])
  } finally {
    c.close()
    await broker.close()
  }
})
