// transaction.partition.verification.enable=false: TxnOffsetCommit no longer checks that the
// group's __consumer_offsets partition is in the transaction (AddOffsetsToTxn), as in Kafka.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { InitProducerIdResponse } from '../../../src/protocol/generated/messages/init-producer-id.ts'
import type { TxnOffsetCommitResponse } from '../../../src/protocol/generated/messages/txn-offset-commit.ts'
import type { FindCoordinatorResponse } from '../../../src/protocol/generated/messages/find-coordinator.ts'
import { AdminRaw } from './admin-client.ts'
import { retry } from '../../helpers/retry.ts'

async function commitWithoutAddOffsets(verify: boolean): Promise<number> {
  const broker = await startBroker({ config: { 'transaction.partition.verification.enable': verify, 'transaction.state.log.num.partitions': 1, 'offsets.topic.num.partitions': 1 } })
  const c = await AdminRaw.connect(broker.port)
  try {
    const create = defaultCreateTopicsRequest()
    create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'in', numPartitions: 1, replicationFactor: 1 })]
    assert.equal((await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)).topics[0]!.errorCode, 0)
    const init = await retry(() => c.call<InitProducerIdResponse>(ApiKey.InitProducerId, 4, { transactionalId: 'tv', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }),
      (r) => r.errorCode === ErrorCode.NONE)
    // as a client does: find the group's coordinator first (this creates __consumer_offsets)
    await retry(() => c.call<FindCoordinatorResponse>(ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: ['g'] }),
      (r) => r.coordinators[0]!.errorCode === ErrorCode.NONE)
    const r = await c.call<TxnOffsetCommitResponse>(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: 'tv', groupId: 'g', producerId: init.producerId, producerEpoch: init.producerEpoch, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'in', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    })
    return r.topics[0]!.partitions[0]!.errorCode
  } finally {
    c.close()
    await broker.close()
  }
}

test('TxnOffsetCommit without AddOffsetsToTxn: refused with verification, accepted without it', async () => {
  assert.equal(await commitWithoutAddOffsets(true), ErrorCode.INVALID_TXN_STATE)
  assert.equal(await commitWithoutAddOffsets(false), ErrorCode.NONE)
})
