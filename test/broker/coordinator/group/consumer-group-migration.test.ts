// Online migration of groups with members (Kafka's convertToConsumerGroup/convertToClassicGroup)
// on one coordinator shard with a manual clock:
// - a classic group of two members is converted when a consumer-protocol member joins;
// - the classic members rejoin inside the consumer group (JoinGroup/SyncGroup/Heartbeat,
//   OffsetCommit with generation = member epoch), with no partition held by two members at any step;
// - the group goes back to classic when the consumer member leaves;
// - every step replays from the log to the same state;
// - group.consumer.migration.policy=disabled refuses both ways, and a classic member's session
//   timeout fences it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { Reader, Writer } from '../../../../src/protocol/primitives/index.ts'
import { readConsumerProtocolAssignment, writeConsumerProtocolAssignment, sizeConsumerProtocolAssignment } from '../../../../src/protocol/generated/data/consumer-protocol-assignment.ts'
import type { ConsumerHeartbeatRequest } from '../../../../src/broker/coordinator/group/consumer-membership.ts'
import type { ConsumerGroup } from '../../../../src/broker/coordinator/group/consumer-group.ts'
import type { GroupCoordinator } from '../../../../src/broker/coordinator/group/group-coordinator.ts'
import { harness, joinReq } from './harness.ts'
import type { Harness } from './harness.ts'

const T = 'AAAAAAAAAAAAAAAAAAAAAQ'
const topics = new Map([['t', { topicId: T, partitions: 4 }]])
const lookup = { byName: (n: string) => topics.get(n), names: () => topics.keys() }

function assignmentBytes(parts: number[]): Buffer {
  const v = { assignedPartitions: parts.length ? [{ topic: 't', partitions: parts }] : [], userData: null }
  const w = new Writer(2 + sizeConsumerProtocolAssignment(v, 0))
  w.int16(0)
  writeConsumerProtocolAssignment(w, v, 0)
  return w.finish()
}

function partsOf(assignment: Buffer): number[] {
  const r = new Reader(assignment)
  const version = r.int16()
  return readConsumerProtocolAssignment(r, version).assignedPartitions.flatMap((tp) => tp.partitions).sort()
}

function hb(memberId: string, memberEpoch: number, owned: number[] | null = null): ConsumerHeartbeatRequest {
  return {
    groupId: 'g', memberId, memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: memberEpoch === 0 ? 10_000 : -1,
    subscribedTopicNames: memberEpoch === 0 ? ['t'] : null, subscribedTopicRegex: null, serverAssignor: 'uniform',
    topicPartitions: memberEpoch === 0 ? [] : owned === null ? null : [{ topicId: T, partitions: owned }], clientId: 'c', clientHost: '/h', version: 1,
  }
}

/** Fails if any partition is assigned to, or pending revocation from, two members. */
function assertNoDoubleOwnership(g: ConsumerGroup | undefined): void {
  assert.ok(g)
  const seen = new Map<string, string>()
  for (const m of g.members.values()) {
    for (const a of [m.assigned, m.pendingRevocation]) {
      for (const [t, ps] of a) {
        for (const p of ps) {
          const k = `${t}:${p}`
          assert.equal(seen.get(k), undefined, `partition ${k} owned by ${seen.get(k)} and ${m.memberId}`)
          seen.set(k, m.memberId)
        }
      }
    }
  }
}

