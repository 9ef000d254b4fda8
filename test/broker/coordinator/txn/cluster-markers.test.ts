// Transactions across brokers (startCluster, 3 brokers): the transaction coordinator writes the
// markers of partitions led by other brokers through WriteTxnMarkers to their leaders. A
// read_committed consumer sees committed records and never aborted ones, every partition's LSO
// reaches its log end, and a partition leader killed between produce and commit does not leave the
// transaction open (the markers follow the partition to its new leader).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../../src/broker/index.ts'
import type { Cluster } from '../../../../src/broker/index.ts'
import { Admin, Consumer, Producer } from '../../../../src/client/index.ts'
import { ApiKey } from '../../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import type { WriteTxnMarkersResponse } from '../../../../src/protocol/generated/messages/write-txn-markers.ts'
import type { TxnOffsetCommitResponse } from '../../../../src/protocol/generated/messages/txn-offset-commit.ts'
import type { FindCoordinatorResponse } from '../../../../src/protocol/generated/messages/find-coordinator.ts'
import { ZERO_UUID } from '../../../../src/protocol/primitives/uuid.ts'
import { CONSUMER_OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from '../../../../src/broker/cluster/topic-names.ts'
import { channelTo, createTopic, electLeader, partitionState, until } from '../../replica/cluster-helpers.ts'
import { iterate, take } from '../../../client/helpers.ts'

const PARTITIONS = 3

describe('transaction markers between brokers', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({
      brokers: 3,
      logger: process.env.SAMSA_TEST_LOG as 'warn' | undefined,
      config: {
        'transaction.state.log.num.partitions': 1, 'offsets.topic.num.partitions': 1,
        // A killed broker's partitions move within ~2 s.
        'broker.session.timeout.ms': 2000, 'broker.heartbeat.interval.ms': 500,
        // Timed-out transactions are looked for often (the abort test's producer never ends its own).
        'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200,
      },
    })
  })
  after(async () => {
    await cluster?.close()
  })

  /** The running leader of a partition (from any running broker's image). */
  const leaderOf = (topic: string, index: number): number => {
    for (const b of cluster.brokers) {
      const p = b.running?.context.metadata.image.partition(topic, index)
      if (p) return p.leader
    }
    return -1
  }
  const coordinatorId = (): number => leaderOf(TRANSACTION_STATE_TOPIC, 0)

  /** Every partition's leader has its LSO at its log end (no transaction left open). */
  const allStable = (topic: string): boolean => {
    for (let i = 0; i < PARTITIONS; i++) {
      const p = cluster.brokers[leaderOf(topic, i)]?.running?.context.replicas.partition(topic, i)
      if (!p || !p.isLeader || p.lastStableOffset !== p.logEndOffset) return false
    }
    return true
  }

  const readCommitted = async (topic: string, n: number): Promise<string[]> => {
    const c = new Consumer({ bootstrapServers: cluster.bootstrap, autoOffsetReset: 'earliest', isolationLevel: 'read_committed' })
    try {
      c.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })))
      return (await take(iterate(c), n, 10_000)).map((m) => m.value!.toString()).sort()
    } finally {
      await c.close()
    }
  }

  const send = async (producer: Producer, topic: string, tag: string): Promise<void> => {
    await Promise.all(Array.from({ length: PARTITIONS }, (_, partition) => producer.send({ topic, partition, value: `${tag}-${partition}` })))
  }

  it('commits and aborts reach partitions led by other brokers; LSO advances everywhere', { timeout: 20_000 }, async () => {
    const topic = 'spread'
    await createTopic(cluster, topic, PARTITIONS, 3)
    const leaders = Array.from({ length: PARTITIONS }, (_, i) => leaderOf(topic, i))
    assert.deepEqual([...leaders].sort(), [0, 1, 2], 'one partition led by each broker')
    const producer = new Producer({ bootstrapServers: cluster.bootstrap, transactionalId: 'spread-tx' })
    try {
      await producer.beginTransaction()
      await send(producer, topic, 'c1')
      await producer.commitTransaction()
      await producer.beginTransaction()
      await send(producer, topic, 'a')
      await producer.abortTransaction()
      await producer.beginTransaction()
      await send(producer, topic, 'c2')
      await producer.commitTransaction()
    } finally {
      await producer.close()
    }
    assert.notEqual(coordinatorId(), -1)
    await until('every partition stable', () => allStable(topic), 10_000)
    const seen = await readCommitted(topic, 2 * PARTITIONS)
    assert.deepEqual(seen, ['c1-0', 'c1-1', 'c1-2', 'c2-0', 'c2-1', 'c2-2'])
  })

  it('a partition leader killed between produce and commit: the transaction still completes', { timeout: 20_000 }, async () => {
    const topic = 'killed'
    await createTopic(cluster, topic, PARTITIONS, 3)
    const coordinator = coordinatorId()
    const victimPartition = [0, 1, 2].find((i) => leaderOf(topic, i) !== coordinator)!
    const victim = leaderOf(topic, victimPartition)
    const producer = new Producer({ bootstrapServers: cluster.bootstrap, transactionalId: 'killed-tx' })
    try {
      await producer.beginTransaction()
      await send(producer, topic, 'k')
      await cluster.kill(victim)
      await producer.commitTransaction()
    } finally {
      await producer.close()
    }
    await until(`a new leader for ${topic}-${victimPartition}`, () => ![-1, victim].includes(leaderOf(topic, victimPartition)), 10_000)
    await until('every partition stable', () => allStable(topic), 10_000)
    const seen = await readCommitted(topic, PARTITIONS)
    assert.deepEqual(seen, ['k-0', 'k-1', 'k-2'])
    await cluster.restart(victim)
  })

  it('offsets sent in a transaction commit on a group coordinator that is another broker', { timeout: 20_000 }, async () => {
    const topic = 'offsets-src'
    await createTopic(cluster, topic, 1, 3)
    const admin = new Admin({ bootstrapServers: cluster.bootstrap })
    const producer = new Producer({ bootstrapServers: cluster.bootstrap, transactionalId: 'offsets-tx' })
    try {
      assert.deepEqual(await admin.groupOffsets('eos-group'), []) // creates __consumer_offsets
      await producer.beginTransaction()
      await producer.send({ topic, partition: 0, value: 'x' })
      // The group's offsets partition led by a broker other than the transaction coordinator.
      const coordinator = coordinatorId()
      if (leaderOf(CONSUMER_OFFSETS_TOPIC, 0) === coordinator) {
        const other = [0, 1, 2].find((id) => id !== coordinator)!
        const s = await partitionState(cluster, CONSUMER_OFFSETS_TOPIC, 0)
        await electLeader(cluster, CONSUMER_OFFSETS_TOPIC, 0, other, [...s.isr])
      }
      assert.notEqual(leaderOf(CONSUMER_OFFSETS_TOPIC, 0), coordinator)
      await producer.sendOffsets({ groupId: 'eos-group' }, [{ topic, partition: 0, offset: 1 }])
      await producer.commitTransaction()
      await until('offsets committed', async () => (await admin.groupOffsets('eos-group')).some((o) => o.offset === 1), 10_000)
      await producer.beginTransaction()
      await producer.sendOffsets({ groupId: 'eos-group' }, [{ topic, partition: 0, offset: 5 }])
      await producer.abortTransaction()
    } finally {
      await producer.close()
    }
    try {
      // The aborted offsets never show; the commit marker's offsets stay.
      await until('the group partition stable', () => {
        const p = cluster.brokers[leaderOf(CONSUMER_OFFSETS_TOPIC, 0)]?.running?.context.replicas.partition(CONSUMER_OFFSETS_TOPIC, 0)
        return p !== undefined && p.lastStableOffset === p.logEndOffset
      })
      assert.deepEqual((await admin.groupOffsets('eos-group')).map((o) => o.offset), [1])
    } finally {
      await admin.close()
    }
  })

  it('a timed-out transaction is aborted on every broker', { timeout: 20_000 }, async () => {
    const topic = 'timeout'
    await createTopic(cluster, topic, PARTITIONS, 3)
    const producer = new Producer({ bootstrapServers: cluster.bootstrap, transactionalId: 'timeout-tx', transactionTimeoutMs: 3000 })
    try {
      await producer.beginTransaction()
      // On a slow machine the abort may come first: a send is then fenced, which is fine here.
      await send(producer, topic, 'late').catch(() => {})
      await until('the coordinator aborts it and every partition is stable', () => allStable(topic), 10_000)
    } finally {
      await producer.close().catch(() => {})
    }
    const p = new Producer({ bootstrapServers: cluster.bootstrap, transactionalId: 'timeout-tx-2' })
    try {
      await p.beginTransaction()
      await send(p, topic, 'ok')
      await p.commitTransaction()
    } finally {
      await p.close()
    }
    assert.deepEqual(await readCommitted(topic, PARTITIONS), ['ok-0', 'ok-1', 'ok-2'])
  })

  it('WriteTxnMarkers: error codes for a follower, an unknown partition and a stale coordinator epoch', { timeout: 20_000 }, async () => {
    const topic = 'wire'
    await createTopic(cluster, topic, 1, 3)
    const leader = leaderOf(topic, 0)
    const follower = [0, 1, 2].find((id) => id !== leader && cluster.broker(id).running)!
    const write = async (nodeId: number, t: string, producerId: bigint, coordinatorEpoch: number): Promise<number> => {
      const ch = await channelTo(cluster, nodeId)
      try {
        const res = await ch.send<WriteTxnMarkersResponse>(ApiKey.WriteTxnMarkers, 1, {
          markers: [{ producerId, producerEpoch: 0, transactionResult: true, topics: [{ name: t, partitionIndexes: [0] }], coordinatorEpoch, transactionVersion: 0 }],
        }, 10_000)
        return res.markers[0]!.topics[0]!.partitions[0]!.errorCode
      } finally {
        ch.close()
      }
    }
    assert.equal(await write(follower, topic, 900n, 5), ErrorCode.NOT_LEADER_OR_FOLLOWER)
    assert.equal(await write(leader, 'no-such-topic', 900n, 5), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    assert.equal(await write(leader, topic, 900n, 5), ErrorCode.NONE)
    assert.equal(await write(leader, topic, 900n, 4), ErrorCode.TRANSACTION_COORDINATOR_FENCED)
  })
})

