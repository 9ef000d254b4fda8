// Share groups across brokers (startCluster, 3 brokers): the share-partition's leader is not the
// leader of its __share_group_state partition, so its state goes through the share coordinator's
// RPCs (ReadShareGroupState, InitializeShareGroupState, WriteShareGroupState). The state's leader
// is killed and the data partition's leadership moved: every acknowledged record stays done, the
// records only acquired come back to the next consumer. The RPCs answer NOT_COORDINATOR away from
// the coordinator, fence an older leader epoch, and FindCoordinator key type 2 names the coordinator.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { DescribeShareGroupOffsetsResponse } from '../../../src/protocol/generated/messages/describe-share-group-offsets.ts'
import type { FindCoordinatorResponse } from '../../../src/protocol/generated/messages/find-coordinator.ts'
import type { ReadShareGroupStateResponse } from '../../../src/protocol/generated/messages/read-share-group-state.ts'
import type { ReadShareGroupStateSummaryResponse } from '../../../src/protocol/generated/messages/read-share-group-state-summary.ts'
import type { WriteShareGroupStateResponse } from '../../../src/protocol/generated/messages/write-share-group-state.ts'
import { SHARE_GROUP_STATE_TOPIC } from '../../../src/broker/cluster/topic-names.ts'
import { AdminRaw } from '../api/admin-client.ts'
import { createTopic, electLeader, partitionState, produce, topicIdOf, until } from '../replica/cluster-helpers.ts'
import { ACCEPT, GROUP, ShareMember, ackCode, offsets } from './share-member.ts'

