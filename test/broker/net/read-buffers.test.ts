// Pooled fetch read buffers: size classes, the idle cap, leases, and — end to end — that a buffer
// goes back to the pool only after the response that carried it was written, so concurrent
// consumers never see each other's bytes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ROOM_BEFORE, ReadBufferLease } from '../../../src/broker/net/read-buffers.ts'
import { BufferPool } from '../../../src/broker/net/buffer-pool.ts'
import { startBroker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../../../src/protocol/records/batch-decoder.ts'
import { LOG_OVERHEAD, batchSize, verifyCrc } from '../../../src/protocol/records/batch-header.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { AdminRaw } from '../api/admin-client.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { ZERO_UUID, recordsBuffer } from '../../../src/protocol/primitives/index.ts'

test('take rounds up to a 16 KiB multiple of at least 64 KiB and reuses what was put back', () => {
  const pool = new BufferPool(1 << 30)
  const a = pool.take(100)
  assert.equal(a.length, 64 * 1024)
  const b = pool.take(64 * 1024 + 1)
  assert.equal(b.length, 80 * 1024)
  assert.equal(pool.take(1024 * 1024 + 16 * 1024).length, 1040 * 1024, 'a 1 MiB fetch read plus slack')
  assert.equal(pool.take(8 * 1024 * 1024 + 16 * 1024 + 768).length, 8 * 1024 * 1024 + 32 * 1024, "samsa/client's 8 MiB fetch read plus slack and room is pooled")
  pool.put(a)
  assert.equal(pool.idleBytes, 64 * 1024)
  assert.equal(pool.take(1000), a, 'the idle buffer of the class is lent again')
  assert.equal(pool.idleBytes, 0)
  assert.notEqual(pool.take(1000), a, 'a lent buffer is not lent twice')
})

test('reads above the largest class are not pooled, and the idle cap drops extra buffers', () => {
  const pool = new BufferPool(128 * 1024)
  const huge = pool.take(17 * 1024 * 1024)
  assert.equal(huge.length, 17 * 1024 * 1024)
  pool.put(huge)
  assert.equal(pool.idleBytes, 0)
  const x = pool.take(1)
  const y = pool.take(1)
  const z = pool.take(1)
  pool.put(x)
  pool.put(y)
  pool.put(z) // over the 128 KiB cap
  assert.equal(pool.idleBytes, 128 * 1024)
  pool.put(Buffer.alloc(1000)) // not one of ours (no class size): ignored
  assert.equal(pool.idleBytes, 128 * 1024)
})

test('a lease returns everything it took, once', () => {
  const pool = new BufferPool(1 << 30)
  const lease = new ReadBufferLease(pool)
  const a = lease.allocate(10)
  const b = lease.allocate(200_000)
  lease.release()
  const idle = pool.idleBytes
  assert.ok(idle >= a.length + b.length + 2 * ROOM_BEFORE, 'whole buffers, room included')
  lease.release()
  assert.equal(pool.idleBytes, idle)
})

/** A read into the lease as storage does it: `n` bytes of `fill`, of which `records` is a view. */
function readInto(lease: ReadBufferLease, n: number, fill: number): Buffer {
  return lease.allocate(n).fill(fill)
}

test('a response frame is laid around the records read for it: one buffer, same bytes', () => {
  const lease = new ReadBufferLease(new BufferPool(1 << 30))
  const records = readInto(lease, 100_000, 7).subarray(300, 90_000) // batches before the fetch offset skipped
  const chunks = [Buffer.alloc(80, 1), records, Buffer.alloc(3, 2)]
  const expected = Buffer.concat(chunks)
  const out = lease.frameInPlace(chunks)
  assert.equal(out.length, 1)
  assert.equal(out[0]!.buffer, records.buffer, 'the records are not copied')
  assert.deepEqual(out[0], expected)
})

test('several partitions: each records buffer takes its neighbours; foreign and shared memory is left alone', () => {
  const lease = new ReadBufferLease(new BufferPool(1 << 30))
  const r1 = readInto(lease, 70_000, 1)
  const r2 = readInto(lease, 70_000, 2)
  const shared = readInto(lease, 70_000, 3)
  const sharedBefore = Buffer.from(shared.buffer).toString('hex')
  const foreign = Buffer.alloc(20_000, 4)
  const s = (n: number, fill: number) => Buffer.alloc(n, fill)
  const chunks = [s(60, 9), r1, s(40, 8), r2, s(40, 7), foreign, s(10, 6), shared.subarray(0, 100), s(5, 5), shared.subarray(200, 300), s(3, 4)]
  const expected = Buffer.concat(chunks)
  const out = lease.frameInPlace(chunks)
  assert.deepEqual(Buffer.concat(out), expected)
  // [60 r1 40] [r2 40] [foreign] [10] [shared view] [5] [shared view] [3]
  assert.equal(out.length, 8)
  assert.equal(out[0]!.buffer, r1.buffer)
  assert.equal(out[1]!.buffer, r2.buffer)
  assert.equal(out[2], foreign)
  assert.equal(Buffer.from(shared.buffer).toString('hex'), sharedBefore, 'a buffer two chunks refer to is not written into')
})

test('small chunks too large for the room before the records stay separate', () => {
  const lease = new ReadBufferLease(new BufferPool(1 << 30))
  const records = readInto(lease, 50_000, 1)
  const chunks = [Buffer.alloc(ROOM_BEFORE, 2), Buffer.alloc(10, 3), records]
  const expected = Buffer.concat(chunks)
  const out = lease.frameInPlace(chunks)
  assert.deepEqual(Buffer.concat(out), expected)
  assert.equal(out.length, 2, 'the last small chunk still fits')
  assert.equal(out[1]!.length, records.length + 10)
})

/** A Fetch v12 frame (size prefix included) for one partition from `offset`. */
function fetchFrame(correlationId: number, topic: string, partition: number, offset: number, partitionMaxBytes: number): Buffer {
  const req = defaultFetchRequest()
  req.maxWaitMs = 0
  req.minBytes = 1
  req.maxBytes = 1 << 20
  req.topics = [{ topic, topicId: '', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition, fetchOffset: BigInt(offset), partitionMaxBytes })] }]
  return requestFrame(ApiKey.Fetch, 12, correlationId, req)
}

