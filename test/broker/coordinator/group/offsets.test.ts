import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { harness, joinReq, settle, subscription } from './harness.ts'
import { groupLag } from '../../../../src/broker/coordinator/group/lag.ts'
import { javaStringHashCode, partitionForGroup } from '../../../../src/broker/coordinator/group/group-partition.ts'
import { decodeGroupRecord, encodeGroupRecord, GroupRecordError } from '../../../../src/broker/coordinator/group/records.ts'
import { ZERO_UUID } from '../../../../src/protocol/primitives/index.ts'

const commit = (over: Record<string, unknown> = {}) => ({
  groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
  offsets: [{ topic: 't', partition: 0, offset: 42, leaderEpoch: 3, metadata: 'meta' }], ...over,
})

test('partition of a group follows Java String.hashCode', () => {
  assert.equal(javaStringHashCode(''), 0)
  assert.equal(javaStringHashCode('hello'), 99162322)
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648)
  assert.equal(partitionForGroup('polygenelubricants', 50), 0)
  assert.equal(partitionForGroup('console-consumer-1', 50), Math.abs(javaStringHashCode('console-consumer-1')) % 50)
  assert.equal(partitionForGroup('\u{1F600}', 7), Math.abs(javaStringHashCode('\u{1F600}')) % 7)
})

test('records round-trip through Kafka\'s key/value schemas; foreign key versions are skipped; garbage is a typed error', () => {
  const off = { type: 'offset' as const, group: 'g', topic: 't', partition: 3, value: { offset: 9n, leaderEpoch: 2, metadata: 'm', commitTimestamp: 5n, expireTimestamp: -1n, topicId: ZERO_UUID } }
  const e = encodeGroupRecord(off)
  assert.equal(e.key.readInt16BE(0), 1)
  assert.equal(e.value!.readInt16BE(0), 3)
  assert.deepEqual(decodeGroupRecord(e.key, e.value), off)
  const withExpiry = encodeGroupRecord({ ...off, value: { ...off.value, expireTimestamp: 99n } })
  assert.equal(withExpiry.value!.readInt16BE(0), 1, 'explicit expiry needs value v1')
  assert.equal((decodeGroupRecord(withExpiry.key, withExpiry.value) as typeof off).value!.expireTimestamp, 99n)
  const tomb = encodeGroupRecord({ type: 'group', group: 'g', value: null })
  assert.equal(tomb.key.readInt16BE(0), 2)
  assert.deepEqual(decodeGroupRecord(tomb.key, null), { type: 'group', group: 'g', value: null })
  assert.equal(decodeGroupRecord(Buffer.from([0, 4, 0, 0]), null), null)
  assert.throws(() => decodeGroupRecord(Buffer.from([0, 1, 0, 9]), null), GroupRecordError)
  assert.throws(() => decodeGroupRecord(null, null), GroupRecordError)
  assert.throws(() => decodeGroupRecord(e.key, Buffer.from([0, 9, 1])), GroupRecordError)
})

test('simple (memberless) commits create the group; fetch returns them, -1 for the rest', async () => {
  const h = harness()
  const c = h.coordinator
  const r = await c.commitOffsets(commit())
  assert.deepEqual(r, [{ topic: 't', partition: 0, errorCode: ErrorCode.NONE }])
  assert.equal(c.stateOf('g'), 'Empty')
  const f = c.fetchOffsets('g', [{ topic: 't', partitions: [0, 1] }])
  assert.deepEqual(f.offsets.map((o) => [o.partition, o.offset, o.leaderEpoch, o.metadata]), [[0, 42, 3, 'meta'], [1, -1, -1, '']])
  assert.equal(c.fetchOffsets('g', null).offsets.length, 1)
  assert.deepEqual(c.fetchOffsets('other', null).offsets, [])
  assert.equal(c.offsets.get('g', 't', 0)!.commitTimestamp, h.clock.now())
  await c.commitOffsets(commit({ offsets: [{ topic: 't', partition: 1, offset: 1, leaderEpoch: -1, metadata: null, commitTimestamp: 1234 }] }))
  assert.equal(c.offsets.get('g', 't', 1)!.commitTimestamp, 1234, 'OffsetCommit v1 sets the commit time')
  assert.equal(c.listGroups().length, 1)
})

