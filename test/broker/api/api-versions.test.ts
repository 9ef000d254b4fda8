import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { defaultApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions.ts'
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions.ts'
import { BUILTIN_HANDLERS } from '../../../src/broker/api/handlers.ts'
import { RawClient, requestFrame, decodeResponseFrame } from '../raw-client.ts'

let broker: Broker
before(async () => { broker = await startBroker() })
after(async () => { await broker.close() })

function request(version: number, correlationId: number): Buffer {
  const body = defaultApiVersionsRequest()
  body.clientSoftwareName = 'samsa-test'
  body.clientSoftwareVersion = '1.0'
  return requestFrame(ApiKey.ApiVersions, version, correlationId, body)
}

test('every version 0-5 answers with the registered handlers, in key order, with the right correlation id', async () => {
  const c = await RawClient.connect(broker.port)
  for (let v = 0; v <= 5; v++) {
    c.write(request(v, 100 + v))
    const frame = await c.readFrame()
    // Response header v0 for every version, v3+ included: correlation id, then the error code directly.
    assert.equal(frame.readInt32BE(0), 100 + v)
    assert.equal(frame.readInt16BE(4), 0)
    const { correlationId, body } = decodeResponseFrame<ApiVersionsResponse>(ApiKey.ApiVersions, v, frame)
    assert.equal(correlationId, 100 + v)
    assert.equal(body.errorCode, ErrorCode.NONE)
    const advertised = body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion])
    const expected = [...BUILTIN_HANDLERS].sort((a, b) => a.apiKey - b.apiKey).map((h) => [h.apiKey, h.minVersion, h.maxVersion])
    assert.deepEqual(advertised, expected)
    assert.ok(advertised.some(([k, lo, hi]) => k === ApiKey.ApiVersions && lo === 0 && hi === 5))
    if (v >= 3) {
      // A single node finalizes transaction version 2 (KIP-890 part 2), the Java producer's switch.
      assert.deepEqual(body.finalizedFeatures.map((f) => [f.name, f.minVersionLevel, f.maxVersionLevel]), [['transaction.version', 2, 2]])
      assert.deepEqual(body.supportedFeatures.map((f) => [f.name, f.minVersion, f.maxVersion]), [['transaction.version', 0, 2]])
      assert.ok(body.finalizedFeaturesEpoch >= 0n)
    }
  }
  c.destroy()
})

test('pipelined requests are answered in order', async () => {
  const c = await RawClient.connect(broker.port)
  c.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => request(i % 5, i))))
  for (let i = 0; i < 50; i++) assert.equal((await c.readFrame()).readInt32BE(0), i)
  c.destroy()
})

test('KIP-511: a too-new ApiVersions gets UNSUPPORTED_VERSION in a v0 body with our range, and the connection stays usable', async () => {
  const c = await RawClient.connect(broker.port)
  const frame = request(4, 7)
  frame.writeInt16BE(9, 6) // claim v9: header and body of an unknown future version
  c.write(frame)
  const res = decodeResponseFrame<ApiVersionsResponse>(ApiKey.ApiVersions, 0, await c.readFrame())
  assert.equal(res.correlationId, 7)
  assert.equal(res.body.errorCode, ErrorCode.UNSUPPORTED_VERSION)
  assert.deepEqual(res.body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[ApiKey.ApiVersions, 0, 5]])
  // librdkafka / kafkajs then retry lower on the same connection.
  c.write(request(3, 8))
  const retry = decodeResponseFrame<ApiVersionsResponse>(ApiKey.ApiVersions, 3, await c.readFrame())
  assert.equal(retry.correlationId, 8)
  assert.equal(retry.body.errorCode, ErrorCode.NONE)
  c.destroy()
})

test('v3 accepts any client software name and version', async () => {
  const c = await RawClient.connect(broker.port)
  const body = defaultApiVersionsRequest()
  body.clientSoftwareName = '@platformatic/kafka'
  body.clientSoftwareVersion = ''
  c.write(requestFrame(ApiKey.ApiVersions, 3, 1, body))
  const res = decodeResponseFrame<ApiVersionsResponse>(ApiKey.ApiVersions, 3, await c.readFrame())
  assert.equal(res.body.errorCode, ErrorCode.NONE)
  c.destroy()
})
