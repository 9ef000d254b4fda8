// A records field given as a list of buffers (Records) is written part by part: referenced above
// the zero-copy threshold, copied below, and decodes as one field either way.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Records } from '../../../src/protocol/primitives/index.ts'
import { encodeResponseFrame } from '../../../src/broker/api/dispatcher.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultFetchResponse, defaultFetchResponsePartitionData, defaultFetchResponseFetchableTopicResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { decodeResponseFrame } from '../raw-client.ts'
import { recordsBuffer } from '../../../src/protocol/primitives/index.ts'

function fetchResponse(records: Records): FetchResponse {
  const res = defaultFetchResponse()
  const topic = defaultFetchResponseFetchableTopicResponse()
  topic.topic = 't'
  const p = defaultFetchResponsePartitionData()
  p.records = records
  topic.partitions = [p]
  res.responses = [topic]
  return res
}

test('large part lists are sent as the original buffers (no copy) and decode as one records field', () => {
  const a = Buffer.alloc(40_000, 1)
  const b = Buffer.alloc(30_000, 2)
  const chunks = encodeResponseFrame(ApiKey.Fetch, 11, 7, fetchResponse([a, b]))
  assert.ok(chunks.includes(a) && chunks.includes(b), 'the part buffers themselves are in the output')
  assert.ok(chunks.every((c) => Buffer.isBuffer(c)), 'only buffers reach the socket')
  const frame = Buffer.concat(chunks)
  assert.equal(frame.readInt32BE(0), frame.length - 4)
  const decoded = decodeResponseFrame<FetchResponse>(ApiKey.Fetch, 11, frame.subarray(4))
  assert.equal(decoded.correlationId, 7)
  assert.deepEqual(decoded.body.responses[0]!.partitions[0]!.records, Buffer.concat([a, b]))
})

test('small part lists are copied into the frame; flexible versions too', () => {
  const parts = [Buffer.from('abc'), Buffer.from('defg'), Buffer.from('h')]
  const chunks = encodeResponseFrame(ApiKey.Fetch, 16, 9, fetchResponse(parts))
  const decoded = decodeResponseFrame<FetchResponse>(ApiKey.Fetch, 16, Buffer.concat(chunks).subarray(4))
  assert.equal(recordsBuffer(decoded.body.responses[0]!.partitions[0]!.records!).toString(), 'abcdefgh')
  const empty = encodeResponseFrame(ApiKey.Fetch, 11, 10, fetchResponse([]))
  assert.equal(recordsBuffer(decodeResponseFrame<FetchResponse>(ApiKey.Fetch, 11, Buffer.concat(empty).subarray(4)).body.responses[0]!.partitions[0]!.records!).length, 0)
})
