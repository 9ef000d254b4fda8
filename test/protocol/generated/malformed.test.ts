// Malformed input: every failure is a ProtocolDecodeError (never another exception type,
// never a hang, never a huge allocation).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ProtocolDecodeError, Reader, Writer, ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { decodeProduceRequest, encodeProduceRequest, type ProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import { decodeMetadataRequest, decodeMetadataResponse, encodeMetadataResponse, type MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { decodeApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions.ts'
import { SCHEMAS, loadCodec, structArb } from './schema-arbitraries.ts'

const isDecodeError = (...reasons: string[]) => (e: unknown) => {
  assert.ok(e instanceof ProtocolDecodeError, `expected ProtocolDecodeError, got ${String(e)}`)
  if (reasons.length > 0) assert.ok(reasons.includes(e.reason), `reason ${e.reason}, expected ${reasons.join(' or ')}`)
  return true
}

const produce: ProduceRequest = {
  transactionalId: 'tx-1',
  acks: -1,
  timeoutMs: 30000,
  topicData: [{ name: 'orders', topicId: ZERO_UUID, partitionData: [{ index: 3, records: Buffer.alloc(40, 9) }], unknownTaggedFields: [{ tag: 120, data: Buffer.from([1, 2]) }] }],
}

const metadata: MetadataResponse = {
  throttleTimeMs: 0,
  brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
  clusterId: 'c1',
  controllerId: 1,
  errorCode: 0,
  topics: [
    {
      errorCode: 0,
      name: 't',
      topicId: 'AQIDBAUGBwgJCgsMDQ4PEA',
      isInternal: false,
      partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 5, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
      topicAuthorizedOperations: -2147483648,
    },
  ],
  clusterAuthorizedOperations: -2147483648,
}

function encoded<T>(encode: (w: Writer, v: T, version: number) => void, value: T, version: number): Buffer {
  const w = new Writer()
  encode(w, value, version)
  return w.finish()
}

test('a buffer truncated at any point fails with a ProtocolDecodeError', () => {
  const cases: [Buffer, (r: Reader) => unknown][] = [
    [encoded(encodeProduceRequest, { ...produce, topicData: [{ ...produce.topicData[0]!, unknownTaggedFields: undefined }] }, 3), (r) => decodeProduceRequest(r, 3)],
    [encoded(encodeProduceRequest, produce, 9), (r) => decodeProduceRequest(r, 9)],
    [encoded(encodeProduceRequest, produce, 11), (r) => decodeProduceRequest(r, 11)],
    [encoded(encodeMetadataResponse, metadata, 7), (r) => decodeMetadataResponse(r, 7)],
    [encoded(encodeMetadataResponse, metadata, 12), (r) => decodeMetadataResponse(r, 12)],
  ]
  for (const [bytes, decode] of cases) {
    decode(new Reader(bytes))
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.throws(() => decode(new Reader(bytes.subarray(0, cut))), isDecodeError('truncated', 'count-too-large'), `cut at ${cut} of ${bytes.length}`)
    }
  }
})

test('negative lengths other than -1 and null in non-nullable fields are typed errors', () => {
  // Produce v3: transactionalId int16 length -2.
  const bad = Buffer.from('fffe' + 'ffff' + '00007530' + '00000000', 'hex')
  assert.throws(() => decodeProduceRequest(new Reader(bad), 3), isDecodeError('negative-length'))
  // Metadata v1: topics array count -5 (nullable from v1, but only -1 means null).
  assert.throws(() => decodeMetadataRequest(new Reader(Buffer.from('fffffffb', 'hex')), 1), isDecodeError('negative-length'))
  // Metadata v0: topics is not nullable.
  assert.throws(() => decodeMetadataRequest(new Reader(Buffer.from('ffffffff', 'hex')), 0), isDecodeError('null-not-allowed'))
  // Produce v0 topic name null.
  const nullName = Buffer.from('ffff' + '00007530' + '00000001' + 'ffff' + '00000000', 'hex')
  assert.throws(() => decodeProduceRequest(new Reader(nullName), 0), isDecodeError('null-not-allowed'))
})

test('an array count of 2^31-1 fails immediately, before allocating', () => {
  const bytes = Buffer.from('7fffffff00', 'hex')
  assert.throws(() => decodeMetadataRequest(new Reader(bytes), 1), isDecodeError('count-too-large'))
  // Flexible form: uvarint 2^31 = count 2^31-1.
  const compact = Buffer.from('8080808008' + '00', 'hex')
  assert.throws(() => decodeMetadataRequest(new Reader(compact), 9), isDecodeError('count-too-large'))
})

test('over-long varints are typed errors', () => {
  // ApiVersions v3: clientSoftwareName length as a 6-byte varint.
  const bytes = Buffer.from('818080808001' + '00', 'hex')
  assert.throws(() => decodeApiVersionsRequest(new Reader(bytes), 3), isDecodeError('varint-too-long'))
  // Tagged-field count as an over-long varint.
  const tags = Buffer.from('0261' + '0261' + 'ffffffffff7f', 'hex')
  assert.throws(() => decodeApiVersionsRequest(new Reader(tags), 3), isDecodeError('varint-too-long'))
})

test('a tagged field whose value overruns its declared size is a typed error', () => {
  // Produce v9 body with a root tagged field of declared size 10 but only 2 bytes left.
  const w = new Writer()
  encodeProduceRequest(w, { ...produce, topicData: [] }, 9)
  const ok = w.finish()
  const bad = Buffer.concat([ok.subarray(0, ok.length - 1), Buffer.from('01780a0102', 'hex')])
  assert.throws(() => decodeProduceRequest(new Reader(bad), 9), isDecodeError('truncated'))
})

test('versions outside the generated range are rejected on both sides', () => {
  assert.throws(() => decodeProduceRequest(new Reader(Buffer.alloc(64)), 12), isDecodeError('unsupported-version'))
  assert.throws(() => decodeProduceRequest(new Reader(Buffer.alloc(64)), -1), isDecodeError('unsupported-version'))
  assert.throws(() => encodeProduceRequest(new Writer(), produce, 12), /no version 12/)
})

test('random bytes decode to a value or a ProtocolDecodeError, for every request and response', async () => {
  for (const m of SCHEMAS) {
    const codec = await loadCodec(m)
    const [lo, hi] = m.versions
    fc.assert(
      fc.property(fc.integer({ min: lo, max: hi }), fc.uint8Array({ maxLength: 64 }), (version, bytes) => {
        try {
          codec.decode(new Reader(Buffer.from(bytes)), version)
        } catch (e) {
          if (!(e instanceof ProtocolDecodeError)) throw e
        }
      }),
      { numRuns: 15, seed: 42 },
    )
  }
})

test('valid messages with one byte flipped decode or fail with a ProtocolDecodeError', async () => {
  for (const m of SCHEMAS.filter((s) => s.name === 'FetchResponse' || s.name === 'MetadataResponse' || s.name === 'JoinGroupRequest')) {
    const codec = await loadCodec(m)
    const [lo, hi] = m.versions
    for (let version = lo; version <= hi; version++) {
      fc.assert(
        fc.property(structArb(m, codec, m.name, version), fc.nat(), fc.integer({ min: 1, max: 255 }), (value, at, xor) => {
          const w = new Writer()
          codec.encode(w, value, version)
          const bytes = Buffer.from(w.finish())
          bytes[at % bytes.length]! ^= xor
          try {
            codec.decode(new Reader(bytes), version)
          } catch (e) {
            if (!(e instanceof ProtocolDecodeError)) throw e
          }
        }),
        { numRuns: 10, seed: version },
      )
    }
  }
})
