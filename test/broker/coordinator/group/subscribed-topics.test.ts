import { test } from 'node:test'
import assert from 'node:assert/strict'
import kafkajs from 'kafkajs'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { subscribedTopicsOf } from '../../../../src/broker/coordinator/group/subscribed-topics.ts'
import { harness, joinReq, settle, subscription } from './harness.ts'

// Exactly what KafkaJS's assigners send: version 1 declared, only the v0 fields (topics, user data).
const kafkajsMetadata = (topics: string[]): Buffer => kafkajs.AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) })

test('subscribed topics are read from the v0 prefix, whatever version is declared', () => {
  assert.deepEqual(subscribedTopicsOf(kafkajsMetadata(['a', 'b'])), ['a', 'b'])
  assert.deepEqual(subscribedTopicsOf(subscription(['t'])), ['t'], 'a full v1 subscription too')
  const v9 = Buffer.concat([Buffer.from([0, 9]), kafkajsMetadata(['x']).subarray(2), Buffer.from('future fields')])
  assert.deepEqual(subscribedTopicsOf(v9), ['x'], 'a future version with trailing fields')
  assert.throws(() => subscribedTopicsOf(Buffer.from([0xff, 0xff, 0, 0, 0, 0])), /version -1/)
  assert.throws(() => subscribedTopicsOf(Buffer.from([0, 1, 0, 0, 0, 5])), 'truncated topics')
})

async function stableGroup(topics: string[], retentionMs = 60_000) {
  const h = harness({ offsetsRetentionMs: retentionMs })
  const c = h.coordinator
  const j = await c.joinGroup(joinReq({ protocols: [{ name: 'range', metadata: kafkajsMetadata(topics) }] }))
  await c.syncGroup({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
  await settle()
  const offsets = ['t', 'u'].map((topic) => ({ topic, partition: 0, offset: 1, leaderEpoch: -1, metadata: null }))
  await c.commitOffsets({ groupId: 'g', generationId: 1, memberId: j.memberId, groupInstanceId: null, retentionTimeMs: -1, offsets })
  return { h, c, memberId: j.memberId }
}

test('OffsetDelete on a Stable group of KafkaJS members: unsubscribed topics go, subscribed ones are refused per partition', async () => {
  const { h, c } = await stableGroup(['t'])
  assert.equal(c.stateOf('g'), 'Stable')
  const del = await c.deleteOffsets('g', [{ topic: 't', partitions: [0] }, { topic: 'u', partitions: [0] }])
  assert.equal(del.errorCode, ErrorCode.NONE)
  assert.deepEqual(del.partitions.map((p) => [p.topic, p.errorCode]), [['t', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], ['u', ErrorCode.NONE]])
  assert.deepEqual(c.fetchOffsets('g', null).offsets.map((o) => o.topic), ['t'])
  assert.deepEqual(h.replayed().snapshot(), c.snapshot())
})

test('offsets of topics a Stable group of KafkaJS members does not subscribe to expire', async () => {
  const { h, c, memberId } = await stableGroup(['t'])
  for (let i = 0; i < 7; i++) {
    h.advance(9_000)
    c.heartbeat({ groupId: 'g', generationId: 1, memberId, groupInstanceId: null })
  }
  assert.equal(await c.expireOffsets(), 1)
  assert.deepEqual(c.fetchOffsets('g', null).offsets.map((o) => o.topic), ['t'])
})
