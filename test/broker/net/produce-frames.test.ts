// Produce frames copied into pooled buffers go back to the pool only when their request has
// completed: many large produce requests pipelined on one connection (each spanning socket reads,
// so each is copied) must land in the log byte for byte. FrameReader's choice of what to pool is
// checked directly.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FrameReader } from '../../../src/broker/net/frame-reader.ts'
import { PooledFrame } from '../../../src/broker/net/produce-frames.ts'
import { startBroker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../../../src/protocol/records/batch-decoder.ts'
import { LOG_OVERHEAD, batchSize } from '../../../src/protocol/records/batch-header.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { AdminRaw } from '../api/admin-client.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { ZERO_UUID, recordsBuffer } from '../../../src/protocol/primitives/index.ts'

function frameOf(apiKey: number, body: number): Buffer {
  const b = Buffer.alloc(4 + body)
  b.writeInt32BE(body, 0)
  b.writeInt16BE(apiKey, 4)
  return b
}

test('only frames of recyclable APIs that span chunks (and are large enough) are copied into the pool', () => {
  const taken: number[] = []
  const reader = new FrameReader(1 << 24, { take: (n) => { taken.push(n); return Buffer.alloc(n * 2) }, recyclable: (k) => k === ApiKey.Produce })
  const feed = (f: Buffer) => {
    reader.push(f.subarray(0, 10))
    reader.push(f.subarray(10))
  }
  feed(frameOf(ApiKey.Produce, 100_000))
  const a = reader.next()!
  assert.equal(a.length, 100_000)
  assert.equal(reader.lastFramePooled, true)
  feed(frameOf(ApiKey.Fetch, 100_000))
  reader.next()
  assert.equal(reader.lastFramePooled, false, 'not a recyclable API')
  feed(frameOf(ApiKey.Produce, 1000))
  reader.next()
  assert.equal(reader.lastFramePooled, false, 'small copies are not pooled')
  reader.push(frameOf(ApiKey.Produce, 100_000))
  reader.next()
  assert.equal(reader.lastFramePooled, false, 'a frame inside one chunk is not copied at all')
  assert.deepEqual(taken, [100_000])
})

test('a pooled frame goes back to the pool with its last release, once', () => {
  const put: Buffer[] = []
  const frame = Buffer.alloc(64 * 1024).subarray(0, 50_000)
  const hold = new PooledFrame(frame, { take: (n) => Buffer.alloc(n), put: (b) => put.push(b), recyclable: () => true })
  hold.retain() // the tail cache
  hold.retain() // a fetch response carrying the bytes
  hold.release() // the produce request completes
  hold.release() // the response is written
  assert.equal(put.length, 0, 'still held by the tail cache')
  hold.release()
  assert.equal(put.length, 1)
  assert.equal(put[0]!.buffer, frame.buffer, 'the whole pooled buffer goes back')
  assert.equal(put[0]!.length, 64 * 1024)
  hold.release()
  assert.equal(put.length, 1, 'a further release does not give it back twice')
})

test('pipelined large produce requests land in the log byte for byte', async (t) => {
  const broker = await startBroker({})
  t.after(() => broker.close())
  const admin = await AdminRaw.connect(broker.port)
  t.after(() => admin.close())
  const create = defaultCreateTopicsRequest()
  create.timeoutMs = 5000
  create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'frames', numPartitions: 1, replicationFactor: 1 })]
  assert.equal((await admin.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)).topics[0]!.errorCode, 0)

  const n = 60
  const frames: Buffer[] = []
  for (let i = 0; i < n; i++) {
    // ~100 KB per request: every one spans socket reads and is copied into a pooled buffer.
    const records = buildRecordBatch({ records: Array.from({ length: 25 }, () => ({ value: Buffer.alloc(4000, i), timestamp: 1 })) })
    const req = defaultProduceRequest()
    req.acks = 1
    req.timeoutMs = 5000
    req.topicData = [{ name: 'frames', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }]
    frames.push(requestFrame(ApiKey.Produce, 9, i + 1, req))
  }
  const c = await RawClient.connect(broker.port)
  t.after(() => c.destroy())
  c.write(Buffer.concat(frames))
  for (let i = 0; i < n; i++) {
    const { correlationId, body: res } = decodeResponseFrame<ProduceResponse>(ApiKey.Produce, 9, await c.readFrame())
    assert.equal(correlationId, i + 1)
    assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 0)
  }

  let offset = 0
  while (offset < n * 25) {
    const req = defaultFetchRequest()
    req.maxWaitMs = 0
    req.maxBytes = 1 << 20
    req.topics = [{ topic: 'frames', topicId: '', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: 0, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20 })] }]
    const buf = recordsBuffer((await admin.call<FetchResponse>(ApiKey.Fetch, 12, req)).responses[0]!.partitions[0]!.records!)
    for (let pos = 0; pos + LOG_OVERHEAD <= buf.length && pos + batchSize(buf, pos) <= buf.length; pos += batchSize(buf, pos)) {
      const batch = decodeRecordBatch(buf, pos) // verifies the CRC
      const i = batch.baseOffset / 25
      for (const rec of batch.records) assert.ok(rec.value!.every((x) => x === i), `request ${i} was overwritten by another request's bytes`)
      offset += batch.records.length
    }
  }
  assert.equal(offset, n * 25)
})
