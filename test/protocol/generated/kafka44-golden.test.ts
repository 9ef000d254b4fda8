// Golden bytes for the versions Kafka 4.4 added (no client we run speaks them yet): each frame is
// written out field by field from the JSON schemas, independently of the generator, then decoded
// (every byte consumed, the values checked) and re-encoded to the same bytes. Also the two ends of
// the joined range: versions Kafka 4 removed (from the older copy) and coordinator record keys.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Reader, Writer } from '../../../src/protocol/primitives/index.ts'
import { API_SPECS, ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { ProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { OffsetCommitRequest } from '../../../src/protocol/generated/messages/offset-commit.ts'
import type { ApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions.ts'
import type { DescribeGroupsResponse } from '../../../src/protocol/generated/messages/describe-groups.ts'
import type { ListOffsetsRequest } from '../../../src/protocol/generated/messages/list-offsets.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { readOffsetCommitKey, OffsetCommitKeyRecordType } from '../../../src/protocol/generated/group-coordinator/offset-commit-key.ts'
import { LegacyOffsetCommitKeyRecordType } from '../../../src/protocol/generated/group-coordinator/legacy-offset-commit-key.ts'
import { GroupMetadataKeyRecordType } from '../../../src/protocol/generated/group-coordinator/group-metadata-key.ts'
import { TransactionLogKeyRecordType } from '../../../src/protocol/generated/transaction-coordinator/transaction-log-key.ts'

// Hand encoders: big-endian integers, KIP-482 compact strings/arrays (length + 1 as uvarint).
const i8 = (n: number) => Buffer.from([n & 0xff])
const i16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b }
const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b }
const i64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b }
const uv = (n: number) => { const out: number[] = []; while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7 } out.push(n); return Buffer.from(out) }
const cstr = (s: string | null) => (s === null ? uv(0) : Buffer.concat([uv(Buffer.byteLength(s) + 1), Buffer.from(s)]))
const str = (s: string) => Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)])
const carr = (items: Buffer[]) => Buffer.concat([uv(items.length + 1), ...items])
const noTags = uv(0)
const cat = (...parts: Buffer[]) => Buffer.concat(parts)
// Kafka's uuid text is base64url of the 16 bytes.
const UUID_BYTES = Buffer.from('0123456789abcdef0123456789abcdef', 'hex')
const UUID = UUID_BYTES.toString('base64url')

function roundTrip<T>(apiKey: number, kind: 'request' | 'response', version: number, bytes: Buffer): T {
  const spec = API_SPECS[apiKey]
  const r = new Reader(bytes)
  const value = (kind === 'request' ? spec.decodeRequest(r, version) : spec.decodeResponse(r, version)) as T
  assert.equal(r.remaining, 0, `${spec.name} v${version} ${kind}: every byte consumed`)
  const w = new Writer(64)
  if (kind === 'request') spec.encodeRequest(w, value, version)
  else spec.encodeResponse(w, value, version)
  assert.deepEqual(w.finish(), bytes, `${spec.name} v${version} ${kind}: re-encodes to the same bytes`)
  return value
}

test('Produce v13 request carries a topic id instead of a name', () => {
  const records = Buffer.from('not-a-real-batch')
  const bytes = cat(cstr(null), i16(-1), i32(3000),
    carr([cat(UUID_BYTES, carr([cat(i32(4), uv(records.length + 1), records, noTags)]), noTags)]), noTags)
  const v = roundTrip<ProduceRequest>(ApiKey.Produce, 'request', 13, bytes)
  assert.deepEqual([v.acks, v.timeoutMs, v.topicData[0].topicId, v.topicData[0].name, v.topicData[0].partitionData[0].index], [-1, 3000, UUID, '', 4])
  assert.deepEqual(v.topicData[0].partitionData[0].records, records)
})