async function createAndFill(port: number, topic: string, partitions: number, batches: number): Promise<AdminRaw> {
  const admin = await AdminRaw.connect(port)
  const create = defaultCreateTopicsRequest()
  create.timeoutMs = 5000
  create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: topic, numPartitions: partitions, replicationFactor: 1 })]
  const created = await admin.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)
  assert.equal(created.topics[0]!.errorCode, 0)
  // Partition p holds records whose every value byte is p: a buffer lent to two responses at
  // once would show another partition's byte (or a bad CRC).
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < batches; i++) {
      const req = defaultProduceRequest()
      req.acks = -1
      req.timeoutMs = 5000
      const records = buildRecordBatch({ records: Array.from({ length: 20 }, () => ({ value: Buffer.alloc(3000, p), timestamp: 1 })) })
      req.topicData = [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: p, records }] }]
      const res = await admin.call<ProduceResponse>(ApiKey.Produce, 9, req)
      assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 0)
    }
  }
  return admin
}

test('a client that reads its responses late still gets the bytes that were read for it', async (t) => {
  // Many fetch responses queue in the broker's socket while the client does not read: their
  // buffers must stay lent until written, though later fetches keep taking buffers from the pool.
  const broker = await startBroker({})
  t.after(() => broker.close())
  const admin = await createAndFill(broker.port, 'late', 2, 45)
  t.after(() => admin.close())
  const c = await RawClient.connect(broker.port)
  t.after(() => c.destroy())
  const frames: Buffer[] = []
  // ~300 KB per response, ~25 MB in all: more than the kernel's socket buffers hold.
  for (let i = 0; i < 45; i++) for (const p of [0, 1]) frames.push(fetchFrame(frames.length + 1, 'late', p, i * 20, 300_000))
  // Stop reading: the responses fill the kernel's socket buffers and then wait in the broker.
  c.socket.pause()
  c.write(Buffer.concat(frames))
  await new Promise((r) => setTimeout(r, 200))
  // Meanwhile another consumer keeps reading: its reads would reuse the buffers of the responses
  // still waiting to be written to the first one, if those went back to the pool too early.
  for (let i = 0; i < 45; i++) {
    const req = defaultFetchRequest()
    req.maxWaitMs = 0
    req.maxBytes = 1 << 20
    req.topics = [{ topic: 'late', topicId: '', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: 1 - (i % 2), fetchOffset: BigInt(i * 20), partitionMaxBytes: 300_000 })] }]
    // The broker is busy with the first connection's 90 reads: on a loaded machine an answer may
    // take longer than the default 5 s.
    assert.equal((await admin.call<FetchResponse>(ApiKey.Fetch, 12, req, 30_000)).responses[0]!.partitions[0]!.errorCode, 0)
  }
  c.socket.resume()
  let total = 0
  for (let n = 0; n < frames.length; n++) {
    const { correlationId, body: res } = decodeResponseFrame<FetchResponse>(ApiKey.Fetch, 12, await c.readFrame(30_000))
    assert.equal(correlationId, n + 1)
    const part = res.responses[0]!.partitions[0]!
    const p = part.partitionIndex
    const buf = recordsBuffer(part.records!)
    total += buf.length
    assert.equal(decodeRecordBatch(buf, 0).baseOffset, Math.floor(n / 2) * 20)
    for (let pos = 0; pos + LOG_OVERHEAD <= buf.length && pos + batchSize(buf, pos) <= buf.length; pos += batchSize(buf, pos)) {
      const batch = decodeRecordBatch(buf, pos, { verifyCrc: false })
      for (const rec of batch.records) assert.ok(rec.value!.every((x) => x === p), `response ${n + 1} (partition ${p}) holds another read's bytes`)
    }
  }
  assert.ok(total > 20_000_000, `only ${total} bytes were fetched; the test needs more than the socket buffers hold`)
})