describe('share groups in a cluster', () => {
  let cluster: Cluster
  const conns: AdminRaw[] = []
  before(async () => {
    cluster = await startCluster({
      brokers: 3,
      logger: process.env.SAMSA_TEST_LOG as 'warn' | undefined,
      config: {
        'offsets.topic.num.partitions': 1, 'offsets.topic.replication.factor': 3,
        'share.coordinator.state.topic.num.partitions': 1, 'share.coordinator.state.topic.replication.factor': 3,
        // A killed broker's partitions move within ~2 s.
        'broker.session.timeout.ms': 2000, 'broker.heartbeat.interval.ms': 500,
      },
    })
  })
  after(async () => {
    for (const c of conns) c.close()
    await cluster?.close()
  })

  const connect = async (nodeId: number): Promise<AdminRaw> => {
    const c = await AdminRaw.connect(cluster.broker(nodeId).port)
    conns.push(c)
    return c
  }
  /** A partition's leader as a running broker's image has it. */
  const leaderOf = (topic: string, index: number): number => {
    for (const b of cluster.brokers) {
      const p = b.running?.context.metadata.image.partition(topic, index)
      if (p) return p.leader
    }
    return -1
  }
  /** Moves a partition's leadership to `to` (the controller may be writing too: retried). */
  const moveLeader = async (topic: string, to: number): Promise<void> => {
    for (let i = 0; ; i++) {
      try {
        const s = await partitionState(cluster, topic, 0)
        await electLeader(cluster, topic, 0, to, s.isr.includes(to) ? [...s.isr] : [...s.isr, to])
        break
      } catch (err) {
        if (i >= 5) throw err
      }
    }
    await until(`${topic}-0 led by ${to}`, () => cluster.broker(to).running?.context.replicas.partition(topic, 0)?.isLeader === true)
  }

  it('acknowledged state survives the coordinator being killed and the partition moving; acquired records return', { timeout: 20_000 }, async () => {
    await createTopic(cluster, 'q', 1, 3)
    const topicId = topicIdOf(cluster, 'q')
    // FindCoordinator key type 2 creates __share_group_state and names its leader (v6 only, a well-formed key).
    const any = await connect(0)
    const key = `${GROUP}:${topicId}:0`
    const found = await any.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 6, { key: '', keyType: 2, coordinatorKeys: [key, 'nonsense'] })
    assert.equal(found.coordinators[0]!.errorCode, ErrorCode.NONE, found.coordinators[0]!.errorMessage ?? '')
    assert.equal(found.coordinators[1]!.errorCode, ErrorCode.INVALID_REQUEST)
    const old = await any.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 5, { key: '', keyType: 2, coordinatorKeys: [key] })
    assert.equal(old.coordinators[0]!.errorCode, ErrorCode.INVALID_REQUEST)
    await cluster.settle()
    const stateLeader = leaderOf(SHARE_GROUP_STATE_TOPIC, 0)
    assert.equal(found.coordinators[0]!.nodeId, stateLeader)
    // The data partition is led elsewhere (in leader epoch 1 at least).
    await moveLeader('q', (stateLeader + 1) % 3)
    const dataLeader = leaderOf('q', 0)
    assert.notEqual(dataLeader, stateLeader)

    const group = await any.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 6, { key: '', keyType: 0, coordinatorKeys: [GROUP] })
    const gc = await connect(group.coordinators[0]!.nodeId)
    const a = new ShareMember('a', gc, topicId).via(await connect(dataLeader))
    await a.join()
    assert.deepEqual((await a.fetch()).ranges, [], 'initialized at the log end (latest)')
    assert.equal((await produce(cluster, dataLeader, 'q', 0, 10, -1)).errorCode, ErrorCode.NONE)
    const got = await a.fetch()
    assert.deepEqual(offsets(got.ranges), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // Accepting is answered once the state is written at the coordinator (another broker).
    assert.equal(ackCode(await a.ack([[0, 4, [ACCEPT]]])), ErrorCode.NONE)
    const coordinator = await connect(stateLeader)
    const summary = await coordinator.call<ReadShareGroupStateSummaryResponse>(ApiKey.ReadShareGroupStateSummary, 1, { groupId: GROUP, topics: [{ topicId, partitions: [{ partition: 0, leaderEpoch: -1 }] }] })
    assert.equal(summary.results[0]!.partitions[0]!.errorCode, ErrorCode.NONE)
    assert.equal(summary.results[0]!.partitions[0]!.startOffset, 5n)
    const dataEpoch = cluster.broker(dataLeader).running!.context.replicas.partition('q', 0)!.leaderEpoch
    assert.equal(summary.results[0]!.partitions[0]!.leaderEpoch, dataEpoch, 'the reading leader\'s epoch is recorded')
    // Away from the coordinator: NOT_COORDINATOR. An older leader epoch: fenced.
    const elsewhere = await connect(dataLeader)
    const notHere = await elsewhere.call<ReadShareGroupStateResponse>(ApiKey.ReadShareGroupState, 0, { groupId: GROUP, topics: [{ topicId, partitions: [{ partition: 0, leaderEpoch: dataEpoch }] }] })
    assert.equal(notHere.results[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR)
    const stale = await coordinator.call<WriteShareGroupStateResponse>(ApiKey.WriteShareGroupState, 1, {
      groupId: GROUP, topics: [{ topicId, partitions: [{ partition: 0, stateEpoch: 0, leaderEpoch: dataEpoch - 1, startOffset: 0n, deliveryCompleteCount: 0, stateBatches: [] }] }],
    })
    assert.equal(stale.results[0]!.partitions[0]!.errorCode, ErrorCode.FENCED_LEADER_EPOCH)

    // The coordinator's broker dies: __share_group_state-0 gets a new leader, which replays the state.
    await cluster.kill(stateLeader)
    await until('a new share coordinator', () => ![stateLeader, -1].includes(leaderOf(SHARE_GROUP_STATE_TOPIC, 0)))
    // The next acknowledgement reaches the new coordinator (NOT_COORDINATOR / unreachable retried).
    assert.equal(ackCode(await a.ack([[5, 6, [ACCEPT]]])), ErrorCode.NONE)

    // The data partition moves to the third broker: it reads the state from the coordinator.
    const third = [0, 1, 2].find((n) => n !== stateLeader && n !== dataLeader)!
    await moveLeader('q', third)
    const b = new ShareMember('b', await connect(third), topicId)
    const again = await b.fetch()
    assert.equal(again.res.errorCode, ErrorCode.NONE, again.res.errorMessage ?? '')
    // 0-6 were accepted: never again. 7-9 were only acquired by A: back, to B.
    assert.deepEqual(offsets(again.ranges), [7, 8, 9])
    assert.ok(again.ranges.every(([, , count]) => count === 2), `A's delivery was counted: ${JSON.stringify(again.ranges)}`)
    assert.equal(ackCode(await b.ack([[7, 9, [ACCEPT]]])), ErrorCode.NONE)
    assert.deepEqual((await b.fetch()).ranges, [])
    const newCoordinator = await connect(leaderOf(SHARE_GROUP_STATE_TOPIC, 0))
    const end = await newCoordinator.call<ReadShareGroupStateSummaryResponse>(ApiKey.ReadShareGroupStateSummary, 1, { groupId: GROUP, topics: [{ topicId, partitions: [{ partition: 0, leaderEpoch: -1 }] }] })
    assert.equal(end.results[0]!.partitions[0]!.startOffset, 10n)

    // The group coordinator describes the group's start offsets from whichever broker holds them.
    const live = await connect(third)
    const gcNow = (await live.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 6, { key: '', keyType: 0, coordinatorKeys: [GROUP] })).coordinators[0]!
    assert.equal(gcNow.errorCode, ErrorCode.NONE)
    const described = await (await connect(gcNow.nodeId)).call<DescribeShareGroupOffsetsResponse>(ApiKey.DescribeShareGroupOffsets, 1, { groups: [{ groupId: GROUP, topics: null }] })
    const q = described.groups[0]!.topics.find((t) => t.topicName === 'q')
    assert.equal(q?.partitions[0]?.startOffset, 10n, JSON.stringify(described, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v))
  })
})