test('OffsetCommit bad input: unknown group with a generation, unknown member, stale generation, metadata too large, unknown topic', async () => {
  const h = harness({ offsetMetadataMaxBytes: 10 }, { partitionExists: (t, p) => t === 't' && p < 2 })
  const c = h.coordinator
  assert.equal((await c.commitOffsets(commit({ generationId: 3, memberId: 'm' })))[0].errorCode, ErrorCode.ILLEGAL_GENERATION)
  assert.equal(c.groupCount, 0)
  const j = await c.joinGroup(joinReq())
  await c.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
  await settle()
  assert.equal((await c.commitOffsets(commit({ generationId: 1, memberId: 'ghost' })))[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID)
  assert.equal((await c.commitOffsets(commit({ generationId: 7, memberId: j.memberId })))[0].errorCode, ErrorCode.ILLEGAL_GENERATION)
  assert.equal((await c.commitOffsets(commit()))[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'simple commit into an active group')
  const mixed = await c.commitOffsets(commit({
    generationId: 1, memberId: j.memberId,
    offsets: [
      { topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: 'x'.repeat(11) },
      { topic: 't', partition: 5, offset: 1, leaderEpoch: -1, metadata: null },
      { topic: 't', partition: 1, offset: 1, leaderEpoch: -1, metadata: null },
    ],
  }))
  assert.deepEqual(mixed.map((p) => p.errorCode), [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NONE])
  assert.equal(c.fetchOffsets('g', [{ topic: 't', partitions: [0, 1] }]).offsets.map((o) => o.offset).join(), '-1,1')
})

test('a failed append fails the commit and changes nothing', async () => {
  const h = harness()
  const c = h.coordinator
  await c.commitOffsets(commit())
  h.failWith.err = Object.assign(new Error('disk'), { code: 'KAFKA_STORAGE_ERROR' })
  assert.equal((await c.commitOffsets(commit({ offsets: [{ topic: 't', partition: 0, offset: 99, leaderEpoch: -1, metadata: null }] })))[0].errorCode, ErrorCode.NOT_COORDINATOR)
  h.failWith.err = Object.assign(new Error('big'), { code: 'RECORD_LIST_TOO_LARGE' })
  assert.equal((await c.commitOffsets(commit({ offsets: [{ topic: 't', partition: 0, offset: 99, leaderEpoch: -1, metadata: null }] })))[0].errorCode, ErrorCode.INVALID_COMMIT_OFFSET_SIZE)
  assert.equal(c.fetchOffsets('g', null).offsets[0].offset, 42)
})

test('replaying the records reproduces the same durable state', async () => {
  const h = harness()
  const c = h.coordinator
  // two groups, one with a static member, offsets, a deletion, a rebalance
  const a = await c.joinGroup(joinReq({ clientId: 'a', groupInstanceId: 'ia' }))
  const pb = c.joinGroup(joinReq({ clientId: 'b' }))
  const a2 = await c.joinGroup(joinReq({ clientId: 'a', memberId: a.memberId, groupInstanceId: 'ia' }))
  const b = await pb
  const sa = c.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, groupInstanceId: 'ia', protocolType: null, protocolName: null,
    assignments: [{ memberId: a.memberId, assignment: Buffer.from('AA') }, { memberId: b.memberId, assignment: Buffer.from('BB') }] })
  const sb = c.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
  await Promise.all([sa, sb])
  assert.equal(a2.leaderId, a.memberId)
  await c.commitOffsets(commit({ generationId: 2, memberId: b.memberId, offsets: [{ topic: 't', partition: 0, offset: 10, leaderEpoch: 1, metadata: 'x' }, { topic: 't', partition: 1, offset: 11, leaderEpoch: 1, metadata: '' }] }))
  await c.commitOffsets(commit({ groupId: 'simple', offsets: [{ topic: 'u', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }))
  await c.commitOffsets(commit({ groupId: 'gone', offsets: [{ topic: 'u', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }))
  assert.deepEqual(await c.deleteGroups(['gone']), [{ groupId: 'gone', errorCode: ErrorCode.NONE }])
  // static replacement writes the group again
  const a3 = await c.joinGroup(joinReq({ clientId: 'a', groupInstanceId: 'ia' }))
  assert.equal(a3.generationId, 2)
  await settle()
  const live = c.snapshot()
  const rebuilt = h.replayed()
  assert.deepEqual(rebuilt.snapshot(), live)
  assert.equal(rebuilt.stateOf('g'), 'Stable')
  assert.equal(rebuilt.stateOf('gone'), undefined)
  // members of a loaded group keep their generation: heartbeats work, then expire without them
  assert.equal(rebuilt.heartbeat({ groupId: 'g', generationId: 2, memberId: b.memberId, groupInstanceId: null }), ErrorCode.NONE)
})

test('loading partitions answer COORDINATOR_LOAD_IN_PROGRESS', async () => {
  const h = harness()
  const c = h.coordinator
  c.beginLoad(c.partitionFor('g'))
  assert.equal((await c.joinGroup(joinReq())).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
  assert.equal(c.fetchOffsets('g', null).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
  assert.equal((await c.commitOffsets(commit()))[0].errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
  c.completeLoad(c.partitionFor('g'))
  assert.equal((await c.commitOffsets(commit()))[0].errorCode, ErrorCode.NONE)
})

test('retention: offsets of an empty group expire, then the group is deleted; active consumer groups keep subscribed topics', async () => {
  const h = harness({ offsetsRetentionMs: 60_000 })
  const c = h.coordinator
  await c.commitOffsets(commit({ groupId: 'simple' }))
  const j = await c.joinGroup(joinReq({ protocols: [{ name: 'range', metadata: subscription(['t']) }] }))
  await c.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
  await settle()
  await c.commitOffsets(commit({ generationId: 1, memberId: j.memberId, offsets: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }, { topic: 'old', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }))
  await c.commitOffsets(commit({ groupId: 'explicit', retentionTimeMs: 1_000 }))
  for (let i = 0; i < 7; i++) {
    h.advance(9_000)
    c.heartbeat({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null })
  }
  assert.equal(await c.expireOffsets(), 3)
  assert.equal(c.stateOf('simple'), undefined, 'expired and deleted')
  assert.equal(c.stateOf('explicit'), undefined)
  assert.deepEqual(c.fetchOffsets('g', null).offsets.map((o) => o.topic), ['t'], 'unsubscribed topic expired, subscribed kept')
  // the member leaves: the group is Empty; its offsets expire retention after that
  c.leaveGroup('g', [{ memberId: j.memberId, groupInstanceId: null }])
  await settle()
  h.advance(30_000)
  assert.equal(await c.expireOffsets(), 0)
  h.advance(31_000)
  assert.equal(await c.expireOffsets(), 1)
  assert.equal(c.stateOf('g'), undefined)
  await settle()
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
})

test('offsets of deleted topics are removed', async () => {
  let exists = true
  const h = harness({}, { partitionExists: (t) => t !== 'dead' || exists })
  const c = h.coordinator
  await c.commitOffsets(commit({ offsets: [{ topic: 'dead', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }, { topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }))
  assert.deepEqual([...c.offsets.topics()].sort(), ['dead', 't'])
  await c.onTopicsDeleted(['dead'])
  assert.deepEqual(c.fetchOffsets('g', null).offsets.map((o) => o.topic), ['t'])
  assert.deepEqual([...c.offsets.topics()], ['t'], 'the topic index follows deletions')
  await c.commitOffsets(commit({ groupId: 'h', offsets: [{ topic: 'dead', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }))
  exists = false
  assert.equal(await c.expireOffsets(), 1, 'the periodic check also drops offsets of topics that are gone')
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
})

test('DeleteGroups and OffsetDelete', async () => {
  const h = harness()
  const c = h.coordinator
  const j = await c.joinGroup(joinReq({ protocols: [{ name: 'range', metadata: subscription(['t']) }] }))
  await c.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
  await settle()
  await c.commitOffsets(commit({ generationId: 1, memberId: j.memberId, offsets: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }, { topic: 'u', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }))
  assert.deepEqual((await c.deleteGroups(['g', 'nope', ''])).map((r) => r.errorCode), [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.GROUP_ID_NOT_FOUND])
  const del = await c.deleteOffsets('g', [{ topic: 't', partitions: [0] }, { topic: 'u', partitions: [0] }])
  assert.equal(del.errorCode, ErrorCode.NONE)
  assert.deepEqual(del.partitions.map((p) => p.errorCode), [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE])
  assert.deepEqual(c.fetchOffsets('g', null).offsets.map((o) => o.topic), ['t'])
  assert.equal((await c.deleteOffsets('nope', [])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND)
  c.leaveGroup('g', [{ memberId: j.memberId, groupInstanceId: null }])
  await settle()
  assert.deepEqual(await c.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NONE }])
  assert.deepEqual(c.fetchOffsets('g', null).offsets, [])
  assert.equal(c.describeGroup('g').state, 'Dead')
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
})

test('DescribeGroups and ListGroups with state and type filters', async () => {
  const h = harness()
  const c = h.coordinator
  const j = await c.joinGroup(joinReq({ clientId: 'cid' }))
  assert.equal(c.describeGroup('g').state, 'CompletingRebalance')
  assert.equal(c.describeGroup('g').members[0].metadata.length, 0, 'no metadata outside Stable')
  await c.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from('z') }] })
  await c.commitOffsets(commit({ groupId: 's' }))
  const d = c.describeGroup('g')
  assert.equal(d.state, 'Stable')
  assert.equal(d.protocolType, 'consumer')
  assert.equal(d.protocolData, 'range')
  assert.equal(d.members[0].clientId, 'cid')
  assert.equal(d.members[0].assignment.toString(), 'z')
  assert.deepEqual(c.listGroups().map((g) => g.groupId).sort(), ['g', 's'])
  assert.deepEqual(c.listGroups(['stable']).map((g) => g.groupId), ['g'])
  assert.deepEqual(c.listGroups(['Empty']).map((g) => g.groupId), ['s'])
  assert.deepEqual(c.listGroups([], ['consumer']), [])
  assert.equal(c.listGroups([], ['Classic']).length, 2)
})

test('lag: log end minus committed, per partition', async () => {
  const h = harness()
  const c = h.coordinator
  await c.commitOffsets(commit({ offsets: [{ topic: 't', partition: 0, offset: 40, leaderEpoch: -1, metadata: null }, { topic: 't', partition: 1, offset: 5, leaderEpoch: -1, metadata: null }, { topic: 'x', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }] }))
  const lag = groupLag(c, 'g', (t, p) => t === 't' ? [100, 5][p] : undefined)
  assert.deepEqual(lag.partitions.map((p) => [p.topic, p.partition, p.lag]), [['t', 0, 60], ['t', 1, 0], ['x', 0, undefined]])
  assert.equal(lag.totalLag, 60)
  assert.equal(lag.state, 'Empty')
})

test('a commit racing a group deletion does not resurrect the offsets', async () => {
  const h = harness()
  const c = h.coordinator
  await c.commitOffsets(commit())
  const late = c.commitOffsets(commit({ offsets: [{ topic: 't', partition: 1, offset: 9, leaderEpoch: -1, metadata: null }] }))
  assert.deepEqual(await c.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NONE }])
  assert.equal((await late)[0].errorCode, ErrorCode.NONE)
  assert.deepEqual(c.fetchOffsets('g', null).offsets, [])
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
})

test('failed tombstone appends (DeleteGroups, OffsetDelete, expiry, deleted topics) leave memory as the log has it', async () => {
  let exists = true
  const h = harness({ offsetsRetentionMs: 60_000 }, { partitionExists: (t) => t !== 'dead' || exists })
  const c = h.coordinator
  await c.commitOffsets(commit({ offsets: [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }, { topic: 'dead', partition: 0, offset: 2, leaderEpoch: -1, metadata: null }] }))
  await c.commitOffsets(commit({ groupId: 'old' }))
  const before = c.snapshot()
  h.failWith.err = Object.assign(new Error('disk'), { code: 'KAFKA_STORAGE_ERROR' })
  assert.deepEqual(await c.deleteGroups(['g']), [{ groupId: 'g', errorCode: ErrorCode.NOT_COORDINATOR }])
  assert.equal((await c.deleteOffsets('g', [{ topic: 't', partitions: [0] }])).errorCode, ErrorCode.NOT_COORDINATOR)
  await c.onTopicsDeleted(['dead'])
  h.advance(61_000)
  assert.equal(await c.expireOffsets(), 0, 'nothing counts as expired when the tombstones were not written')
  assert.deepEqual(c.snapshot(), before)
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
  // once the log takes them, the same operations apply
  h.failWith.err = null
  exists = false
  assert.equal(await c.expireOffsets(), 3)
  assert.equal(c.stateOf('g'), undefined)
  assert.equal(c.stateOf('old'), undefined)
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
})

test('while a group deletion is being appended: joins and commits get COORDINATOR_NOT_AVAILABLE, a second delete shares the outcome', async () => {
  const h = harness()
  const c = h.coordinator
  await c.commitOffsets(commit())
  const del = c.deleteGroups(['g', 'g'])
  assert.equal(c.fetchOffsets('g', null).offsets.length, 1, 'nothing changes before the tombstones are appended')
  assert.equal((await c.joinGroup(joinReq())).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE)
  assert.equal((await c.commitOffsets(commit()))[0].errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE)
  assert.equal((await c.deleteOffsets('g', [{ topic: 't', partitions: [0] }])).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE)
  assert.deepEqual(await del, [{ groupId: 'g', errorCode: ErrorCode.NONE }, { groupId: 'g', errorCode: ErrorCode.NONE }])
  assert.equal(c.stateOf('g'), undefined)
  assert.equal((await c.joinGroup(joinReq())).errorCode, ErrorCode.NONE, 'the id is free again')
})

test('a commit appended after a group tombstone survives it, live as after a restart', async () => {
  const h = harness()
  const c = h.coordinator
  await c.commitOffsets(commit())
  c.replay({ type: 'group', group: 'g', value: null })
  assert.equal(c.stateOf('g'), 'Empty', 'offsets still there keep an Empty group')
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
})

test('offsets.commit.timeout.ms: a slow append is answered COORDINATOR_NOT_AVAILABLE, and still replayed once appended', async () => {
  const h = harness({ offsetCommitTimeoutMs: 5_000 })
  const c = h.coordinator
  let release!: () => void
  h.gate.until = new Promise((r) => { release = r })
  const slow = c.commitOffsets(commit())
  await settle()
  h.advance(4_999)
  await settle()
  h.advance(1)
  assert.equal((await slow)[0].errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE)
  assert.equal(c.fetchOffsets('g', null).offsets.length, 0, 'not in memory before it is in the log')
  h.gate.until = null
  release()
  await settle()
  assert.equal(c.fetchOffsets('g', null).offsets[0]?.offset, 42, 'the late append is replayed: memory follows the log')
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
  assert.equal(h.timers.size, 0, 'no timer left behind')
})