/** Two classic members A (leader, partitions 0,1) and B (2,3), Stable at generation 2. */
async function classicGroupOfTwo(h: Harness): Promise<{ a: string, b: string }> {
  const c = h.coordinator
  const ja = await c.joinGroup(joinReq())
  const a = ja.memberId
  await c.syncGroup({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: a, assignment: assignmentBytes([0, 1, 2, 3]) }] })
  const jb = c.joinGroup(joinReq())
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS)
  const ja2 = await c.joinGroup(joinReq({ memberId: a }))
  const b = (await jb).memberId
  assert.equal(ja2.generationId, 2)
  const sa = c.syncGroup({ groupId: 'g', generationId: 2, memberId: a, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: a, assignment: assignmentBytes([0, 1]) }, { memberId: b, assignment: assignmentBytes([2, 3]) }] })
  const sb = c.syncGroup({ groupId: 'g', generationId: 2, memberId: b, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
  assert.deepEqual(partsOf((await sa).assignment), [0, 1])
  assert.deepEqual(partsOf((await sb).assignment), [2, 3])
  assert.equal(c.group('g')?.state, 'Stable')
  return { a, b }
}

const rejoin = async (c: GroupCoordinator, memberId: string): Promise<{ generation: number, parts: number[] }> => {
  const j = await c.joinGroup(joinReq({ memberId }))
  assert.equal(j.errorCode, ErrorCode.NONE)
  assert.equal(j.leaderId, '', 'nobody runs an assignor in a consumer group')
  const s = await c.syncGroup({ groupId: 'g', generationId: j.generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] })
  assert.equal(s.errorCode, ErrorCode.NONE)
  return { generation: j.generationId, parts: partsOf(s.assignment) }
}

test('upgrade, bridged classic members, downgrade; no partition owned twice; replay agrees at each step', async () => {
  const h = harness({ offsetsTopicPartitions: 1 }, { topics: lookup })
  const c = h.coordinator
  const { a, b } = await classicGroupOfTwo(h)

  // A consumer-protocol member joins: the classic group becomes a consumer group at generation 2.
  const first = await c.consumerGroupHeartbeat(hb('kip848', 0))
  assert.equal(first.errorCode, ErrorCode.NONE, first.errorMessage ?? '')
  assert.equal(c.group('g'), undefined)
  const g = c.consumerGroup('g')
  assert.equal(g?.members.size, 3)
  assert.equal(g?.members.get(a)?.classic?.sessionTimeoutMs, 10_000)
  assert.deepEqual([...g!.members.get(a)!.assigned.get(T)!].sort(), [0, 1], 'classic assignment kept')
  assert.deepEqual(first.assignment, [], 'what the classic members still own is not handed out')
  assertNoDoubleOwnership(g)
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())

  // The classic members are told to rejoin, and rejoin owning nothing (eager): they get their target.
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 2, memberId: a, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS)
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null }), ErrorCode.ILLEGAL_GENERATION)
  const ra = await rejoin(c, a)
  assertNoDoubleOwnership(c.consumerGroup('g'))
  const rb = await rejoin(c, b)
  assertNoDoubleOwnership(c.consumerGroup('g'))
  assert.equal(ra.generation, 3)
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 3, memberId: a, groupInstanceId: null }), ErrorCode.NONE)
  const next = await c.consumerGroupHeartbeat(hb('kip848', first.memberEpoch, []))
  const mine = next.assignment?.flatMap((tp) => tp.partitions) ?? []
  assert.equal(mine.length + ra.parts.length + rb.parts.length, 4)
  assert.equal(new Set([...mine, ...ra.parts, ...rb.parts]).size, 4, 'every partition once')
  assertNoDoubleOwnership(c.consumerGroup('g'))

  // Commits: generation = member epoch.
  const commit = (generationId: number) => c.commitOffsets({ groupId: 'g', generationId, memberId: a, groupInstanceId: null, retentionTimeMs: -1, version: 8, offsets: [{ topic: 't', partition: ra.parts[0] ?? 0, offset: 7, leaderEpoch: -1, metadata: null }] })
  assert.equal((await commit(3))[0].errorCode, ErrorCode.NONE)
  assert.equal((await commit(2))[0].errorCode, ErrorCode.ILLEGAL_GENERATION)
  // TxnOffsetCommit v3+ (EOS consumers): the same member checks.
  assert.equal(c.validateTxnMember('g', 3, a, null), ErrorCode.NONE)
  assert.equal(c.validateTxnMember('g', 2, a, null), ErrorCode.ILLEGAL_GENERATION)
  assert.equal(c.validateTxnMember('g', 99, 'kip848', null), ErrorCode.STALE_MEMBER_EPOCH)
  assert.equal(c.validateTxnMember('g', 3, 'ghost', null), ErrorCode.UNKNOWN_MEMBER_ID)
  assert.equal(c.validateTxnMember('g', -1, '', null), ErrorCode.NONE)
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())

  // The consumer member leaves: only classic members remain, the group is classic again and rebalances.
  assert.equal((await c.consumerGroupHeartbeat(hb('kip848', -1))).errorCode, ErrorCode.NONE)
  assert.equal(c.consumerGroup('g'), undefined)
  const classic = c.group('g')
  assert.equal(classic?.state, 'PreparingRebalance')
  assert.deepEqual([...classic!.members.keys()].sort(), [a, b].sort())
  const gen = classic!.generationId
  assert.equal(c.heartbeat({ groupId: 'g', generationId: gen, memberId: b, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS)
  const ja = c.joinGroup(joinReq({ memberId: a }))
  const jb = c.joinGroup(joinReq({ memberId: b }))
  const [xa, xb] = await Promise.all([ja, jb])
  assert.equal(xa.generationId, gen + 1)
  const leader = xa.leaderId === a ? a : b
  assert.equal((leader === a ? xa : xb).members.length, 2, 'a classic leader assigns again')
  await Promise.all([
    c.syncGroup({ groupId: 'g', generationId: gen + 1, memberId: leader, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: a, assignment: assignmentBytes([0, 1]) }, { memberId: b, assignment: assignmentBytes([2, 3]) }] }),
    c.syncGroup({ groupId: 'g', generationId: gen + 1, memberId: leader === a ? b : a, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
  ])
  assert.equal(c.group('g')?.state, 'Stable')
  const replayed = h.replayed()
  assert.deepEqual(replayed.snapshot(), c.snapshot())
  assert.equal(replayed.fetchOffsets('g', [{ topic: 't', partitions: [ra.parts[0] ?? 0] }]).offsets[0].offset, 7, 'offsets survive both conversions')
})