test('concurrent consumers reading different partitions from the files always get their own bytes', async (t) => {
  const broker = await startBroker({})
  t.after(() => broker.close())
  const perPartition = 40
  const admin = await createAndFill(broker.port, 'pooled', 4, perPartition)
  t.after(() => admin.close())
  const consumers = await Promise.all([0, 1, 2, 3].map(() => AdminRaw.connect(broker.port)))
  t.after(() => consumers.forEach((c) => c.close()))
  await Promise.all(consumers.map(async (c, p) => {
    let offset = 0
    let fetches = 0
    while (offset < perPartition * 20) {
      const req = defaultFetchRequest()
      req.maxWaitMs = 0
      req.minBytes = 1
      req.maxBytes = 1 << 20
      req.topics = [{ topic: 'pooled', topicId: '', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: p, fetchOffset: BigInt(offset), partitionMaxBytes: 70_000 })] }]
      const res = await c.call<FetchResponse>(ApiKey.Fetch, 12, req)
      const part = res.responses[0]!.partitions[0]!
      assert.equal(part.errorCode, 0)
      const buf = recordsBuffer(part.records!)
      let pos = 0
      while (pos + LOG_OVERHEAD <= buf.length && pos + batchSize(buf, pos) <= buf.length) {
        assert.ok(verifyCrc(buf, pos), `partition ${p}: CRC of the batch at offset ${offset}`)
        const batch = decodeRecordBatch(buf, pos)
        assert.equal(batch.baseOffset, offset)
        for (const r of batch.records) assert.ok(r.value!.every((x) => x === p), `partition ${p} got another partition's bytes`)
        offset += batch.records.length
        pos += batchSize(buf, pos)
      }
      fetches++
    }
    assert.ok(fetches >= 10, `partition ${p} was read in ${fetches} fetches; the test needs many`)
  }))
})
