// Generator semantics beyond round trips: defaults for absent fields, ignorable vs
// non-ignorable fields, nullability by version, tagged fields omitted at their default, and
// zero-copy records.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ProtocolEncodeError, Reader, Writer, ZERO_UUID, recordsBuffer } from '../../../src/protocol/primitives/index.ts'
import { decodeProduceRequest, encodeProduceRequest, type ProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import { decodeMetadataRequest, defaultMetadataRequest, encodeMetadataRequest } from '../../../src/protocol/generated/messages/metadata.ts'
import { decodeFetchRequest, defaultFetchRequest, encodeFetchRequest } from '../../../src/protocol/generated/messages/fetch.ts'
import { API_SPECS, ApiKey } from '../../../src/protocol/generated/api-keys.ts'

function encode<T>(fn: (w: Writer, v: T, version: number) => void, value: T, version: number, w = new Writer()): Buffer {
  fn(w, value, version)
  return w.finish()
}

const encodeError = (reason: string) => (e: unknown) => e instanceof ProtocolEncodeError && e.reason === reason

const produce = (records: Buffer | null): ProduceRequest => ({
  transactionalId: null,
  acks: 1,
  timeoutMs: 1000,
  topicData: [{ name: 't', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }],
})

test('fields absent at a version decode to their JSON default', () => {
  // Metadata v3 has no AllowAutoTopicCreation; Kafka's default is true.
  const bytes = encode(encodeMetadataRequest, { ...defaultMetadataRequest(), topics: [] }, 3)
  const decoded = decodeMetadataRequest(new Reader(bytes), 3)
  assert.equal(decoded.allowAutoTopicCreation, true)
  assert.equal(decoded.includeTopicAuthorizedOperations, false)
  // FetchRequest v3 has no isolation level, session id/epoch or rack: defaults 0, 0, -1, ''.
  const f = decodeFetchRequest(new Reader(encode(encodeFetchRequest, defaultFetchRequest(), 3)), 3)
  assert.deepEqual([f.isolationLevel, f.sessionId, f.sessionEpoch, f.rackId, f.replicaId], [0, 0, -1, '', -1])
})

test('a non-default value of a non-ignorable field missing at the version is an encode error', () => {
  const value = { ...defaultMetadataRequest(), allowAutoTopicCreation: false }
  assert.throws(() => encode(encodeMetadataRequest, value, 3), encodeError('unsupported-field'))
  assert.doesNotThrow(() => encode(encodeMetadataRequest, value, 4))
  const tx = { ...produce(null), transactionalId: 'tx' }
  assert.throws(() => encode(encodeProduceRequest, tx, 2), encodeError('unsupported-field'))
})

test('an ignorable field missing at the version is dropped silently', () => {
  // FetchRequest.ClusterId is tagged (12+) and ignorable.
  const value = { ...defaultFetchRequest(), clusterId: 'cluster' }
  const bytes = encode(encodeFetchRequest, value, 11)
  assert.equal(decodeFetchRequest(new Reader(bytes), 11).clusterId, null)
})

test('null where the version does not allow it is an encode error', () => {
  const value = { ...defaultMetadataRequest(), topics: null }
  assert.throws(() => encode(encodeMetadataRequest, value, 0), encodeError('null-not-allowed'))
  assert.doesNotThrow(() => encode(encodeMetadataRequest, value, 1))
})

test('known tagged fields are omitted at their default and written when set', () => {
  const base = defaultFetchRequest()
  const plain = encode(encodeFetchRequest, base, 15)
  // ReplicaState is a tagged struct (tag 1) whose default is replicaId -1, epoch -1.
  const withState = encode(encodeFetchRequest, { ...base, replicaState: { replicaId: 3, replicaEpoch: 7n } }, 15)
  assert.ok(withState.length > plain.length)
  const decoded = decodeFetchRequest(new Reader(withState), 15)
  assert.deepEqual(decoded.replicaState, { replicaId: 3, replicaEpoch: 7n })
  assert.equal(decoded.unknownTaggedFields, undefined)
  // ClusterId (tag 0) and ReplicaState (tag 1) plus an unknown tag 9 come out sorted by tag.
  const all = { ...base, clusterId: 'c', replicaState: { replicaId: 3, replicaEpoch: 7n }, unknownTaggedFields: [{ tag: 9, data: Buffer.from([1]) }] }
  const bytes = encode(encodeFetchRequest, all, 15)
  const r = decodeFetchRequest(new Reader(bytes), 15)
  assert.deepEqual(r, all)
  // Root tagged section: count, then (tag, size, value) for tag 0 ('c'), 1 (13-byte struct), 9.
  const section = new Reader(bytes, bytes.length - (1 + 4 + 15 + 3))
  const seen: number[] = [section.uvarint()]
  for (let i = 0; i < 3; i++) {
    seen.push(section.uvarint())
    section.skip(section.uvarint())
  }
  assert.deepEqual(seen, [3, 0, 1, 9], 'count 3, tags in ascending order')
  assert.equal(section.remaining, 0)
})

test('int64 values are exact beyond 2^53', () => {
  const value = { ...defaultFetchRequest(), replicaState: { replicaId: 1, replicaEpoch: 2n ** 63n - 1n } }
  const decoded = decodeFetchRequest(new Reader(encode(encodeFetchRequest, value, 15)), 15)
  assert.equal(decoded.replicaState.replicaEpoch, 9223372036854775807n)
})

test('decoding a Produce request does not copy the records bytes', () => {
  const records = Buffer.alloc(4096, 0x5a)
  for (const version of [3, 9, 11]) {
    const bytes = encode(encodeProduceRequest, produce(records), version)
    const decoded = decodeProduceRequest(new Reader(bytes), version)
    const got = recordsBuffer(decoded.topicData[0]!.partitionData[0]!.records!)
    assert.equal(got.buffer, bytes.buffer, 'records is a view of the request buffer')
    assert.equal(got.byteOffset, bytes.byteOffset + bytes.length - (version >= 9 ? 4096 + 3 : 4096))
  }
})

test('encoding with a zero-copy threshold references large records and reserves only the rest', () => {
  const records = Buffer.alloc(1 << 20, 1)
  const w = new Writer(64, 64 * 1024)
  encodeProduceRequest(w, produce(records), 9)
  const chunks = w.finishChunks()
  assert.equal(chunks.length, 3)
  assert.equal(chunks[1], records)
  assert.ok(w.buf.length < 1024, `writer buffer stays small (${w.buf.length})`)
  assert.deepEqual(Buffer.concat(chunks), encode(encodeProduceRequest, produce(records), 9))
})

test('the api table codecs are the generated functions', () => {
  const p = API_SPECS[ApiKey.Produce]!
  assert.equal(p.decodeRequest, decodeProduceRequest)
  assert.equal(p.encodeRequest, encodeProduceRequest)
})

test('a nullable struct inside a tagged field uses a varint presence marker, like Kafka', async () => {
  const mod = await import('../../../src/protocol/generated/group-coordinator/consumer-group-member-metadata-value.ts')
  const base = mod.defaultConsumerGroupMemberMetadataValue()
  assert.equal(base.classicMemberMetadata, null)
  const value = { ...base, classicMemberMetadata: { sessionTimeoutMs: 45000, supportedProtocols: [] } }
  const w = new Writer()
  mod.encodeConsumerGroupMemberMetadataValue(w, value, 0)
  const bytes = w.finish()
  // ... tagged section: count 1, tag 0, size 7, marker 1, int32 45000, empty array (1), no tags (0).
  assert.equal(bytes.subarray(bytes.length - 10).toString('hex'), '01' + '00' + '07' + '01' + '0000afc8' + '01' + '00')
  assert.deepEqual(mod.decodeConsumerGroupMemberMetadataValue(new Reader(bytes), 0), value)
  // Null (the default) is simply left out.
  const none = new Writer()
  mod.encodeConsumerGroupMemberMetadataValue(none, base, 0)
  assert.equal(none.finish().at(-1), 0)
})
