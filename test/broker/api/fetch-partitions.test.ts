// Fetch over several partitions whose limits fit in the response limit: the broker reads them at
// once, yet the answer must equal the in-order one — in particular only the first partition WITH
// DATA may return a first batch larger than its max bytes (KIP-74), even when earlier ones are empty.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { LOG_OVERHEAD, batchSize, recordCount } from '../../../src/protocol/records/batch-header.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { AdminRaw } from './admin-client.ts'
import { ZERO_UUID, recordsBuffer } from '../../../src/protocol/primitives/index.ts'

let broker: Broker
let c: AdminRaw

before(async () => {
  broker = await startBroker({})
  c = await AdminRaw.connect(broker.port)
  const req = defaultCreateTopicsRequest()
  req.timeoutMs = 5000
  req.topics = ['gap', 'full'].map((name) => Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name, numPartitions: 4, replicationFactor: 1 }))
  const res = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, req)
  for (const t of res.topics) assert.equal(t.errorCode, 0, `${t.name}: ${t.errorMessage}`)
})
after(async () => {
  c.close()
  await broker.close()
})

/** One batch of `n` records of `size` bytes each. */
const batch = (n: number, size: number): Buffer =>
  buildRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ value: Buffer.alloc(size, 97 + i), timestamp: Date.now() })) })

async function produce(topic: string, partition: number, records: Buffer): Promise<void> {
  const req = defaultProduceRequest()
  req.acks = -1
  req.timeoutMs = 5000
  req.topicData = [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records }] }]
  const res = await c.call<ProduceResponse>(ApiKey.Produce, 9, req)
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 0)
}

/** Records per partition of one Fetch over partitions 0-3 from offset 0. */
async function fetchCounts(topic: string, partitionMaxBytes: number): Promise<number[]> {
  const req = defaultFetchRequest()
  req.maxWaitMs = 0
  req.minBytes = 1
  req.maxBytes = 1 << 20
  req.topics = [{ topic, topicId: '', partitions: [0, 1, 2, 3].map((partition) =>
    Object.assign(defaultFetchRequestFetchPartition(), { partition, fetchOffset: 0n, partitionMaxBytes })) }]
  const res = await c.call<FetchResponse>(ApiKey.Fetch, 12, req)
  return res.responses[0]!.partitions.map((p) => {
    assert.equal(p.errorCode, 0)
    let n = 0
    const buf = recordsBuffer(p.records ?? [])
    for (let pos = 0; pos + LOG_OVERHEAD <= buf.length; pos += batchSize(buf, pos)) n += recordCount(buf, pos)
    return n
  })
}

test('the first partition with data may exceed its max bytes, later ones may not, even after empty ones', async () => {
  // Partition 0 stays empty; 1 and 2 start with a batch larger than the per-partition limit.
  await produce('gap', 1, batch(3, 500))
  await produce('gap', 2, batch(2, 500))
  await produce('gap', 3, batch(1, 10))
  assert.deepEqual(await fetchCounts('gap', 200), [0, 3, 0, 1])
})

test('partitions within their limits all answer in one fetch', async () => {
  for (let p = 0; p < 4; p++) {
    await produce('full', p, batch(p + 1, 50))
    await produce('full', p, batch(2, 50))
  }
  assert.deepEqual(await fetchCounts('full', 1 << 16), [3, 4, 5, 6])
  // 150 bytes fit partition 0's first batch (1 record) only; the others start with larger batches.
  assert.deepEqual(await fetchCounts('full', 150), [1, 0, 0, 0])
})