test('a classic member that stops heartbeating inside a consumer group is fenced after its session timeout', async () => {
  const h = harness({ offsetsTopicPartitions: 1 }, { topics: lookup })
  const c = h.coordinator
  const { a, b } = await classicGroupOfTwo(h)
  const first = await c.consumerGroupHeartbeat(hb('kip848', 0))
  assert.equal(first.errorCode, ErrorCode.NONE)
  await rejoin(c, a)
  // B is silent; A and the consumer member keep going past B's 10 s session.
  for (let i = 0; i < 4; i++) {
    h.advance(3000)
    assert.notEqual(c.heartbeat({ groupId: 'g', generationId: c.consumerGroup('g')!.members.get(a)!.memberEpoch, memberId: a, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID)
    await c.consumerGroupHeartbeat(hb('kip848', c.consumerGroup('g')!.members.get('kip848')!.memberEpoch, null))
  }
  await new Promise((r) => setImmediate(r))
  assert.equal(c.consumerGroup('g')?.members.has(b), false, 'B fenced')
  assert.equal(c.consumerGroup('g')?.members.has(a), true)
  assertNoDoubleOwnership(c.consumerGroup('g'))
})

test('group.consumer.migration.policy=disabled: no upgrade of a classic group, no classic member into a consumer group', async () => {
  const h = harness({ offsetsTopicPartitions: 1, migrationPolicy: 'disabled' }, { topics: lookup })
  const c = h.coordinator
  await classicGroupOfTwo(h)
  const r = await c.consumerGroupHeartbeat(hb('kip848', 0))
  assert.equal(r.errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
  assert.match(r.errorMessage ?? '', /online upgrade is disabled/)
  assert.equal(c.group('g')?.size, 2)

  const h2 = harness({ offsetsTopicPartitions: 1, migrationPolicy: 'disabled' }, { topics: lookup })
  assert.equal((await h2.coordinator.consumerGroupHeartbeat(hb('kip848', 0))).errorCode, ErrorCode.NONE)
  assert.equal((await h2.coordinator.joinGroup(joinReq())).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)

  // upgrade only: the group converts, but the last consumer member leaving does not bring it back.
  const h3 = harness({ offsetsTopicPartitions: 1, migrationPolicy: 'upgrade' }, { topics: lookup })
  await classicGroupOfTwo(h3)
  assert.equal((await h3.coordinator.consumerGroupHeartbeat(hb('kip848', 0))).errorCode, ErrorCode.NONE)
  assert.equal((await h3.coordinator.consumerGroupHeartbeat(hb('kip848', -1))).errorCode, ErrorCode.NONE)
  assert.equal(h3.coordinator.consumerGroup('g')?.members.size, 2, 'stays a consumer group of classic members')
})

test('a classic group whose members do not use the consumer protocol type is not upgraded', async () => {
  const h = harness({ offsetsTopicPartitions: 1 }, { topics: lookup })
  const c = h.coordinator
  const j = await c.joinGroup(joinReq({ protocolType: 'connect', protocols: [{ name: 'v1', metadata: Buffer.from('x') }] }))
  assert.equal(j.errorCode, ErrorCode.NONE)
  const r = await c.consumerGroupHeartbeat(hb('kip848', 0))
  assert.equal(r.errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
  assert.match(r.errorMessage ?? '', /consumer embedded protocol/)
})

test('a classic static member replacing the last consumer-protocol member turns the group classic, keeping its assignment', async () => {
  const h = harness({ offsetsTopicPartitions: 1 }, { topics: lookup })
  const c = h.coordinator
  // A static consumer-protocol member and a classic member share the group.
  const s0 = await c.consumerGroupHeartbeat({ ...hb('static-848', 0), instanceId: 'inst-1' })
  assert.equal(s0.errorCode, ErrorCode.NONE)
  const a = await c.joinGroup(joinReq())
  assert.equal(a.errorCode, ErrorCode.NONE)
  await c.syncGroup({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
  for (let i = 0; i < 3; i++) await c.consumerGroupHeartbeat({ ...hb('static-848', c.consumerGroup('g')!.members.get('static-848')!.memberEpoch, [...(c.consumerGroup('g')!.members.get('static-848')!.assigned.get(T) ?? [])]), instanceId: 'inst-1' })
  const target = [...(c.consumerGroup('g')!.targetAssignment.get('static-848')?.get(T) ?? [])].sort()
  assert.ok(target.length > 0)
  // The static member leaves for now (-2) and comes back speaking the classic protocol.
  assert.equal((await c.consumerGroupHeartbeat({ ...hb('static-848', -2), instanceId: 'inst-1' })).errorCode, ErrorCode.NONE)
  const j = await c.joinGroup(joinReq({ groupInstanceId: 'inst-1' }))
  assert.equal(j.errorCode, ErrorCode.NONE)
  assert.equal(c.consumerGroup('g'), undefined, 'downgraded')
  const g = c.group('g')
  assert.equal(g?.state, 'Stable', 'same subscription: no rebalance')
  assert.equal(g?.generationId, j.generationId)
  assert.equal(g?.staticMembers.get('inst-1'), j.memberId)
  const s = await c.syncGroup({ groupId: 'g', generationId: j.generationId, memberId: j.memberId, groupInstanceId: 'inst-1', protocolType: 'consumer', protocolName: 'range', assignments: [] })
  assert.equal(s.errorCode, ErrorCode.NONE)
  assert.deepEqual(partsOf(s.assignment), target, 'the replaced member\'s partitions')
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
})
