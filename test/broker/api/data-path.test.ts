// Produce / Fetch / ListOffsets / DeleteRecords / OffsetForLeaderEpoch / DescribeLogDirs against an
// in-process broker over TCP, with requests encoded by the generated codecs as clients do.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../../../src/protocol/records/batch-decoder.ts'
import { batchSize, magic as batchMagic } from '../../../src/protocol/records/batch-header.ts'
import { decodeMessageSet, encodeMessageSet } from '../../../src/protocol/records/legacy/message-set.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { defaultListOffsetsRequest, defaultListOffsetsRequestListOffsetsPartition } from '../../../src/protocol/generated/messages/list-offsets.ts'
import type { ListOffsetsResponse, ListOffsetsResponseListOffsetsPartitionResponse } from '../../../src/protocol/generated/messages/list-offsets.ts'
import type { DeleteRecordsResponse } from '../../../src/protocol/generated/messages/delete-records.ts'
import type { OffsetForLeaderEpochResponse } from '../../../src/protocol/generated/messages/offset-for-leader-epoch.ts'
import type { DescribeLogDirsResponse } from '../../../src/protocol/generated/messages/describe-log-dirs.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { defaultMetadataRequest } from '../../../src/protocol/generated/messages/metadata.ts'
import { requestFrame } from '../raw-client.ts'
import { AdminRaw } from './admin-client.ts'
import { ZERO_UUID, recordsBuffer } from '../../../src/protocol/primitives/index.ts'
import type { Records } from '../../../src/protocol/primitives/index.ts'

let broker: Broker
let c: AdminRaw
const T0 = Date.now()

before(async () => {
  broker = await startBroker({ config: { 'message.max.bytes': 10_000 } })
  c = await AdminRaw.connect(broker.port)
  const req = defaultCreateTopicsRequest()
  req.timeoutMs = 5000
  req.topics = ['data', 'legacy', 'poll', 'bad', 'trim'].map((name) =>
    Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name, numPartitions: 2, replicationFactor: 1 }))
  const res = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, req)
  for (const t of res.topics) assert.equal(t.errorCode, 0, `${t.name}: ${t.errorMessage}`)
})
after(async () => {
  c.close()
  await broker.close()
})

const batch = (values: string[], opts: { ts?: number; compression?: number } = {}): Buffer =>
  buildRecordBatch({
    compression: opts.compression ?? 0,
    records: values.map((v, i) => ({ key: Buffer.from(`k-${v}`), value: Buffer.from(v), timestamp: (opts.ts ?? T0) + i })),
  })

async function produce(topic: string, partition: number, records: Buffer | null, version = 9, acks = -1) {
  const req = defaultProduceRequest()
  req.acks = acks
  req.timeoutMs = 5000
  req.topicData = [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: partition, records }] }]
  const res = await c.call<ProduceResponse>(ApiKey.Produce, version, req)
  return res.responses[0]!.partitionResponses[0]!
}

async function fetch(topic: string, partition: number, offset: number, version = 11,
  opts: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; partitionMaxBytes?: number; topicId?: string } = {}) {
  const req = defaultFetchRequest()
  req.maxWaitMs = opts.maxWaitMs ?? 0
  req.minBytes = opts.minBytes ?? 1
  req.maxBytes = opts.maxBytes ?? 1 << 20
  req.isolationLevel = 1
  const p = Object.assign(defaultFetchRequestFetchPartition(), { partition, fetchOffset: BigInt(offset), partitionMaxBytes: opts.partitionMaxBytes ?? 1 << 20 })
  req.topics = [{ topic: version >= 13 ? '' : topic, topicId: opts.topicId ?? topicIdOf(topic), partitions: [p] }]
  const res = await c.call<FetchResponse>(ApiKey.Fetch, version, req)
  assert.equal(res.sessionId, 0)
  return res.responses[0]!.partitions[0]!
}

const ids = new Map<string, string>()
const topicIdOf = (name: string) => ids.get(name) ?? 'AAAAAAAAAAAAAAAAAAAAAA'

async function loadTopicIds(): Promise<void> {
  const req = defaultMetadataRequest()
  req.topics = null
  const res = await c.call<MetadataResponse>(ApiKey.Metadata, 12, req)
  for (const t of res.topics) ids.set(t.name!, t.topicId)
}