test('Produce v2 (removed by Kafka 4, kept from the older schemas) still decodes and encodes', () => {
  const records = Buffer.from('legacy-message-set')
  const bytes = cat(i16(1), i32(1500), i32(1), str('t'), i32(1), i32(0), i32(records.length), records)
  const v = roundTrip<ProduceRequest>(ApiKey.Produce, 'request', 2, bytes)
  assert.deepEqual([v.acks, v.topicData[0].name, v.topicData[0].partitionData[0].records], [1, 't', records])
  assert.equal(API_SPECS[ApiKey.Produce]!.minVersion, 0)
})

test('OffsetCommit v10 request names topics by id', () => {
  const bytes = cat(cstr('g'), i32(7), cstr('m-1'), cstr(null),
    carr([cat(UUID_BYTES, carr([cat(i32(0), i64(42n), i32(3), cstr('meta'), noTags)]), noTags)]), noTags)
  const v = roundTrip<OffsetCommitRequest>(ApiKey.OffsetCommit, 'request', 10, bytes)
  assert.deepEqual([v.groupId, v.generationIdOrMemberEpoch, v.memberId, v.topics[0].topicId, v.topics[0].name], ['g', 7, 'm-1', UUID, ''])
  assert.deepEqual(v.topics[0].partitions[0], { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, commitTimestamp: -1n, committedMetadata: 'meta' },
    'commitTimestamp (v1 only, from the older schemas) keeps its default')
})

test('ApiVersions v5 request carries the cluster and node the client means', () => {
  const bytes = cat(cstr('samsa-test'), cstr('1.0'), cstr('cluster-x'), i32(3), noTags)
  const v = roundTrip<ApiVersionsRequest>(ApiKey.ApiVersions, 'request', 5, bytes)
  assert.deepEqual([v.clientSoftwareName, v.clusterId, v.nodeId], ['samsa-test', 'cluster-x', 3])
})

test('ListOffsets v11 request with EARLIEST_PENDING_UPLOAD (-6)', () => {
  const bytes = cat(i32(-1), i8(0), carr([cat(cstr('t'), carr([cat(i32(0), i32(-1), i64(-6n), noTags)]), noTags)]), i32(1000), noTags)
  const v = roundTrip<ListOffsetsRequest>(ApiKey.ListOffsets, 'request', 11, bytes)
  assert.deepEqual([v.timeoutMs, v.topics[0].partitions[0].timestamp], [1000, -6n])
})

test('DescribeGroups v6 response has a per-group error message', () => {
  const bytes = cat(i32(0), carr([cat(i16(69), cstr('Group g not found.'), cstr('g'), cstr('Dead'), cstr(''), cstr(''), carr([]), i32(-2147483648), noTags)]), noTags)
  const v = roundTrip<DescribeGroupsResponse>(ApiKey.DescribeGroups, 'response', 6, bytes)
  assert.deepEqual([v.groups[0].errorCode, v.groups[0].errorMessage, v.groups[0].groupState], [69, 'Group g not found.', 'Dead'])
})

test('Metadata v13 response has a top-level error code after the topics', () => {
  const bytes = cat(i32(0), carr([cat(i32(1), cstr('h'), i32(9092), cstr(null), noTags)]), cstr('c'), i32(1), carr([]), i16(129), noTags)
  const v = roundTrip<MetadataResponse>(ApiKey.Metadata, 'response', 13, bytes)
  assert.deepEqual([v.brokers[0].host, v.clusterId, v.errorCode], ['h', 'c', 129])
})

test('coordinator record keys: the record type comes from the 4.4 schemas, the key fields are version 0', () => {
  assert.deepEqual([LegacyOffsetCommitKeyRecordType, OffsetCommitKeyRecordType, GroupMetadataKeyRecordType, TransactionLogKeyRecordType], [0, 1, 2, 0])
  const key = cat(i16(OffsetCommitKeyRecordType), str('g'), str('t'), i32(5))
  const r = new Reader(key)
  assert.equal(r.int16(), 1)
  assert.deepEqual(readOffsetCommitKey(r, 0), { group: 'g', topic: 't', partition: 5 })
  assert.equal(r.remaining, 0)
})
