// Garbage and mutated record data at every Produce version: always a per-partition error code on a
// connection that stays open, never a crash or a server-side error.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode, errorName } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { encodeMessageSet } from '../../../src/protocol/records/legacy/message-set.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { defaultListOffsetsRequest, defaultListOffsetsRequestListOffsetsPartition } from '../../../src/protocol/generated/messages/list-offsets.ts'
import type { ListOffsetsResponse } from '../../../src/protocol/generated/messages/list-offsets.ts'
import { AdminRaw } from './admin-client.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'

let broker: Broker
let c: AdminRaw
before(async () => {
  broker = await startBroker()
  c = await AdminRaw.connect(broker.port)
  const req = defaultCreateTopicsRequest()
  req.timeoutMs = 5000
  req.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'fuzz', numPartitions: 1, replicationFactor: 1 })]
  await c.call(ApiKey.CreateTopics, 5, req)
})
after(async () => {
  c.close()
  await broker.close()
})

const good = buildRecordBatch({ compression: 1, records: [{ key: Buffer.from('k'), value: Buffer.from('value'), timestamp: Date.now() }] })
const legacy = encodeMessageSet([{ offset: 0, timestamp: Date.now(), key: null, value: Buffer.from('v') }], { magic: 1, compression: 1 })

/** A valid batch or message set with some bytes changed, truncated, or plain random bytes. */
const damaged = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.tuple(fc.constantFrom(good, legacy), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }))
    .map(([src, edits]) => {
      const b = Buffer.from(src)
      for (const [at, x] of edits) b[at % b.length] ^= x
      return b
    }),
  fc.tuple(fc.constantFrom(good, legacy), fc.nat()).map(([src, n]) => Buffer.from(src.subarray(0, n % src.length))),
)

test('damaged record data gets a client-error code at every version; the broker keeps serving', async () => {
  await fc.assert(fc.asyncProperty(damaged, fc.integer({ min: 0, max: 11 }), async (records, version) => {
    const req = defaultProduceRequest()
    req.acks = 1
    req.timeoutMs = 1000
    req.topicData = [{ name: 'fuzz', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }]
    const res = await c.call<ProduceResponse>(ApiKey.Produce, version, req)
    const code = res.responses[0]!.partitionResponses[0]!.errorCode
    // A mutation may hit bytes nobody checks (e.g. a legacy wrapper's unused field): then it is valid.
    if (code === ErrorCode.NONE) return
    // Any client-input error Kafka has (mutated producer ids can also trip the producer-state
    // checks), but never "our own fault" codes.
    assert.notEqual(errorName(code), 'UNKNOWN')
    assert.ok(code !== ErrorCode.UNKNOWN_SERVER_ERROR && code !== ErrorCode.KAFKA_STORAGE_ERROR, `server-side failure ${errorName(code)}`)
  }), { numRuns: 150 })
  // The broker still serves: a good batch is appended after whatever (few) valid mutations went in.
  const req = defaultProduceRequest()
  req.acks = -1
  req.timeoutMs = 1000
  req.topicData = [{ name: 'fuzz', topicId: ZERO_UUID, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: Buffer.from('ok'), timestamp: Date.now() }] }) }] }]
  const ok = await c.call<ProduceResponse>(ApiKey.Produce, 9, req)
  assert.equal(ok.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE)
  const lo = defaultListOffsetsRequest()
  lo.topics = [{ name: 'fuzz', partitions: [Object.assign(defaultListOffsetsRequestListOffsetsPartition(), { partitionIndex: 0, timestamp: -1n })] }]
  const end = await c.call<ListOffsetsResponse>(ApiKey.ListOffsets, 5, lo)
  assert.equal(end.topics[0]!.partitions[0]!.offset, ok.responses[0]!.partitionResponses[0]!.baseOffset + 1n)
})