describe('TxnOffsetCommit on a broker that is not the group coordinator', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({ brokers: 2, config: { 'offsets.topic.num.partitions': 1, 'transaction.state.log.num.partitions': 1 } })
  })
  after(async () => {
    await cluster?.close()
  })

  // A classic member's commit sent to a broker the group does not live on (librdkafka keeps its
  // cached coordinator until told otherwise): before the fix it got ILLEGAL_GENERATION, and a
  // consume-transform-produce loop aborted and retried there for ever after a coordinator move.
  it('answers NOT_COORDINATOR', { timeout: 20_000 }, async () => {
    // FindCoordinator creates __consumer_offsets (retried until it is led).
    await until('a group coordinator', async () => {
      const c = await channelTo(cluster, 0)
      try {
        const r = await c.send<FindCoordinatorResponse>(ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: ['txn-offsets-elsewhere'] }, 10_000)
        return r.coordinators[0]!.errorCode === ErrorCode.NONE
      } finally {
        c.close()
      }
    })
    await until('__consumer_offsets led', () => cluster.brokers.some((b) => b.running?.context.replicas.partition(CONSUMER_OFFSETS_TOPIC, 0)?.isLeader === true))
    const coordinator = cluster.brokers.find((b) => b.running?.context.replicas.partition(CONSUMER_OFFSETS_TOPIC, 0)?.isLeader)!.nodeId
    const other = coordinator === 0 ? 1 : 0
    const ch = await channelTo(cluster, other)
    try {
      const res = await ch.send<TxnOffsetCommitResponse>(ApiKey.TxnOffsetCommit, 3, {
        transactionalId: 'tx-elsewhere', groupId: 'txn-offsets-elsewhere', producerId: 1000n, producerEpoch: 0,
        generationIdOrMemberEpoch: 3, memberId: 'member-1', groupInstanceId: null,
        topics: [{ name: 'any', topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }],
      }, 10_000)
      assert.equal(res.topics[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR)
    } finally {
      ch.close()
    }
  })
})
