import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { harness, joinReq, settle, subscription } from './harness.ts'
import type { JoinResult as Result } from '../../../../src/broker/coordinator/group/results.ts'

type JoinResult = Result & { instance?: string | null }

test('JoinGroup v4+: MEMBER_ID_REQUIRED, then join, sync, Stable', async () => {
  const h = harness()
  const c = h.coordinator
  const first = await c.joinGroup(joinReq({ requireKnownMemberId: true }))
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED)
  assert.equal(first.memberId, 'c-1')
  assert.equal(c.group('g')!.size, 0)
  const joined = await c.joinGroup(joinReq({ memberId: first.memberId, requireKnownMemberId: true }))
  assert.equal(joined.errorCode, ErrorCode.NONE)
  assert.equal(joined.generationId, 1)
  assert.equal(joined.leaderId, 'c-1')
  assert.equal(joined.protocolName, 'range')
  assert.deepEqual(joined.members.map((m) => m.memberId), ['c-1'])
  assert.equal(c.stateOf('g'), 'CompletingRebalance')
  const sync = await c.syncGroup({ groupId: 'g', generationId: 1, memberId: 'c-1', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: 'c-1', assignment: Buffer.from('A') }] })
  assert.equal(sync.errorCode, ErrorCode.NONE)
  assert.equal(sync.assignment.toString(), 'A')
  assert.equal(c.stateOf('g'), 'Stable')
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: 'c-1', groupInstanceId: null }), ErrorCode.NONE)
})