/** [offset, value] of every record in magic 2 batches. */
function values(wire: Records | null): [number, string][] {
  const records = wire === null ? null : recordsBuffer(wire)
  const out: [number, string][] = []
  if (!records) return out
  for (let pos = 0; pos < records.length; pos += batchSize(records, pos)) {
    const b = decodeRecordBatch(records, pos)
    for (const r of b.records) out.push([b.baseOffset + r.offsetDelta, r.value!.toString()])
  }
  return out
}

async function listOffset(topic: string, partition: number, timestamp: number, version = 7, isolation = 0) {
  const req = defaultListOffsetsRequest()
  req.isolationLevel = isolation
  req.topics = [{ name: topic, partitions: [Object.assign(defaultListOffsetsRequestListOffsetsPartition(), { partitionIndex: partition, timestamp: BigInt(timestamp), maxNumOffsets: 1 })] }]
  const res = await c.call<ListOffsetsResponse>(ApiKey.ListOffsets, version, req)
  return res.topics[0]!.partitions[0]! as ListOffsetsResponseListOffsetsPartitionResponse
}

test('produce at v3..v11 and fetch the same records back at v4..v17 (v13+ by topic id)', async () => {
  await loadTopicIds()
  let expected = 0
  for (let v = 3; v <= 11; v++) {
    const r = await produce('data', 0, batch([`a${v}`, `b${v}`]), v)
    assert.equal(r.errorCode, ErrorCode.NONE, `produce v${v}`)
    assert.equal(Number(r.baseOffset), expected)
    if (v >= 2) assert.equal(r.logAppendTimeMs, -1n)
    if (v >= 5) assert.equal(r.logStartOffset, 0n)
    expected += 2
  }
  for (const v of [4, 7, 11, 12, 13, 15, 16, 17]) {
    const p = await fetch('data', 0, 0, v)
    assert.equal(p.errorCode, ErrorCode.NONE, `fetch v${v}`)
    assert.equal(p.highWatermark, BigInt(expected))
    assert.equal(p.lastStableOffset, BigInt(expected))
    const got = values(p.records)
    assert.equal(got.length, expected, `fetch v${v}`)
    assert.deepEqual(got[0], [0, 'a3'])
    assert.deepEqual(got.at(-1), [expected - 1, 'b11'])
  }
  // Fetching from the middle returns the batch holding the offset (clients skip earlier records).
  const mid = await fetch('data', 0, 5)
  assert.equal(values(mid.records)[0]![0], 4)
  // At the end: empty. Beyond the end / below the start: OFFSET_OUT_OF_RANGE.
  assert.equal(recordsBuffer((await fetch('data', 0, expected)).records!).length, 0)
  assert.equal((await fetch('data', 0, expected + 1)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE)
  assert.equal((await fetch('data', 0, -1)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE)
  // Unknown topic id (v13+) and unknown partition.
  assert.equal((await fetch('data', 0, 0, 13, { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' })).errorCode, ErrorCode.UNKNOWN_TOPIC_ID)
  assert.equal((await fetch('data', 9, 0)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  assert.equal((await fetch('nope', 0, 0)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
})

test('byte limits: per-partition max bytes still returns the first batch whole', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await produce('data', 1, batch([`x${i}`.repeat(100)]))).errorCode, 0)
  const one = await fetch('data', 1, 0, 11, { partitionMaxBytes: 10 })
  assert.equal(values(one.records).length, 1)
  const all = await fetch('data', 1, 0, 11)
  assert.equal(values(all.records).length, 5)
  // Response limit: only the first partition with data may exceed it (KIP-74).
  const req = defaultFetchRequest()
  req.maxWaitMs = 0
  req.minBytes = 1
  req.maxBytes = 10
  req.topics = [{ topic: 'data', topicId: topicIdOf('data'), partitions: [0, 1].map((partition) =>
    Object.assign(defaultFetchRequestFetchPartition(), { partition, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })) }]
  const both = await c.call<FetchResponse>(ApiKey.Fetch, 11, req)
  const [p0, p1] = both.responses[0]!.partitions
  assert.equal(values(p0!.records).length, 2, 'the first batch of the first partition')
  assert.equal(recordsBuffer(p1!.records!).length, 0)
  assert.equal(p1!.highWatermark, 5n)
})

test('legacy clients: Produce v0-2 message sets become magic 2; Fetch v0-3 gets magic 0/1', async () => {
  const v0 = encodeMessageSet([{ offset: 0, key: Buffer.from('k0'), value: Buffer.from('m0') }, { offset: 1, key: null, value: Buffer.from('m1') }], { magic: 0 })
  assert.equal((await produce('legacy', 0, v0, 0)).errorCode, ErrorCode.NONE)
  const v1 = encodeMessageSet([{ offset: 0, timestamp: T0, key: null, value: Buffer.from('m2') }, { offset: 1, timestamp: T0, key: null, value: Buffer.from('m3') }],
    { magic: 1, compression: 1 })
  const r = await produce('legacy', 0, v1, 2)
  assert.equal(r.errorCode, ErrorCode.NONE)
  assert.equal(r.baseOffset, 2n)
  // Modern fetch: magic 2.
  const modern = await fetch('legacy', 0, 0, 11)
  assert.deepEqual(values(modern.records).map((x) => x[1]), ['m0', 'm1', 'm2', 'm3'])
  assert.equal(batchMagic(recordsBuffer(modern.records!), 0), 2)
  for (const [v, m] of [[0, 0], [1, 0], [2, 1], [3, 1]] as const) {
    const p = await fetch('legacy', 0, 0, v)
    assert.equal(p.errorCode, ErrorCode.NONE)
    const set = decodeMessageSet(recordsBuffer(p.records!))
    assert.deepEqual(set.records.map((x) => [x.offset, x.value?.toString()]), [[0, 'm0'], [1, 'm1'], [2, 'm2'], [3, 'm3']], `fetch v${v}`)
    assert.equal(recordsBuffer(p.records!).readInt8(16), m, `fetch v${v} magic`)
  }
  // Produce v3+ with a magic 1 message set is refused.
  assert.equal((await produce('legacy', 0, v1, 3)).errorCode, ErrorCode.INVALID_RECORD)
})

test('long polling: a waiting fetch is woken by an append; an idle one returns empty at maxWait', async () => {
  const waiter = await AdminRaw.connect(broker.port)
  try {
    const req = defaultFetchRequest()
    req.maxWaitMs = 30_000
    req.minBytes = 1
    req.maxBytes = 1 << 20
    req.topics = [{ topic: 'poll', topicId: topicIdOf('poll'), partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })] }]
    const pending = waiter.call<FetchResponse>(ApiKey.Fetch, 11, req)
    let done = false
    void pending.then(() => { done = true })
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(done, false, 'no data yet: the fetch must wait')
    assert.equal((await produce('poll', 0, batch(['wake']))).errorCode, 0)
    const res = await pending
    assert.deepEqual(values(res.responses[0]!.partitions[0]!.records).map((x) => x[1]), ['wake'])
    // No data and a short maxWait: an empty answer.
    req.maxWaitMs = 50
    req.topics[0]!.partitions[0]!.partition = 1
    const empty = await waiter.call<FetchResponse>(ApiKey.Fetch, 11, req)
    assert.equal(recordsBuffer(empty.responses[0]!.partitions[0]!.records!).length, 0)
  } finally {
    waiter.close()
  }
})

test('ListOffsets: earliest, latest, by timestamp, max timestamp, v0 old style', async () => {
  const base = T0 + 1_000_000
  for (let i = 0; i < 3; i++) assert.equal((await produce('trim', 0, batch([`t${i}`], { ts: base + i * 1000 }))).errorCode, 0)
  assert.equal((await listOffset('trim', 0, -2)).offset, 0n)
  assert.equal((await listOffset('trim', 0, -1)).offset, 3n)
  assert.equal((await listOffset('trim', 0, -1, 2, 1)).offset, 3n)
  const byTime = await listOffset('trim', 0, base + 1500)
  assert.equal(byTime.offset, 2n)
  assert.equal(byTime.timestamp, BigInt(base + 2000))
  assert.equal((await listOffset('trim', 0, base + 99_999)).offset, -1n)
  const max = await listOffset('trim', 0, -3)
  assert.equal(max.offset, 2n)
  assert.equal(max.timestamp, BigInt(base + 2000))
  assert.equal((await listOffset('trim', 0, -3, 6)).errorCode, ErrorCode.UNSUPPORTED_VERSION)
  assert.deepEqual((await listOffset('trim', 0, -1, 0)).oldStyleOffsets, [3n])
  assert.equal((await listOffset('trim', 7, -1)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  // Inside one multi-record batch the answer is the first record at or after the time (not the batch).
  assert.equal((await produce('trim', 1, batch(['r0', 'r1', 'r2', 'r3'], { ts: base }), 9)).errorCode, 0)
  const inBatch = await listOffset('trim', 1, base + 2)
  assert.deepEqual([inBatch.offset, inBatch.timestamp], [2n, BigInt(base + 2)])
  const maxInBatch = await listOffset('trim', 1, -3)
  assert.deepEqual([maxInBatch.offset, maxInBatch.timestamp], [3n, BigInt(base + 3)])
  assert.equal((await listOffset('trim', 0, -1, 4)).leaderEpoch, 0)
})

test('DeleteRecords, OffsetForLeaderEpoch, DescribeLogDirs', async () => {
  const del = (offset: number, partition = 0) => c.call<DeleteRecordsResponse>(ApiKey.DeleteRecords, 2,
    { timeoutMs: 1000, topics: [{ name: 'trim', partitions: [{ partitionIndex: partition, offset: BigInt(offset) }] }] })
  const r = await del(1)
  assert.deepEqual(r.topics[0]!.partitions[0], { partitionIndex: 0, lowWatermark: 1n, errorCode: 0 })
  assert.equal((await listOffset('trim', 0, -2)).offset, 1n)
  assert.equal((await fetch('trim', 0, 0)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE)
  assert.deepEqual(values((await fetch('trim', 0, 1)).records).map((x) => x[1]), ['t1', 't2'])
  assert.equal((await del(99)).topics[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE)
  assert.equal((await del(-1)).topics[0]!.partitions[0]!.lowWatermark, 3n)
  assert.equal((await del(0, 5)).topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)

  const epochs = await c.call<OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, 4, {
    replicaId: -1,
    topics: [{ topic: 'data', partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }, { partition: 1, currentLeaderEpoch: 5, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 3 }] }],
  })
  const [cur, fenced, future] = epochs.topics[0]!.partitions
  assert.deepEqual([cur!.errorCode, cur!.leaderEpoch, cur!.endOffset], [0, 0, 18n])
  assert.equal(fenced!.errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH)
  assert.deepEqual([future!.leaderEpoch, future!.endOffset], [-1, -1n])

  const dirs = await c.call<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, 4, { topics: [{ topic: 'data', partitions: [0, 1, 7] }] })
  assert.equal(dirs.results.length, 1)
  const parts = dirs.results[0]!.topics[0]!.partitions
  assert.deepEqual(parts.map((p) => p.partitionIndex), [0, 1])
  assert.ok(parts[0]!.partitionSize > 0n)
  assert.ok(dirs.results[0]!.totalBytes > 0n)
})

test('bad produce input gets per-partition error codes and the connection keeps working', async () => {
  const expect = async (records: Buffer | null, code: number, version = 9, acks = -1, topic = 'bad', partition = 0) =>
    assert.equal((await produce(topic, partition, records, version, acks)).errorCode, code)
  await expect(batch(['x'.repeat(20_000)]), ErrorCode.MESSAGE_TOO_LARGE)
  const corrupt = batch(['crc'])
  corrupt[corrupt.length - 1] ^= 0xff
  await expect(corrupt, ErrorCode.CORRUPT_MESSAGE)
  await expect(batch(['acks']), ErrorCode.INVALID_REQUIRED_ACKS, 9, 2)
  await expect(batch(['u']), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 9, 1, 'no-such-topic')
  await expect(batch(['u']), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 9, 1, 'bad', 2)
  await expect(batch(['z'], { compression: 4 }), ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 6)
  await expect(null, ErrorCode.CORRUPT_MESSAGE)
  await expect(Buffer.from('garbage garbage garbage garbage garbage garbage garbage garbage garbage'), ErrorCode.CORRUPT_MESSAGE)
  await expect(Buffer.from([0, 1, 2]), ErrorCode.CORRUPT_MESSAGE, 0)
  for (const v of [3, 9, 11]) await expect(Buffer.concat([batch(['one']), batch(['two'])]), ErrorCode.INVALID_RECORD, v) // one batch per partition
  // Nothing above was written; a normal produce still works and lands at offset 0.
  const ok = await produce('bad', 0, batch(['fine'], { compression: 4 }), 7)
  assert.equal(ok.errorCode, 0)
  assert.equal(ok.baseOffset, 0n)
})

test('acks=0 gets no response; the next request on the connection is answered in order', async () => {
  const req = defaultProduceRequest()
  req.acks = 0
  req.timeoutMs = 1000
  req.topicData = [{ name: 'bad', topicId: ZERO_UUID, partitionData: [{ index: 1, records: batch(['fire-and-forget']) }] }]
  c.client.write(requestFrame(ApiKey.Produce, 9, 9999, req))
  // The AdminRaw call checks the correlation id of the next frame it reads.
  const p = await fetch('bad', 1, 0, 11, { maxWaitMs: 5000 })
  assert.deepEqual(values(p.records).map((x) => x[1]), ['fire-and-forget'])
})

test('a failed acks=0 produce closes its connection (the client notices); other connections are unaffected', async () => {
  const other = await AdminRaw.connect(broker.port)
  try {
    const req = defaultProduceRequest()
    req.acks = 0
    req.timeoutMs = 1000
    req.topicData = [{ name: 'no-such-topic-acks0', topicId: ZERO_UUID, partitionData: [{ index: 0, records: batch(['lost']) }] }]
    other.client.write(requestFrame(ApiKey.Produce, 9, 1, req))
    assert.equal(await other.client.closesWithin(5000), true)
  } finally {
    other.close()
  }
  assert.equal((await produce('bad', 1, batch(['still fine']))).errorCode, ErrorCode.NONE)
})

test('topic settings: min.insync.replicas above the ISR refuses acks=-1; down-conversion can be disabled', async () => {
  const req = defaultCreateTopicsRequest()
  req.timeoutMs = 5000
  req.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), {
    name: 'strict', numPartitions: 1, replicationFactor: 1,
    configs: [{ name: 'min.insync.replicas', value: '2' }, { name: 'message.downconversion.enable', value: 'false' }],
  })]
  const created = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, req)
  assert.equal(created.topics[0]!.errorCode, 0, created.topics[0]!.errorMessage ?? '')
  assert.equal((await produce('strict', 0, batch(['all']), 9, -1)).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS)
  assert.equal((await produce('strict', 0, batch(['one']), 9, 1)).errorCode, ErrorCode.NONE)
  assert.equal((await fetch('strict', 0, 0, 3)).errorCode, ErrorCode.UNSUPPORTED_VERSION)
  assert.deepEqual(values((await fetch('strict', 0, 0, 4)).records).map((x) => x[1]), ['one'])
})

test('shutdown answers a waiting fetch instead of holding the broker open for its maxWait', async () => {
  const own = await startBroker()
  const client = await AdminRaw.connect(own.port)
  try {
    const create = defaultCreateTopicsRequest()
    create.timeoutMs = 5000
    create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'idle', numPartitions: 1, replicationFactor: 1 })]
    await client.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)
    const req = defaultFetchRequest()
    req.maxWaitMs = 120_000
    req.minBytes = 1
    req.maxBytes = 1 << 20
    req.topics = [{ topic: 'idle', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })] }]
    const pending = client.call<FetchResponse>(ApiKey.Fetch, 11, req)
    await new Promise((r) => setTimeout(r, 100))
    const closing = own.close()
    const res = await pending
    assert.equal(res.responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE)
    assert.equal(recordsBuffer(res.responses[0]!.partitions[0]!.records!).length, 0)
    await closing
  } finally {
    client.close()
    await own.close()
  }
})
