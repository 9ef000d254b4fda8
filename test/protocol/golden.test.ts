// Golden vectors: every request and response frame captured from real clients (kcat, KafkaJS,
// kafka-python, confluent_kafka; responses from librdkafka's mock cluster) decodes with the
// generated codecs, consumes every byte, and re-encodes to identical bytes. Spot checks prove
// that decoding found the values the clients really sent.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Reader, Writer, recordsBuffer } from '../../src/protocol/primitives/index.ts'
import { API_SPECS } from '../../src/protocol/generated/api-keys.ts'
import { decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader } from '../../src/protocol/generated/headers.ts'
import type { RequestHeader, ResponseHeader } from '../../src/protocol/generated/headers.ts'
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../src/protocol/generated/messages/api-versions.ts'
import type { FetchRequest, FetchResponse } from '../../src/protocol/generated/messages/fetch.ts'
import type { FindCoordinatorRequest } from '../../src/protocol/generated/messages/find-coordinator.ts'
import type { InitProducerIdRequest } from '../../src/protocol/generated/messages/init-producer-id.ts'
import type { JoinGroupRequest, JoinGroupResponse } from '../../src/protocol/generated/messages/join-group.ts'
import type { LeaveGroupRequest } from '../../src/protocol/generated/messages/leave-group.ts'
import type { MetadataRequest, MetadataResponse } from '../../src/protocol/generated/messages/metadata.ts'
import type { OffsetFetchRequest } from '../../src/protocol/generated/messages/offset-fetch.ts'
import type { ProduceRequest } from '../../src/protocol/generated/messages/produce.ts'
import type { TxnOffsetCommitRequest } from '../../src/protocol/generated/messages/txn-offset-commit.ts'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'
import { findRecordBatches } from '../../tools/capture/batches.ts'

interface Entry {
  file: string
  client: string
  direction: 'request' | 'response'
  apiKey: number
  apiName: string
  apiVersion: number
  correlationId: number
  clientId: string | null
  anomaly?: string
}

const FRAMES = new URL('../golden/frames/', import.meta.url)
const index = (JSON.parse(readFileSync(new URL('index.json', FRAMES), 'utf8')) as { frames: Entry[] }).frames
const bytesOf = (e: Entry) => readFileSync(new URL(e.file, FRAMES))

interface Decoded {
  header: RequestHeader | ResponseHeader
  body: unknown
  /** Bytes the decoder consumed. */
  consumed: number
}

function decode(e: Entry, bytes: Buffer): Decoded {
  const spec = API_SPECS[e.apiKey]
  const r = new Reader(bytes)
  if (e.direction === 'request') {
    const header = decodeRequestHeader(r, spec.requestHeaderVersion(e.apiVersion))
    return { header, body: spec.decodeRequest(r, e.apiVersion), consumed: r.pos }
  }
  const header = decodeResponseHeader(r, spec.responseHeaderVersion(e.apiVersion))
  return { header, body: spec.decodeResponse(r, e.apiVersion), consumed: r.pos }
}

function encode(e: Entry, d: Decoded): Buffer {
  const spec = API_SPECS[e.apiKey]
  const w = new Writer()
  if (e.direction === 'request') {
    encodeRequestHeader(w, d.header as RequestHeader, spec.requestHeaderVersion(e.apiVersion))
    spec.encodeRequest(w, d.body, e.apiVersion)
  } else {
    encodeResponseHeader(w, d.header as ResponseHeader, spec.responseHeaderVersion(e.apiVersion))
    spec.encodeResponse(w, d.body, e.apiVersion)
  }
  return w.finish()
}

/** The decoded body of the first frame matching `pick`. */
function first<T>(pick: (e: Entry) => boolean): { entry: Entry; header: RequestHeader & ResponseHeader; body: T } {
  const entry = index.find(pick)
  assert.ok(entry, 'a matching golden frame exists')
  const d = decode(entry, bytesOf(entry))
  return { entry, header: d.header as RequestHeader & ResponseHeader, body: d.body as T }
}

