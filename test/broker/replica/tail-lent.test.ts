// A leader with followers lends its pooled produce frames to the log's tail cache: the followers'
// fetches at the log end are answered from memory (no segment read), every replica still ends with
// the leader's file bytes, and a consumer reading the lent bytes gets exactly the file's bytes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { ZERO_UUID, recordsBuffer } from '../../../src/protocol/primitives/index.ts'
import { Segment } from '../../../src/storage/segment.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { createTopic, logBytes, partitionState, replicaOf, until } from './cluster-helpers.ts'

test('RF=3 acks=all: followers fetch lent produce frames from memory; replicas and consumers get the file bytes', async (t) => {
  const cluster = await startCluster({ logger: process.env.SAMSA_TEST_LOG as 'info' | undefined, brokers: 3, config: { 'replica.lag.time.max.ms': 10_000 } })
  t.after(() => cluster.close())
  await createTopic(cluster, 'lent', 1, 3, { 'min.insync.replicas': '3' })
  await until('a full ISR', async () => (await partitionState(cluster, 'lent', 0)).isr.length === 3)
  const { leader, replicas } = await partitionState(cluster, 'lent', 0)
  const followers = replicas.filter((id) => id !== leader)

  // Segment reads anywhere in this process while producing: only the leader serves fetches.
  const reads = t.mock.method(Segment.prototype, 'readBatches')
  const n = 20
  const frames: Buffer[] = []
  for (let i = 0; i < n; i++) {
    // ~100 KB per request: pooled produce frames (frame-assembler.ts), lent to the tail cache.
    const records = buildRecordBatch({ records: Array.from({ length: 25 }, (_, j) => ({ value: Buffer.alloc(4000, (i * 25 + j) % 251), timestamp: 1 })) })
    const req = defaultProduceRequest()
    req.acks = -1
    req.timeoutMs = 10_000
    req.topicData = [{ name: 'lent', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }]
    frames.push(requestFrame(ApiKey.Produce, 9, i + 1, req))
  }
  const c = await RawClient.connect(cluster.broker(leader).port)
  t.after(() => c.destroy())
  c.write(Buffer.concat(frames))
  for (let i = 0; i < n; i++) {
    const { body } = decodeResponseFrame<ProduceResponse>(ApiKey.Produce, 9, await c.readFrame())
    assert.equal(body.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE)
  }
  assert.equal(replicaOf(cluster, leader, 'lent', 0).highWatermark, n * 25)
  assert.equal(reads.mock.callCount(), 0, 'every follower fetch was answered from the lent frames')
  reads.mock.restore()

  // The file is the truth: the followers' logs and a consumer's fetch equal the leader's file bytes.
  const expected = await logBytes(cluster, leader, 'lent', 0)
  for (const id of followers) {
    await until(`replica ${id} at the end`, () => replicaOf(cluster, id, 'lent', 0).logEndOffset === n * 25)
    assert.ok((await logBytes(cluster, id, 'lent', 0)).equals(expected), `replica ${id} has the leader's bytes`)
  }
  const fetch = defaultFetchRequest()
  fetch.replicaId = -1
  fetch.maxWaitMs = 0
  fetch.maxBytes = 64 << 20
  const fp = defaultFetchRequestFetchPartition()
  fp.fetchOffset = 0n
  fp.partitionMaxBytes = 64 << 20
  fetch.topics = [{ topic: 'lent', topicId: ZERO_UUID, partitions: [fp] }]
  c.write(requestFrame(ApiKey.Fetch, 12, n + 1, fetch))
  const fetched = decodeResponseFrame<FetchResponse>(ApiKey.Fetch, 12, await c.readFrame()).body.responses[0]!.partitions[0]!
  assert.equal(fetched.errorCode, ErrorCode.NONE)
  assert.ok(recordsBuffer(fetched.records!).equals(expected), 'a consumer reads the file bytes')
})