test('unknown member id on a pending-less group, unknown group, empty group id', async () => {
  const h = harness()
  const c = h.coordinator
  assert.equal((await c.joinGroup(joinReq({ memberId: 'nobody' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
  assert.equal((await c.joinGroup(joinReq({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID)
  assert.equal((await c.joinGroup(joinReq({ sessionTimeoutMs: 10 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT)
  assert.equal(c.heartbeat({ groupId: 'nope', generationId: 1, memberId: 'x', groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID)
  assert.equal((await c.syncGroup({ groupId: 'nope', generationId: 1, memberId: 'x', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
  assert.equal(c.groupCount, 0, 'failed requests leave no group behind')
})

/** Brings `n` members into a Stable group; returns their ids (leader first). */
async function stableGroup(h: ReturnType<typeof harness>, n: number, over: Parameters<typeof joinReq>[0] = {}): Promise<string[]> {
  const c = h.coordinator
  let results: JoinResult[] = []
  for (let i = 0; i < n; i++) {
    const joins = [c.joinGroup(joinReq({ clientId: `m${i}`, ...over, groupInstanceId: over.groupInstanceId === undefined ? null : `${over.groupInstanceId}-${i}` }))]
    for (const r of results) joins.push(c.joinGroup(joinReq({ ...over, clientId: r.memberId, memberId: r.memberId, groupInstanceId: r.instance })))
    if (c.config.initialRebalanceDelayMs > 0) h.advance(c.config.initialRebalanceDelayMs * 20)
    results = (await Promise.all(joins)).map((r, j) => ({ ...r, instance: j === 0 ? (over.groupInstanceId === undefined ? null : `${over.groupInstanceId}-${i}`) : results[j - 1].instance }))
  }
  const gen = results[0].generationId
  const leader = results.find((r) => r.leaderId === r.memberId)!
  const syncs = results.map((r) => c.syncGroup({
    groupId: 'g', generationId: gen, memberId: r.memberId, groupInstanceId: r.instance ?? null, protocolType: null, protocolName: null,
    assignments: r.memberId === leader.memberId ? results.map((x) => ({ memberId: x.memberId, assignment: Buffer.from(x.memberId) })) : [],
  }))
  for (const s of await Promise.all(syncs)) assert.equal(s.errorCode, ErrorCode.NONE)
  assert.equal(c.stateOf('g'), 'Stable')
  return [leader.memberId, ...results.map((r) => r.memberId).filter((id) => id !== leader.memberId)]
}

test('a second member triggers a rebalance; followers wait for the leader\'s SyncGroup', async () => {
  const h = harness()
  const c = h.coordinator
  const [a] = await stableGroup(h, 1)
  const bJoin = c.joinGroup(joinReq({ clientId: 'b' }))
  await settle()
  assert.equal(c.stateOf('g'), 'PreparingRebalance')
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS)
  // commits of the old generation are still accepted while preparing
  const commit = await c.commitOffsets({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null, retentionTimeMs: -1, offsets: [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }] })
  assert.equal(commit[0].errorCode, ErrorCode.NONE)
  const aJoin = await c.joinGroup(joinReq({ clientId: 'a', memberId: a }))
  const b = await bJoin
  assert.equal(aJoin.generationId, 2)
  assert.equal(b.generationId, 2)
  assert.equal(aJoin.leaderId, a)
  assert.equal(aJoin.members.length, 2)
  assert.equal(b.members.length, 0)
  // fenced: the old generation is gone
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null }), ErrorCode.ILLEGAL_GENERATION)
  const commitDuringSync = await c.commitOffsets({ groupId: 'g', generationId: 2, memberId: a, groupInstanceId: null, retentionTimeMs: -1, offsets: [{ topic: 't', partition: 0, offset: 6, leaderEpoch: -1, metadata: null }] })
  assert.equal(commitDuringSync[0].errorCode, ErrorCode.REBALANCE_IN_PROGRESS)
  let followerDone = false
  const bSync = c.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
    .then((r) => { followerDone = true; return r })
  await settle()
  assert.equal(followerDone, false, 'follower waits for the leader')
  const aSync = await c.syncGroup({ groupId: 'g', generationId: 2, memberId: a, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: a, assignment: Buffer.from('x') }, { memberId: b.memberId, assignment: Buffer.from('y') }] })
  assert.equal(aSync.assignment.toString(), 'x')
  assert.equal((await bSync).assignment.toString(), 'y')
  assert.equal(c.stateOf('g'), 'Stable')
})

test('session expiry removes a silent member and the group rebalances to Empty', async () => {
  const h = harness()
  const c = h.coordinator
  const [a] = await stableGroup(h, 1)
  h.advance(9_000)
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null }), ErrorCode.NONE)
  h.advance(9_000)
  assert.equal(c.stateOf('g'), 'Stable', 'the heartbeat kept it alive')
  h.advance(1_001)
  await settle()
  assert.equal(c.stateOf('g'), 'Empty')
  assert.equal(c.group('g')!.generationId, 2)
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID)
  const last = [...h.log.values()].flat().at(-1)!
  assert.ok(last.value !== null, 'the empty group was stored')
})

test('rebalance timeout drops members that do not rejoin', async () => {
  const h = harness()
  const c = h.coordinator
  const [a, b] = await stableGroup(h, 2)
  let cDone: JoinResult | undefined
  void c.joinGroup(joinReq({ clientId: 'c', rebalanceTimeoutMs: 20_000 })).then((r) => { cDone = r })
  // a keeps heartbeating (sees REBALANCE_IN_PROGRESS) and rejoins; b stays silent but its session has not expired
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 2, memberId: b, groupInstanceId: null }), ErrorCode.REBALANCE_IN_PROGRESS)
  let aDone: JoinResult | undefined
  void c.joinGroup(joinReq({ clientId: 'a', memberId: a })).then((r) => { aDone = r })
  for (let t = 0; t < 29; t++) {
    h.advance(1_000)
    c.heartbeat({ groupId: 'g', generationId: 2, memberId: b, groupInstanceId: null })
  }
  await settle()
  assert.equal(aDone, undefined, 'still waiting for b within the rebalance timeout (30 s)')
  h.advance(1_500)
  await settle()
  const done = aDone as JoinResult | undefined
  assert.ok(done && cDone)
  assert.equal(done.generationId, 3)
  assert.equal(c.group('g')!.has(b), false)
  assert.equal(c.group('g')!.size, 2)
  assert.equal(c.heartbeat({ groupId: 'g', generationId: 3, memberId: b, groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID)
})

test('a member that never syncs is removed after the rebalance timeout', async () => {
  const h = harness()
  const c = h.coordinator
  const ja = c.joinGroup(joinReq({ clientId: 'a' }))
  const a = await ja
  const jb = c.joinGroup(joinReq({ clientId: 'b' }))
  const a2 = await c.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId }))
  const b = await jb
  assert.equal(a2.generationId, 2)
  // only the follower syncs; the leader is gone
  const bSync = c.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
  for (let t = 0; t < 31; t++) {
    h.advance(1_000)
    c.heartbeat({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null })
  }
  assert.equal((await bSync).errorCode, ErrorCode.REBALANCE_IN_PROGRESS)
  assert.equal(c.group('g')!.has(a.memberId), false)
  assert.equal(c.stateOf('g'), 'PreparingRebalance')
})

test('static membership: a restarted instance takes over without a rebalance; the old id is fenced', async () => {
  const h = harness()
  const c = h.coordinator
  const [a] = await stableGroup(h, 1, { groupInstanceId: 'i' })
  const gen = c.group('g')!.generationId
  const again = await c.joinGroup(joinReq({ clientId: 'a2', groupInstanceId: 'i-0' }))
  assert.equal(again.errorCode, ErrorCode.NONE)
  assert.notEqual(again.memberId, a)
  assert.equal(again.generationId, gen, 'no new generation')
  assert.equal(again.leaderId, a, 'old leader id is returned so that the member does not reassign')
  assert.equal(c.stateOf('g'), 'Stable')
  assert.equal(c.heartbeat({ groupId: 'g', generationId: gen, memberId: a, groupInstanceId: 'i-0' }), ErrorCode.FENCED_INSTANCE_ID)
  const sync = await c.syncGroup({ groupId: 'g', generationId: gen, memberId: again.memberId, groupInstanceId: 'i-0', protocolType: null, protocolName: null, assignments: [] })
  assert.equal(sync.errorCode, ErrorCode.NONE)
  assert.equal(sync.assignment.toString(), a, 'kept the assignment of the replaced member')
  const commit = await c.commitOffsets({ groupId: 'g', generationId: gen, memberId: a, groupInstanceId: 'i-0', retentionTimeMs: -1, offsets: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] })
  assert.equal(commit[0].errorCode, ErrorCode.FENCED_INSTANCE_ID)
  // a static leave by instance id removes the member
  const leave = c.leaveGroup('g', [{ memberId: '', groupInstanceId: 'i-0' }])
  assert.equal(leave.members[0].errorCode, ErrorCode.NONE)
  await settle()
  assert.equal(c.stateOf('g'), 'Empty')
})

test('static member replaced during CompletingRebalance forces a new rebalance', async () => {
  const h = harness()
  const c = h.coordinator
  const b = await c.joinGroup(joinReq({ clientId: 'b' }))
  const pa = c.joinGroup(joinReq({ clientId: 'a', groupInstanceId: 'i1' }))
  await c.joinGroup(joinReq({ clientId: 'b', memberId: b.memberId }))
  const a = await pa
  assert.equal(c.stateOf('g'), 'CompletingRebalance')
  assert.equal(a.generationId, 2)
  const parkedSync = c.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, groupInstanceId: 'i1', protocolType: null, protocolName: null, assignments: [] })
  await settle()
  const pa2 = c.joinGroup(joinReq({ clientId: 'a', groupInstanceId: 'i1' }))
  // the original member's parked SyncGroup is answered as fenced
  assert.equal((await parkedSync).errorCode, ErrorCode.FENCED_INSTANCE_ID)
  assert.equal(c.stateOf('g'), 'PreparingRebalance')
  const b3 = await c.joinGroup(joinReq({ clientId: 'b', memberId: b.memberId }))
  const a2 = await pa2
  assert.equal(a2.errorCode, ErrorCode.NONE)
  assert.notEqual(a2.memberId, a.memberId)
  assert.equal(a2.generationId, 3)
  assert.equal(b3.generationId, 3)
})

test('group.initial.rebalance.delay.ms gathers members that arrive within the delay', async () => {
  const h = harness({ initialRebalanceDelayMs: 3000 })
  const c = h.coordinator
  const results: JoinResult[] = []
  void c.joinGroup(joinReq({ clientId: 'a' })).then((r) => results.push(r))
  h.advance(2000)
  void c.joinGroup(joinReq({ clientId: 'b' })).then((r) => results.push(r))
  h.advance(2000)
  void c.joinGroup(joinReq({ clientId: 'c' })).then((r) => results.push(r))
  h.advance(2500)
  await settle()
  assert.equal(results.length, 0, 'each arrival extends the delay')
  h.advance(2600)
  await settle()
  assert.equal(results.length, 3)
  assert.ok(results.every((r) => r.generationId === 1))
})

test('protocol selection and INCONSISTENT_GROUP_PROTOCOL', async () => {
  const h = harness()
  const c = h.coordinator
  const meta = subscription(['t'])
  const a = await c.joinGroup(joinReq({ clientId: 'a', protocols: [{ name: 'cooperative-sticky', metadata: meta }, { name: 'range', metadata: meta }] }))
  assert.equal(a.protocolName, 'cooperative-sticky')
  const bad = await c.joinGroup(joinReq({ clientId: 'x', protocols: [{ name: 'roundrobin', metadata: meta }] }))
  assert.equal(bad.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  const wrongType = await c.joinGroup(joinReq({ clientId: 'x', protocolType: 'connect' }))
  assert.equal(wrongType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  const pb = c.joinGroup(joinReq({ clientId: 'b', protocols: [{ name: 'range', metadata: meta }, { name: 'cooperative-sticky', metadata: meta }] }))
  const pc = c.joinGroup(joinReq({ clientId: 'c', protocols: [{ name: 'range', metadata: meta }] }))
  const a2 = await c.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId, protocols: [{ name: 'cooperative-sticky', metadata: meta }, { name: 'range', metadata: meta }] }))
  await Promise.all([pb, pc])
  assert.equal(a2.protocolName, 'range', 'only range is supported by every member')
  const sync = await c.syncGroup({ groupId: 'g', generationId: a2.generationId, memberId: a.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] })
  assert.equal(sync.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
})

