import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { MAX_PENDING_MEMBERS_PER_GROUP, MAX_PENDING_MEMBERS_TOTAL } from '../../../../src/broker/coordinator/group/group-coordinator.ts'
import { harness, joinReq, settle, subscription } from './harness.ts'

test('JoinGroup flood with MEMBER_ID_REQUIRED: pending members are capped and expire', async () => {
  const h = harness()
  const c = h.coordinator
  const codes = new Map<number, number>()
  for (let i = 0; i < MAX_PENDING_MEMBERS_PER_GROUP + 500; i++) {
    const r = await c.joinGroup(joinReq({ requireKnownMemberId: true }))
    codes.set(r.errorCode, (codes.get(r.errorCode) ?? 0) + 1)
  }
  assert.equal(codes.get(ErrorCode.MEMBER_ID_REQUIRED), MAX_PENDING_MEMBERS_PER_GROUP)
  assert.equal(codes.get(ErrorCode.GROUP_MAX_SIZE_REACHED), 500)
  assert.equal(c.group('g')!.pendingMembers.size, MAX_PENDING_MEMBERS_PER_GROUP)
  assert.equal(c.pendingMemberCount, MAX_PENDING_MEMBERS_PER_GROUP)
  h.advance(10_001)
  assert.equal(h.timers.size, 0, 'no timer left behind')
  assert.equal(c.groupCount, 0, 'the group was never used and is forgotten')
  assert.equal(c.pendingMemberCount, 0)
})

test('JoinGroup flood over distinct group ids: pending members are capped broker-wide', async () => {
  const h = harness()
  const c = h.coordinator
  let refused = 0
  for (let i = 0; i < MAX_PENDING_MEMBERS_TOTAL + 100; i++) {
    const r = await c.joinGroup(joinReq({ groupId: `flood-${i}`, requireKnownMemberId: true }))
    if (r.errorCode === ErrorCode.GROUP_MAX_SIZE_REACHED) refused++
    else assert.equal(r.errorCode, ErrorCode.MEMBER_ID_REQUIRED)
  }
  assert.equal(refused, 100)
  assert.equal(c.pendingMemberCount, MAX_PENDING_MEMBERS_TOTAL)
  // a pending member that comes back is a member; the rest expire
  const ok = await c.joinGroup(joinReq({ groupId: 'flood-0', memberId: 'c-1', requireKnownMemberId: true }))
  assert.equal(ok.errorCode, ErrorCode.NONE)
  h.advance(10_001)
  assert.equal(c.pendingMemberCount, 0)
  assert.equal(c.groupCount, 1)
})

test('JoinGroup flood over many group ids with bad protocols leaves nothing behind', async () => {
  const h = harness()
  const c = h.coordinator
  for (let i = 0; i < 5000; i++) {
    const r = await c.joinGroup(joinReq({ groupId: `g${i}`, protocolType: '', protocols: [] }))
    assert.equal(r.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  }
  assert.equal(c.groupCount, 0)
  assert.equal(h.timers.size, 0)
})

test('huge member metadata is refused with INVALID_REQUEST', async () => {
  const h = harness({ maxMemberMetadataBytes: 1024 })
  const c = h.coordinator
  const r = await c.joinGroup(joinReq({ protocols: [{ name: 'range', metadata: Buffer.alloc(2000) }] }))
  assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST)
  const many = await c.joinGroup(joinReq({ protocols: Array.from({ length: 20 }, (_, i) => ({ name: `p${i}`, metadata: Buffer.alloc(60) })) }))
  assert.equal(many.errorCode, ErrorCode.INVALID_REQUEST, 'the bound covers all protocols together')
  assert.equal(c.groupCount, 0)
})

test('malformed consumer subscriptions do not break the coordinator', async () => {
  const h = harness()
  const c = h.coordinator
  const r = await c.joinGroup(joinReq({ protocols: [{ name: 'range', metadata: Buffer.from([0xff, 0xff, 1, 2, 3]) }] }))
  assert.equal(r.errorCode, ErrorCode.NONE)
  assert.equal(c.group('g')!.subscribedTopics, null, 'unknown subscriptions: no topic-based expiry')
  const s = await c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: 'not-a-member', assignment: Buffer.from('x') }] })
  assert.equal(s.errorCode, ErrorCode.NONE)
  assert.equal(s.assignment.length, 0, 'assignments for unknown members are ignored')
})

test('a JoinGroup listing a protocol twice joins normally (the rebalance timer does not throw)', async () => {
  // With an initial delay the join completes from the rebalance timer, which once threw here.
  const h = harness({ initialRebalanceDelayMs: 3000 })
  const c = h.coordinator
  const twice = [{ name: 'range', metadata: subscription(['t']) }, { name: 'range', metadata: subscription(['u']) }]
  const a = c.joinGroup(joinReq({ protocols: twice }))
  const b = c.joinGroup(joinReq({ protocols: [{ name: 'roundrobin', metadata: subscription(['t']) }, ...twice] }))
  let answered = false
  void Promise.all([a, b]).then(() => { answered = true })
  for (let ms = 0; !answered && ms < 29_000; ms += 1000) {
    await settle()
    h.advance(1000)
  }
  const [ra, rb] = await Promise.all([a, b])
  assert.equal(ra.errorCode, ErrorCode.NONE)
  assert.equal(rb.errorCode, ErrorCode.NONE)
  assert.equal(ra.protocolName, 'range')
  assert.equal(c.group('g')!.state, 'CompletingRebalance')
  // The first entry of a name is the member's metadata for it.
  assert.deepEqual([...c.group('g')!.subscribedTopics ?? []], ['t'])
  // Leaving takes the duplicated name's count down to what the other member supports.
  const left = c.leaveGroup('g', [{ memberId: ra.memberId, groupInstanceId: null }])
  assert.equal(left.errorCode, ErrorCode.NONE)
  const again = c.joinGroup(joinReq({ memberId: rb.memberId, protocols: [{ name: 'roundrobin', metadata: subscription(['t']) }] }))
  await settle()
  h.advance(30_001)
  assert.equal((await again).errorCode, ErrorCode.NONE)
  assert.equal((await again).protocolName, 'roundrobin')
})