const req = (client: string, apiKey: number, apiVersion?: number) => (e: Entry) =>
  e.client === client && e.direction === 'request' && e.apiKey === apiKey && (apiVersion === undefined || e.apiVersion === apiVersion)
const res = (client: string, apiKey: number, apiVersion?: number) => (e: Entry) =>
  e.client === client && e.direction === 'response' && e.apiKey === apiKey && (apiVersion === undefined || e.apiVersion === apiVersion)

describe('golden frames round-trip', () => {
  it('the fixture set covers what the issue asks for', () => {
    for (const client of ['kcat', 'kafkajs']) {
      for (const api of [18, 3, 0, 1, 11]) assert.ok(index.some(req(client, api)), `${client} api ${api} request`)
    }
    assert.ok(index.length > 100)
  })

  for (const client of [...new Set(index.map((e) => e.client))]) {
    describe(client, () => {
      for (const e of index.filter((x) => x.client === client)) {
        if (e.anomaly) {
          it(`${e.file} is known to be malformed (${e.anomaly})`, () => {
            const bytes = bytesOf(e)
            let clean = false
            try {
              const d = decode(e, bytes)
              clean = d.consumed === bytes.length && encode(e, d).equals(bytes)
            } catch {
              // a typed decode error is one acceptable outcome
            }
            assert.equal(clean, false)
          })
          continue
        }
        it(`${e.file} decodes and re-encodes to identical bytes`, () => {
          const bytes = bytesOf(e)
          const d = decode(e, bytes)
          assert.equal(d.consumed, bytes.length, 'decoder consumed the whole frame')
          assert.equal(d.header.correlationId, e.correlationId)
          if (e.direction === 'request') {
            const h = d.header as RequestHeader
            assert.deepEqual([h.requestApiKey, h.requestApiVersion, h.clientId], [e.apiKey, e.apiVersion, e.clientId])
          }
          assert.deepEqual(encode(e, d), bytes)
        })
      }
    })
  }
})

