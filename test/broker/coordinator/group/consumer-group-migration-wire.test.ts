// Online migration over the wire (generated codecs), against a broker with a data directory:
// two classic members (JoinGroup/SyncGroup/Heartbeat v4-5) form a group; a ConsumerGroupHeartbeat
// member joins and the group becomes a consumer group; the classic members are told to rejoin and
// get their partitions from the broker (no leader); a broker restart replays the converted group;
// the consumer member leaves and the group is classic again, its members rebalancing as classic
// members with a leader. After every step, ConsumerGroupDescribe shows no partition held twice.
// With group.consumer.migration.policy=disabled both directions are refused, as Kafka refuses them.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker } from '../../../../src/broker/index.ts'
import type { Broker } from '../../../../src/broker/index.ts'
import { ApiKey } from '../../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { Reader, Writer } from '../../../../src/protocol/primitives/index.ts'
import { readConsumerProtocolAssignment, sizeConsumerProtocolAssignment, writeConsumerProtocolAssignment } from '../../../../src/protocol/generated/data/consumer-protocol-assignment.ts'
import type { ConsumerGroupHeartbeatResponse } from '../../../../src/protocol/generated/messages/consumer-group-heartbeat.ts'
import type { ConsumerGroupDescribeResponse } from '../../../../src/protocol/generated/messages/consumer-group-describe.ts'
import type { JoinGroupResponse } from '../../../../src/protocol/generated/messages/join-group.ts'
import type { SyncGroupResponse } from '../../../../src/protocol/generated/messages/sync-group.ts'
import type { HeartbeatResponse } from '../../../../src/protocol/generated/messages/heartbeat.ts'
import type { OffsetCommitResponse } from '../../../../src/protocol/generated/messages/offset-commit.ts'
import type { OffsetFetchResponse } from '../../../../src/protocol/generated/messages/offset-fetch.ts'
import type { CreateTopicsResponse } from '../../../../src/protocol/generated/messages/create-topics.ts'
import type { ListGroupsResponse } from '../../../../src/protocol/generated/messages/list-groups.ts'
import { AdminRaw } from '../../api/admin-client.ts'
import { subscription } from './harness.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-migration-'))
after(() => rmSync(dataDir, { recursive: true, force: true }))
const CONFIG = { 'offsets.topic.num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 }
const GROUP = 'mixed'

function assignmentBytes(parts: number[]): Buffer {
  const v = { assignedPartitions: parts.length ? [{ topic: 'mt', partitions: parts }] : [], userData: null }
  const w = new Writer(2 + sizeConsumerProtocolAssignment(v, 0))
  w.int16(0)
  writeConsumerProtocolAssignment(w, v, 0)
  return w.finish()
}

function partsOf(assignment: Buffer): number[] {
  if (assignment.length === 0) return []
  const r = new Reader(assignment)
  const version = r.int16()
  return readConsumerProtocolAssignment(r, version).assignedPartitions.flatMap((tp) => tp.partitions).sort()
}

/** A classic consumer on its own connection (its JoinGroup may be parked while others talk). */
class Classic {
  id = ''
  generation = -1
  parts: number[] = []
  constructor(readonly c: AdminRaw) {}

  join(): Promise<JoinGroupResponse> {
    return this.c.call<JoinGroupResponse>(ApiKey.JoinGroup, 5, {
      groupId: GROUP, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: this.id, groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['mt']) }], reason: null,
    }).then((r) => {
      if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED || r.errorCode === ErrorCode.NONE) this.id = r.memberId
      if (r.errorCode === ErrorCode.NONE) this.generation = r.generationId
      return r
    })
  }

  async joinWithId(): Promise<JoinGroupResponse> {
    if (this.id === '') assert.equal((await this.join()).errorCode, ErrorCode.MEMBER_ID_REQUIRED)
    return this.join()
  }

  async sync(assignments: { memberId: string, assignment: Buffer }[] = []): Promise<SyncGroupResponse> {
    const r = await this.c.call<SyncGroupResponse>(ApiKey.SyncGroup, 5, {
      groupId: GROUP, generationId: this.generation, memberId: this.id, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments,
    })
    if (r.errorCode === ErrorCode.NONE) this.parts = partsOf(r.assignment)
    return r
  }

  heartbeat(): Promise<number> {
    return this.c.call<HeartbeatResponse>(ApiKey.Heartbeat, 4, { groupId: GROUP, generationId: this.generation, memberId: this.id, groupInstanceId: null }).then((r) => r.errorCode)
  }
}

