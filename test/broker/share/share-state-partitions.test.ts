// ShareGroupStatePartitionMetadata (record type 15): a share group records the share-partitions
// that have (or are about to have) state — its subscribed topics' partitions, and any partition
// AlterShareGroupOffsets set — replays it at load, drops a topic on DeleteShareGroupOffsets and
// tombstones it with the group. DescribeShareGroupOffsets for all topics and DeleteGroups then ask
// the share coordinator about those partitions only, not every partition of every topic.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { ShareGroupHeartbeatResponse } from '../../../src/protocol/generated/messages/share-group-heartbeat.ts'
import type { DescribeShareGroupOffsetsResponse } from '../../../src/protocol/generated/messages/describe-share-group-offsets.ts'
import type { DeleteGroupsResponse } from '../../../src/protocol/generated/messages/delete-groups.ts'
import type { ShareHeartbeatRequest } from '../../../src/broker/coordinator/group/share-membership.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { harness } from '../coordinator/group/harness.ts'
import { AdminRaw } from '../api/admin-client.ts'

const A = 'AAAAAAAAAAAAAAAAAAAAAQ'
const B = 'AAAAAAAAAAAAAAAAAAAAAg'

test('coordinator: subscribed partitions are recorded, replayed, unmarked per topic and tombstoned with the group', async () => {
  const topics = new Map([['a', { topicId: A, partitions: 3 }], ['b', { topicId: B, partitions: 2 }]])
  const h = harness({ offsetsTopicPartitions: 1 }, { topics: { byName: (n) => topics.get(n), names: () => topics.keys() } })
  const c = h.coordinator
  const beat = (memberId: string, memberEpoch: number, subscribed: string[] | null): Promise<unknown> => c.shareGroupHeartbeat({
    groupId: 'q', memberId, memberEpoch, rackId: null, subscribedTopicNames: subscribed, clientId: 'c', clientHost: 'h',
  } satisfies ShareHeartbeatRequest)
  const marked = (co = c) => [...(co.shareGroup('q')?.statePartitions ?? [])].map(([id, t]) => [id, t.name, [...t.partitions].sort()])
  await beat('m1', 0, ['a'])
  assert.deepEqual(marked(), [[A, 'a', [0, 1, 2]]])
  const before = h.log.get(0)!.length
  await beat('m1', 1, null)
  assert.equal(h.log.get(0)!.length, before, 'a heartbeat with nothing new writes nothing')
  await beat('m2', 0, ['a', 'b'])
  assert.deepEqual(marked(), [[A, 'a', [0, 1, 2]], [B, 'b', [0, 1]]])
  assert.deepEqual(marked(h.replayed()), marked(), 'replayed from __consumer_offsets')
  await c.updateShareStatePartitions('q', A, 'a', null)
  assert.deepEqual(marked(h.replayed()), [[B, 'b', [0, 1]]])
  await c.shareGroupHeartbeat({ groupId: 'q', memberId: 'm1', memberEpoch: -1, rackId: null, subscribedTopicNames: null, clientId: 'c', clientHost: 'h' })
  await c.shareGroupHeartbeat({ groupId: 'q', memberId: 'm2', memberEpoch: -1, rackId: null, subscribedTopicNames: null, clientId: 'c', clientHost: 'h' })
  assert.deepEqual(await c.deleteGroups(['q']), [{ groupId: 'q', errorCode: ErrorCode.NONE }])
  assert.equal(h.replayed().shareGroup('q'), undefined, 'the type-15 record got its tombstone')
})

test('wire: describing all offsets and DeleteGroups ask only about the recorded partitions', { timeout: 20_000 }, async () => {
  const dir = makeTempDir()
  const broker = await runBroker(new BrokerConfig([
    ['listeners', 'PLAINTEXT://127.0.0.1:0'], ['log.dirs', dir], ['offsets.topic.num.partitions', 1], ['share.coordinator.state.topic.num.partitions', 1],
  ]), { log: silentLogger() })
  const c = await AdminRaw.connect(broker.bound[0]!.port)
  try {
    for (const name of ['x', 'y', 'z']) await broker.context.controller.createTopic({ name, partitions: 4, configs: {}, internal: false })
    const persister = broker.context.coordinators.share.persister
    const asked = { summary: 0, delete: 0 }
    const summary = persister.summary.bind(persister)
    const del = persister.delete.bind(persister)
    persister.summary = (...args) => { asked.summary++; return summary(...args) }
    persister.delete = (...args) => { asked.delete++; return del(...args) }

    const joined = await c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: 'only-y', memberId: 'm', memberEpoch: 0, rackId: null, subscribedTopicNames: ['y'] })
    assert.equal(joined.errorCode, ErrorCode.NONE)
    const d = await c.call<DescribeShareGroupOffsetsResponse>(ApiKey.DescribeShareGroupOffsets, 1, { groups: [{ groupId: 'only-y', topics: null }] })
    assert.deepEqual(d.groups[0]!.topics.map((t) => [t.topicName, t.partitions.map((p) => p.partitionIndex)]), [['y', [0, 1, 2, 3]]])
    assert.equal(asked.summary, 4, 'the four partitions of y, not all twelve')

    await c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: 'only-y', memberId: 'm', memberEpoch: -1, rackId: null, subscribedTopicNames: null })
    const dg = await c.call<DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: ['only-y'] })
    assert.equal(dg.results[0]!.errorCode, ErrorCode.NONE)
    assert.equal(asked.delete, 4, 'only y\'s share state deleted')
  } finally {
    c.close()
    await broker.close()
    removeTempDir(dir)
  }
})
