import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RecordsChain, expandChains } from '../../../src/broker/api/records-chain.ts'
import { encodeResponseFrame } from '../../../src/broker/api/dispatcher.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultFetchResponse, defaultFetchResponsePartitionData, defaultFetchResponseFetchableTopicResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { decodeResponseFrame } from '../raw-client.ts'

function fetchResponse(records: Buffer): FetchResponse {
  const res = defaultFetchResponse()
  const topic = defaultFetchResponseFetchableTopicResponse()
  topic.topic = 't'
  const p = defaultFetchResponsePartitionData()
  p.records = records
  topic.partitions = [p]
  res.responses = [topic]
  return res
}

test('large chains are sent as the original buffers (no copy) and decode as one records field', () => {
  const a = Buffer.alloc(40_000, 1)
  const b = Buffer.alloc(30_000, 2)
  const chunks = encodeResponseFrame(ApiKey.Fetch, 11, 7, fetchResponse(RecordsChain.of([a, b])))
  assert.ok(chunks.includes(a) && chunks.includes(b), 'the part buffers themselves are in the output')
  assert.ok(chunks.every((c) => Buffer.isBuffer(c)), 'no RecordsChain reaches the socket')
  const frame = Buffer.concat(chunks)
  assert.equal(frame.readInt32BE(0), frame.length - 4)
  const decoded = decodeResponseFrame<FetchResponse>(ApiKey.Fetch, 11, frame.subarray(4))
  assert.equal(decoded.correlationId, 7)
  assert.deepEqual(decoded.body.responses[0]!.partitions[0]!.records, Buffer.concat([a, b]))
})

test('small chains are copied into the frame; flexible versions too', () => {
  const parts = [Buffer.from('abc'), Buffer.from('defg'), Buffer.from('h')]
  const chunks = encodeResponseFrame(ApiKey.Fetch, 16, 9, fetchResponse(RecordsChain.of(parts)))
  const decoded = decodeResponseFrame<FetchResponse>(ApiKey.Fetch, 16, Buffer.concat(chunks).subarray(4))
  assert.equal(decoded.body.responses[0]!.partitions[0]!.records!.toString(), 'abcdefgh')
  // One part needs no chain at all; expandChains leaves plain chunk lists alone.
  const one = Buffer.from('x')
  assert.equal(RecordsChain.of([one]), one)
  const plain = [Buffer.from('a'), Buffer.from('b')]
  assert.equal(expandChains(plain), plain)
})
