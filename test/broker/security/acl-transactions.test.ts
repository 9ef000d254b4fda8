// ACLs on transactional ids and idempotent producers, as Kafka checks them: confluent_kafka
// (librdkafka) over SASL_PLAINTEXT is refused a transactional id it may not WRITE
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and commits with one it may; raw requests show each
// transaction API's answer (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
// TxnOffsetCommit, a transactional Produce) and the idempotent InitProducerId (IDEMPOTENT_WRITE on
// the cluster, or WRITE on some topic, else CLUSTER_AUTHORIZATION_FAILED).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import kafkajs from 'kafkajs'
import type { Kafka } from 'kafkajs'
import { runKafkaJs } from '../../helpers/kafkajs.ts'
import { runPython } from '../../helpers/run.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { rawAs as rawSasl } from './raw-sasl.ts'
import { startAclBroker } from './acl-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs
type Enum<T> = T[keyof T]


const TXN = `
import sys, json
from confluent_kafka import Producer, KafkaException
bootstrap, user, txn_id, topic = sys.argv[1:5]
p = Producer({'bootstrap.servers': bootstrap, 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN',
              'sasl.username': user, 'sasl.password': user + '-pw', 'transactional.id': txn_id})
try:
    p.init_transactions(10)
    p.begin_transaction()
    p.produce(topic, b'in a transaction')
    p.commit_transaction(10)
    print(json.dumps({'result': 'committed'}))
except KafkaException as e:
    print(json.dumps({'result': e.args[0].name()}))
`

describe('ACLs on transactional ids', () => {
  let broker: SecureBroker
  before(async () => {
    broker = await startAclBroker(['admin', 'alice', 'bob'], { 'transaction.state.log.num.partitions': '1' })
    const acl = (principal: string, resourceType: Enum<typeof AclResourceTypes>, resourceName: string, operation: Enum<typeof AclOperationTypes>,
      resourcePatternType = ResourcePatternTypes.LITERAL) =>
      ({ principal, host: '*', resourceType, resourceName, resourcePatternType, operation, permissionType: AclPermissionTypes.ALLOW })
    await runKafkaJs([broker.bootstrap('SASL_PLAINTEXT')], async (kafka: Kafka) => {
      const a = kafka.admin()
      await a.connect()
      try {
        await a.createTopics({ topics: [{ topic: 'tx-orders' }] })
        await a.createAcls({ acl: [
          acl('User:alice', AclResourceTypes.TOPIC, 'tx-orders', AclOperationTypes.WRITE),
          acl('User:alice', AclResourceTypes.TRANSACTIONAL_ID, 'ok-', AclOperationTypes.WRITE, ResourcePatternTypes.PREFIXED),
          // DESCRIBE only: FindCoordinator passes, the transaction APIs do not.
          acl('User:alice', AclResourceTypes.TRANSACTIONAL_ID, 'ro-', AclOperationTypes.DESCRIBE, ResourcePatternTypes.PREFIXED),
          acl('User:alice', AclResourceTypes.GROUP, 'g', AclOperationTypes.READ),
        ] })
      } finally {
        await a.disconnect()
      }
    }, { timeoutMs: 15_000, config: { sasl: { mechanism: 'plain', username: 'admin', password: 'admin-pw' } } })
  })
  after(async () => {
    await broker?.close()
  })

  it('confluent_kafka: refused a transactional id without WRITE, commits with one it may write', async () => {
    const run = async (txnId: string) => JSON.parse((await runPython(TXN, [broker.bootstrap('SASL_PLAINTEXT'), 'alice', txnId, 'tx-orders'],
      { modules: ['confluent_kafka'], timeoutMs: 30_000 })).stdout) as { result: string }
    assert.equal((await run('ro-1')).result, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')
    assert.equal((await run('other-1')).result, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED')
    assert.equal((await run('ok-1')).result, 'committed')
  })

  const rawAs = <T>(user: string, apiKey: number, version: number, body: unknown) => rawSasl<T>(broker.port('SASL_PLAINTEXT'), user, apiKey, version, body)

  it('each transaction API answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED without WRITE on the id', async () => {
    const id = 'ro-raw'
    const init = await rawAs<{ errorCode: number }>('alice', ApiKey.InitProducerId, 4, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
    assert.equal(init.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    const add = await rawAs<{ resultsByTopicV3AndBelow: { resultsByPartition: { partitionErrorCode: number }[] }[] }>('alice', ApiKey.AddPartitionsToTxn, 3,
      { v3AndBelowTransactionalId: id, v3AndBelowProducerId: 1n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'tx-orders', partitions: [0] }], transactions: [] })
    assert.deepEqual(add.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode)), [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED])
    const offsets = await rawAs<{ errorCode: number }>('alice', ApiKey.AddOffsetsToTxn, 3, { transactionalId: id, producerId: 1n, producerEpoch: 0, groupId: 'g' })
    assert.equal(offsets.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    const end = await rawAs<{ errorCode: number }>('alice', ApiKey.EndTxn, 3, { transactionalId: id, producerId: 1n, producerEpoch: 0, committed: true })
    assert.equal(end.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    const commit = await rawAs<{ topics: { partitions: { errorCode: number }[] }[] }>('alice', ApiKey.TxnOffsetCommit, 3, {
      transactionalId: id, groupId: 'g', producerId: 1n, producerEpoch: 0, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'tx-orders', topicId: ZERO_UUID, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    })
    assert.deepEqual(commit.topics[0].partitions.map((p) => p.errorCode), [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED])
    const produce = await rawAs<{ responses: { partitionResponses: { errorCode: number }[] }[] }>('alice', ApiKey.Produce, 9, {
      transactionalId: id, acks: -1, timeoutMs: 5000,
      topicData: [{ name: 'tx-orders', topicId: ZERO_UUID, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: null, value: Buffer.from('x'), timestamp: Date.now() }] }) }] }],
    })
    assert.equal(produce.responses[0].partitionResponses[0].errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    // With WRITE on the id but not on the group: AddOffsetsToTxn answers GROUP_AUTHORIZATION_FAILED.
    const noGroup = await rawAs<{ errorCode: number }>('alice', ApiKey.AddOffsetsToTxn, 3, { transactionalId: 'ok-raw', producerId: 1n, producerEpoch: 0, groupId: 'other' })
    assert.equal(noGroup.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED)
    // WRITE on the id, a topic without WRITE: that topic fails, the others are not attempted.
    const mixed = await rawAs<{ resultsByTopicV3AndBelow: { name: string, resultsByPartition: { partitionErrorCode: number }[] }[] }>('alice', ApiKey.AddPartitionsToTxn, 3,
      { v3AndBelowTransactionalId: 'ok-raw', v3AndBelowProducerId: 1n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'tx-orders', partitions: [0] }, { name: 'secret', partitions: [0] }], transactions: [] })
    assert.deepEqual(mixed.resultsByTopicV3AndBelow.map((t) => [t.name, t.resultsByPartition[0].partitionErrorCode]),
      [['tx-orders', ErrorCode.OPERATION_NOT_ATTEMPTED], ['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED]])
  })

  it('an idempotent InitProducerId needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic', async () => {
    const body = { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }
    assert.equal((await rawAs<{ errorCode: number }>('alice', ApiKey.InitProducerId, 4, body)).errorCode, ErrorCode.NONE)
    assert.equal((await rawAs<{ errorCode: number }>('bob', ApiKey.InitProducerId, 4, body)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
  })
})