test('group.max.size refuses extra members', async () => {
  const h = harness({ maxGroupSize: 2 })
  const c = h.coordinator
  await stableGroup(h, 2)
  const third = await c.joinGroup(joinReq({ clientId: 'z' }))
  assert.equal(third.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED)
  assert.equal(c.group('g')!.size, 2)
})

test('a leader rejoin in Stable rebalances; a follower rejoin with the same metadata does not', async () => {
  const h = harness()
  const c = h.coordinator
  const [leader, follower] = await stableGroup(h, 2)
  const gen = c.group('g')!.generationId
  const f = await c.joinGroup(joinReq({ clientId: follower, memberId: follower }))
  assert.equal(f.generationId, gen)
  assert.equal(c.stateOf('g'), 'Stable')
  void c.joinGroup(joinReq({ clientId: leader, memberId: leader }))
  await settle()
  assert.equal(c.stateOf('g'), 'PreparingRebalance')
})

test('LeaveGroup: batched members, unknown members, pending members', async () => {
  const h = harness()
  const c = h.coordinator
  const [a, b] = await stableGroup(h, 2)
  const pending = await c.joinGroup(joinReq({ clientId: 'p', requireKnownMemberId: true }))
  const r = c.leaveGroup('g', [{ memberId: a, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }, { memberId: pending.memberId, groupInstanceId: null }])
  assert.deepEqual(r.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.NONE])
  assert.equal(c.stateOf('g'), 'PreparingRebalance')
  c.leaveGroup('g', [{ memberId: b, groupInstanceId: null }])
  await settle()
  assert.equal(c.stateOf('g'), 'Empty')
  assert.deepEqual(c.leaveGroup('none', [{ memberId: 'x', groupInstanceId: null }]).members[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
})

test('a superseded parked JoinGroup is still answered (response pipelines must not stall)', async () => {
  const h = harness()
  const c = h.coordinator
  const [a, b] = await stableGroup(h, 2)
  const first = c.joinGroup(joinReq({ clientId: 'a', memberId: a }))
  const second = c.joinGroup(joinReq({ clientId: 'a', memberId: a }))
  assert.equal((await first).errorCode, ErrorCode.REBALANCE_IN_PROGRESS)
  const bj = c.joinGroup(joinReq({ clientId: 'b', memberId: b }))
  assert.equal((await second).errorCode, ErrorCode.NONE)
  assert.equal((await bj).errorCode, ErrorCode.NONE)
  // close answers whatever is parked
  const parked = c.joinGroup(joinReq({ clientId: 'n' }))
  c.close()
  assert.equal((await parked).errorCode, ErrorCode.NOT_COORDINATOR)
})

test('a static member that misses the join phase stays a member; it goes if it does not sync either (KIP-345)', async () => {
  const h = harness()
  const c = h.coordinator
  const a = await c.joinGroup(joinReq({ clientId: 'a', groupInstanceId: 'ia', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 5_000 }))
  const pb = c.joinGroup(joinReq({ clientId: 'b', groupInstanceId: 'ib', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 5_000 }))
  await c.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId, groupInstanceId: 'ia', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 5_000 }))
  const b = await pb
  await Promise.all([
    c.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, groupInstanceId: 'ia', protocolType: null, protocolName: null, assignments: [] }),
    c.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: 'ib', protocolType: null, protocolName: null, assignments: [] }),
  ])
  // a third (dynamic) member arrives; a rejoins, b (static) is away
  let cJoin: JoinResult | undefined
  void c.joinGroup(joinReq({ clientId: 'c', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 5_000 })).then((r) => { cJoin = r })
  let aJoin: JoinResult | undefined
  void c.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId, groupInstanceId: 'ia', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 5_000 })).then((r) => { aJoin = r })
  h.advance(5_001)
  await settle()
  assert.ok(aJoin && cJoin)
  assert.equal(aJoin.generationId, 3)
  assert.equal(c.group('g')!.has(b.memberId), true, 'the static member is still a member')
  assert.equal(aJoin.members.length + cJoin.members.length, 3, 'the leader assigns for all three')
  const leader = aJoin.leaderId === a.memberId ? aJoin : cJoin
  void c.syncGroup({ groupId: 'g', generationId: 3, memberId: leader.memberId, groupInstanceId: leader === aJoin ? 'ia' : null, protocolType: null, protocolName: null,
    assignments: leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(m.memberId) })) })
  await settle()
  assert.equal(c.stateOf('g'), 'Stable')
  assert.equal(c.describeGroup('g').members.find((m) => m.memberId === b.memberId)!.assignment.toString(), b.memberId, 'b got an assignment')
  // b never syncs (nor heartbeats): the pending-sync timeout removes it and the group rebalances
  h.advance(5_001)
  assert.equal(c.group('g')!.has(b.memberId), false)
  assert.equal(c.stateOf('g'), 'PreparingRebalance')
})