describe('golden frames carry the values the clients sent', () => {
  it('librdkafka ApiVersions v3 names its software (confluent_kafka overrides the name)', () => {
    const kcat = first<ApiVersionsRequest>(req('kcat', 18, 3)).body
    assert.deepEqual([kcat.clientSoftwareName, kcat.clientSoftwareVersion], ['librdkafka', '2.0.2'])
    const python = first<ApiVersionsRequest>(req('confluent-kafka', 18, 3)).body
    assert.deepEqual([python.clientSoftwareName, python.clientSoftwareVersion], ['confluent-kafka-python', '1.7.0-rdkafka-2.0.2'])
  })

  it('librdkafka reads the ApiVersions v3 answer (response header v0) with the advertised ranges', () => {
    const { body } = first<ApiVersionsResponse>(res('kcat', 18, 3))
    assert.equal(body.errorCode, 0)
    const range = (key: number) => body.apiKeys.find((k) => k.apiKey === key)
    assert.deepEqual(range(0), { apiKey: 0, minVersion: 0, maxVersion: 7 }) // the mock's own Produce range
    assert.equal(range(3)?.maxVersion, 12) // raised by the capture proxy's translator
  })

  it('librdkafka sends flexible OffsetFetch v7 and TxnOffsetCommit v3', () => {
    const of = first<OffsetFetchRequest>(req('kcat', 9, 7))
    assert.equal(of.body.groupId, 'kcat-group')
    assert.equal(of.body.requireStable, true)
    assert.deepEqual(of.body.topics?.map((t) => t.name), ['frames-kcat'])
    const toc = first<TxnOffsetCommitRequest>(req('confluent-kafka', 28, 3))
    assert.deepEqual([toc.body.transactionalId, toc.body.groupId], ['golden-txn', 'confluent-group'])
    assert.equal(toc.body.topics[0].partitions[0].committedOffset, 1n)
  })

  it('kcat Produce v7 carries its topic, acks=all and one RecordBatch', () => {
    const { entry, body } = first<ProduceRequest>(req('kcat', 0, 7))
    assert.equal(body.transactionalId, null)
    assert.equal(body.acks, -1)
    assert.equal(body.topicData[0].name, 'frames-kcat')
    const records = body.topicData[0].partitionData[0].records
    assert.ok(records)
    // The codec hands the records out untouched: exactly the batch found by its CRC.
    assert.deepEqual(records, findRecordBatches(bytesOf(entry))?.bytes)
    assert.equal(records[16], 2, 'magic 2')
  })

  it('kcat Fetch v11 is sessionless and read_committed', () => {
    const { body } = first<FetchRequest>(req('kcat', 1, 11))
    assert.deepEqual([body.replicaId, body.isolationLevel, body.sessionId, body.sessionEpoch], [-1, 1, 0, -1])
    assert.equal(body.topics[0].topic, 'frames-kcat')
  })

  it('the first kcat Fetch answer holds the produced records', () => {
    const { body } = first<FetchResponse>((e) => res('kcat', 1, 11)(e) && bytesOf(e).length > 100)
    const part = body.responses[0].partitions[0]
    assert.equal(part.errorCode, 0)
    assert.ok(part.records && part.records.length > 61)
  })

  it('kcat consumer group: FindCoordinator for the group, JoinGroup v5 as consumer', () => {
    const fc = first<FindCoordinatorRequest>(req('kcat', 10))
    assert.deepEqual([fc.body.key, fc.body.keyType], ['kcat-group', 0])
    const jg = first<JoinGroupRequest>(req('kcat', 11, 5))
    assert.equal(jg.body.groupId, 'kcat-group')
    assert.equal(jg.body.protocolType, 'consumer')
    assert.deepEqual(jg.body.protocols.map((p) => p.name), ['range', 'roundrobin'])
  })

  it('kcat Metadata v4: brokers only (empty list) at connect, then all topics (null) for -L', () => {
    const [brokersOnly, allTopics] = index.filter(req('kcat', 3, 4)).map((e) => decode(e, bytesOf(e)))
    assert.ok(brokersOnly && allTopics)
    assert.equal((brokersOnly.header as RequestHeader).clientId, 'rdkafka')
    const a = brokersOnly.body as MetadataRequest
    const b = allTopics.body as MetadataRequest
    assert.deepEqual([a.topics, a.allowAutoTopicCreation], [[], false])
    assert.deepEqual([b.topics, b.allowAutoTopicCreation], [null, true])
  })

  it('KafkaJS ApiVersions v2 carries only its header (client id samsa-test)', () => {
    const { entry, header, body } = first<ApiVersionsRequest>(req('kafkajs', 18))
    assert.equal(entry.apiVersion, 2)
    assert.equal(header.clientId, 'samsa-test')
    assert.deepEqual([body.clientSoftwareName, body.clientSoftwareVersion], ['', '']) // not on the wire before v3
  })

  it('KafkaJS Produce v7 carries the three records it was given, keys, values and headers', () => {
    const { body } = first<ProduceRequest>(req('kafkajs', 0, 7))
    assert.deepEqual([body.acks, body.timeoutMs, body.transactionalId], [-1, 30000, null])
    assert.equal(body.topicData[0].name, 'frames-kafkajs')
    const part = body.topicData[0].partitionData[0]
    assert.equal(part.index, 0)
    const batch = decodeRecordBatch(recordsBuffer(part.records!))
    const got = batch.records.map((r) => [r.key?.toString(), r.value?.toString(), r.headers.map((h) => [h.key, h.value?.toString()])])
    assert.deepEqual(got, [0, 1, 2].map((i) => [`kafkajs-${i}`, `value ${i}`, [['h1', 'v1']]]))
  })

  it('KafkaJS Fetch v11 reads committed data from offset 0 of each partition it was given', () => {
    const { body } = first<FetchRequest>(req('kafkajs', 1, 11))
    assert.deepEqual([body.replicaId, body.isolationLevel, body.maxWaitMs, body.minBytes, body.maxBytes], [-1, 1, 5000, 1, 10485760])
    assert.equal(body.topics[0].topic, 'frames-kafkajs')
    for (const p of body.topics[0].partitions) {
      assert.deepEqual([p.fetchOffset, p.partitionMaxBytes, p.currentLeaderEpoch], [0n, 1048576, -1])
    }
  })

  it('KafkaJS JoinGroup uses protocol type consumer and its RoundRobinAssigner', () => {
    const { header, body } = first<JoinGroupRequest>(req('kafkajs', 11))
    assert.equal(header.clientId, 'samsa-test')
    assert.equal(body.groupId, 'kafkajs-group')
    assert.equal(body.protocolType, 'consumer')
    assert.deepEqual(body.protocols.map((p) => p.name), ['RoundRobinAssigner'])
  })

  it('KafkaJS Metadata asks for its topic and allows auto-creation', () => {
    const { body } = first<MetadataRequest>((e) => req('kafkajs', 3)(e) && bytesOf(e).length > 30)
    assert.deepEqual(body.topics?.map((t) => t.name), ['frames-kafkajs'])
    assert.equal(body.allowAutoTopicCreation, true)
  })

  it('KafkaJS leaves with LeaveGroup v3 naming the member id JoinGroup gave it', () => {
    const joined = first<JoinGroupResponse>(res('kafkajs', 11)).body
    assert.equal(joined.errorCode, 0)
    const { body } = first<LeaveGroupRequest>(req('kafkajs', 13, 3))
    assert.equal(body.groupId, 'kafkajs-group')
    assert.deepEqual(body.members.map((m) => m.memberId), [joined.memberId])
  })

  it('kafka-python bootstraps with ApiVersions v0 and Metadata v0 for all topics', () => {
    const av = first<ApiVersionsRequest>(req('kafka-python', 18))
    assert.equal(av.entry.apiVersion, 0)
    const md = first<MetadataRequest>(req('kafka-python', 3, 0))
    assert.deepEqual(md.body.topics, [])
  })

  it('Metadata answers point clients at the proxy, not the mock', () => {
    const { body } = first<MetadataResponse>(res('kcat', 3))
    assert.equal(body.brokers.length, 1)
    assert.equal(body.brokers[0].host, '127.0.0.1')
  })

  it('@platformatic/kafka sends flexible Metadata v12 and Produce v11 with a RecordBatch', () => {
    const md = first<MetadataRequest>(req('platformatic', 3, 12))
    assert.equal(md.header.clientId, 'samsa-golden')
    const { entry, body } = first<ProduceRequest>(req('platformatic', 0, 11))
    assert.equal(body.topicData[0].name, 'frames-platformatic')
    const records = body.topicData[0].partitionData[0].records
    assert.deepEqual(records, findRecordBatches(bytesOf(entry))?.bytes)
    assert.equal(records?.readInt32BE(57), 3, 'three records in the batch')
  })

  it('@platformatic/kafka consumes with batched FindCoordinator v6 and Fetch v17 by topic id', () => {
    const fc = first<FindCoordinatorRequest>(req('platformatic', 10, 6))
    assert.deepEqual([fc.body.keyType, fc.body.coordinatorKeys], [0, ['platformatic-group']])
    const jg = first<JoinGroupRequest>(req('platformatic', 11, 9))
    assert.equal(jg.body.protocolType, 'consumer')
    const md = first<MetadataResponse>(res('platformatic', 3, 12))
    const topicId = md.body.topics.find((t) => t.name === 'frames-platformatic')?.topicId
    const fetch = first<FetchRequest>(req('platformatic', 1, 17))
    assert.ok(fetch.body.topics.length > 0)
    for (const t of fetch.body.topics) assert.deepEqual([t.topic, t.topicId], ['', topicId])
  })

  it('confluent_kafka InitProducerId v4 (flexible) carries the transactional id', () => {
    const { body } = first<InitProducerIdRequest>(req('confluent-kafka', 22, 4))
    assert.equal(body.transactionalId, 'golden-txn')
    assert.equal(body.producerId, -1n)
  })
})