async function describe(c: AdminRaw) {
  for (const end = Date.now() + 15_000; ;) {
    const res = await c.call<ConsumerGroupDescribeResponse>(ApiKey.ConsumerGroupDescribe, 1, { groupIds: [GROUP], includeAuthorizedOperations: false })
    if (res.groups[0].errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || Date.now() > end) return res.groups[0]
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The coordinator never assigns a partition to two members. */
async function assertExclusive(c: AdminRaw): Promise<void> {
  const g = await describe(c)
  const held = new Map<number, string>()
  for (const m of g.members) {
    for (const p of m.assignment.topicPartitions.flatMap((tp) => tp.partitions)) {
      assert.equal(held.get(p), undefined, `partition ${p} assigned to ${held.get(p)} and ${m.memberId}`)
      held.set(p, m.memberId)
    }
  }
}

async function groupType(c: AdminRaw): Promise<[string, string] | undefined> {
  const listed = await c.call<ListGroupsResponse>(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] })
  const g = listed.groups.find((x) => x.groupId === GROUP)
  return g ? [g.groupType, g.groupState] : undefined
}

/** A classic group of two members: A with partitions 0,1 and B with 2,3. */
async function classicPair(port: number): Promise<[Classic, Classic]> {
  const a = new Classic(await AdminRaw.connect(port))
  const b = new Classic(await AdminRaw.connect(port))
  assert.equal((await a.joinWithId()).errorCode, ErrorCode.NONE)
  assert.equal((await a.sync([{ memberId: a.id, assignment: assignmentBytes([0, 1, 2, 3]) }])).errorCode, ErrorCode.NONE)
  assert.equal((await b.join()).errorCode, ErrorCode.MEMBER_ID_REQUIRED)
  const bj = b.join()
  // B's join is parked until A rejoins; A learns of the rebalance from its heartbeat.
  for (let i = 0; i < 100 && await a.heartbeat() !== ErrorCode.REBALANCE_IN_PROGRESS; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  const aj = await a.join()
  assert.equal(aj.leader, a.id)
  assert.equal((await bj).errorCode, ErrorCode.NONE)
  const syncs = await Promise.all([a.sync([{ memberId: a.id, assignment: assignmentBytes([0, 1]) }, { memberId: b.id, assignment: assignmentBytes([2, 3]) }]), b.sync()])
  assert.deepEqual(syncs.map((s) => s.errorCode), [ErrorCode.NONE, ErrorCode.NONE])
  assert.deepEqual([a.parts, b.parts], [[0, 1], [2, 3]])
  return [a, b]
}

test('wire: classic pair + consumer member → consumer group; classic rejoins inside it; restart; consumer member leaves → classic again', { timeout: 60_000 }, async () => {
  let broker: Broker = await startBroker({ dataDir, config: CONFIG })
  let admin = await AdminRaw.connect(broker.port)
  const open: AdminRaw[] = [admin]
  try {
    const created = await admin.call<CreateTopicsResponse>(ApiKey.CreateTopics, 7, { topics: [{ name: 'mt', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false })
    const topicId = created.topics[0].topicId
    const [a, b] = await classicPair(broker.port)
    open.push(a.c, b.c)
    assert.deepEqual(await groupType(admin), ['classic', 'Stable'])

    let epoch = 0
    let mine: number[] = []
    const beat = async (memberEpoch = epoch) => {
      const r = await admin.call<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId: GROUP, memberId: 'kip848', memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: memberEpoch === 0 ? 30_000 : -1,
        subscribedTopicNames: memberEpoch === 0 ? ['mt'] : null, subscribedTopicRegex: null, serverAssignor: memberEpoch === 0 ? 'uniform' : null,
        topicPartitions: memberEpoch === 0 ? [] : [{ topicId, partitions: mine }],
      })
      assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '')
      epoch = r.memberEpoch
      if (r.assignment) mine = r.assignment.topicPartitions.flatMap((tp) => tp.partitions).sort()
      return r
    }

    // Upgrade.
    await beat(0)
    assert.deepEqual(mine, [], 'nothing a classic member still owns is handed out')
    assert.deepEqual(await groupType(admin), ['consumer', 'Reconciling'])
    let d = await describe(admin)
    assert.deepEqual(d.members.map((m) => [m.memberId, m.memberType]).sort(), [[a.id, 0], [b.id, 0], ['kip848', 1]].sort())
    await assertExclusive(admin)

    // The classic members rejoin (they own nothing when they do: eager) and get their partitions from the broker.
    for (const m of [a, b]) {
      assert.equal(await m.heartbeat(), ErrorCode.REBALANCE_IN_PROGRESS)
      const j = await m.join()
      assert.equal(j.errorCode, ErrorCode.NONE)
      assert.equal(j.leader, '')
      assert.equal((await m.sync()).errorCode, ErrorCode.NONE)
      await assertExclusive(admin)
    }
    for (let i = 0; i < 5 && mine.length + a.parts.length + b.parts.length < 4; i++) {
      await beat()
      for (const m of [a, b]) {
        if (await m.heartbeat() === ErrorCode.REBALANCE_IN_PROGRESS) {
          assert.equal((await m.join()).errorCode, ErrorCode.NONE)
          assert.equal((await m.sync()).errorCode, ErrorCode.NONE)
        }
      }
      await assertExclusive(admin)
    }
    assert.deepEqual([...mine, ...a.parts, ...b.parts].sort(), [0, 1, 2, 3], 'every partition once')
    assert.equal(await a.heartbeat(), ErrorCode.NONE)
    const commit = await a.c.call<OffsetCommitResponse>(ApiKey.OffsetCommit, 8, {
      groupId: GROUP, generationIdOrMemberEpoch: a.generation, memberId: a.id, groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 'mt', partitions: [{ partitionIndex: a.parts[0], committedOffset: 11n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
    })
    assert.equal(commit.topics[0].partitions[0].errorCode, ErrorCode.NONE, 'a classic member commits with generation = member epoch')

    // Restart: the converted group comes back from __consumer_offsets, classic members included.
    d = await describe(admin)
    for (const c of open) c.close()
    await broker.close()
    broker = await startBroker({ dataDir, config: CONFIG })
    admin = await AdminRaw.connect(broker.port)
    const a2 = Object.assign(new Classic(await AdminRaw.connect(broker.port)), { id: a.id, generation: a.generation, parts: a.parts })
    const b2 = Object.assign(new Classic(await AdminRaw.connect(broker.port)), { id: b.id, generation: b.generation, parts: b.parts })
    open.splice(0, open.length, admin, a2.c, b2.c)
    const reloaded = await describe(admin)
    const view = (g: typeof d) => ({ epoch: g.groupEpoch, members: g.members.map((m) => [m.memberId, m.memberEpoch, m.memberType, m.assignment]).sort() })
    assert.deepEqual(view(reloaded), view(d))
    assert.equal(await a2.heartbeat(), ErrorCode.NONE, 'the classic member keeps its generation across the restart')

    // Downgrade: the consumer member leaves; the classic members rebalance as a classic group.
    await beat(-1)
    assert.deepEqual(await groupType(admin), ['classic', 'PreparingRebalance'])
    assert.equal(await a2.heartbeat(), ErrorCode.REBALANCE_IN_PROGRESS)
    const [ja, jb] = await Promise.all([a2.join(), b2.join()])
    assert.deepEqual([ja.errorCode, jb.errorCode], [ErrorCode.NONE, ErrorCode.NONE])
    const leader = ja.leader === a2.id ? a2 : b2
    assert.equal((leader === a2 ? ja : jb).members.length, 2)
    const synced = await Promise.all([
      leader.sync([{ memberId: a2.id, assignment: assignmentBytes([0, 1]) }, { memberId: b2.id, assignment: assignmentBytes([2, 3]) }]),
      (leader === a2 ? b2 : a2).sync(),
    ])
    assert.deepEqual(synced.map((s) => s.errorCode), [ErrorCode.NONE, ErrorCode.NONE])
    assert.deepEqual(await groupType(admin), ['classic', 'Stable'])
    const fetched = await admin.call<OffsetFetchResponse>(ApiKey.OffsetFetch, 8, {
      groupId: '', topics: [], requireStable: false, groups: [{ groupId: GROUP, memberId: null, memberEpoch: -1, topics: [{ name: 'mt', partitionIndexes: [a.parts[0]] }] }],
    })
    assert.equal(fetched.groups[0].topics[0].partitions[0].committedOffset, 11n, 'offsets survive the conversions')
  } finally {
    for (const c of open) c.close()
    await broker.close()
  }
})

test('wire: group.consumer.migration.policy=disabled refuses the upgrade and classic members in a consumer group', { timeout: 30_000 }, async () => {
  const broker = await startBroker({ config: { ...CONFIG, 'group.consumer.migration.policy': 'disabled' } })
  const admin = await AdminRaw.connect(broker.port)
  const open: AdminRaw[] = [admin]
  try {
    await admin.call(ApiKey.CreateTopics, 7, { topics: [{ name: 'mt', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false })
    const [a, b] = await classicPair(broker.port)
    open.push(a.c, b.c)
    const hb = (groupId: string) => admin.call<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId, memberId: 'kip848', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: ['mt'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
    })
    const refused = await hb(GROUP)
    assert.equal(refused.errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
    assert.match(refused.errorMessage ?? '', /online upgrade is disabled/)
    assert.equal(await a.heartbeat(), ErrorCode.NONE, 'the classic group goes on')

    assert.equal((await hb('other')).errorCode, ErrorCode.NONE)
    const join = await admin.call<JoinGroupResponse>(ApiKey.JoinGroup, 5, {
      groupId: 'other', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['mt']) }], reason: null,
    })
    assert.equal(join.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  } finally {
    for (const c of open) c.close()
    await broker.close()
  }
})
