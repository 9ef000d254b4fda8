// Records without a key on a compacted topic are refused as Kafka does: INVALID_RECORD for the
// partition, and from Produce v8 one record_errors entry per keyless record (KIP-467).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { AdminRaw } from './admin-client.ts'
import { runKafkaJs } from '../../helpers/kafkajs.ts'

let broker: Broker
let c: AdminRaw

before(async () => {
  broker = await startBroker({ config: { 'auto.create.topics.enable': false } })
  c = await AdminRaw.connect(broker.port)
  const req = defaultCreateTopicsRequest()
  req.topics = [
    Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'compact', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'cleanup.policy', value: 'compact,delete' }] }),
    Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'plain', numPartitions: 1, replicationFactor: 1 }),
  ]
  const res = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 4, req)
  assert.deepEqual(res.topics.map((t) => t.errorCode), [0, 0])
})
after(async () => {
  c.close()
  await broker.close()
})

const batch = (keys: (string | null)[], compression = 0) =>
  buildRecordBatch({ compression, records: keys.map((k) => ({ key: k === null ? null : Buffer.from(k), value: Buffer.from('v'), timestamp: Date.now() })) })

async function produce(topic: string, records: Buffer, version: number) {
  const req = defaultProduceRequest()
  req.acks = -1
  req.timeoutMs = 5000
  req.topicData = [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }]
  return (await c.call<ProduceResponse>(ApiKey.Produce, version, req)).responses[0].partitionResponses[0]
}

test('keyless records on a compacted topic: INVALID_RECORD, with per-record errors from Produce v8', async () => {
  const v9 = await produce('compact', batch(['a', null, 'b', null], 1), 9)
  assert.equal(v9.errorCode, ErrorCode.INVALID_RECORD)
  assert.deepEqual(v9.recordErrors.map((e) => e.batchIndex), [1, 3])
  assert.match(v9.recordErrors[0].batchIndexErrorMessage ?? '', /compacted topic compact-0 needs a key/)
  assert.match(v9.errorMessage ?? '', /2 record\(s\) rejected/)
  const v7 = await produce('compact', batch([null]), 7)
  assert.deepEqual([v7.errorCode, v7.recordErrors], [ErrorCode.INVALID_RECORD, []])
  // nothing of the refused batches was written; keyed records and other topics go through
  const ok = await produce('compact', batch(['a', 'b']), 9)
  assert.deepEqual([ok.errorCode, ok.baseOffset], [ErrorCode.NONE, 0n])
  assert.equal((await produce('plain', batch([null, null], 2), 9)).errorCode, ErrorCode.NONE)
})

test('KafkaJS sending a keyless message to a compacted topic gets INVALID_RECORD', async () => {
  const { value } = await runKafkaJs([`127.0.0.1:${broker.port}`], async (kafka) => {
    const producer = kafka.producer()
    await producer.connect()
    try {
      await producer.send({ topic: 'compact', messages: [{ key: 'k', value: 'keyed' }] })
      return await producer.send({ topic: 'compact', messages: [{ value: 'no key' }] }).then(() => null, (e: { type?: string }) => e.type ?? String(e))
    } finally {
      await producer.disconnect()
    }
  })
  assert.equal(value, 'INVALID_RECORD')
})
