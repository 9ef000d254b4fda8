// The connection layer: typed errors for unreachable or silent brokers, version negotiation,
// pipelining many requests on one socket.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { Admin, ClientConfigError, ConnectionError, KafkaError, Producer, RequestTimeoutError, UnsupportedVersionError } from '../../src/client/index.ts'
import { Connection } from '../../src/client/net/connection.ts'
import { ApiVersionTable, clientMaxVersion } from '../../src/client/net/versions.ts'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import type { MetadataResponse } from '../../src/protocol/generated/messages/metadata.ts'
import { testBroker } from './helpers.ts'

test('an unreachable bootstrap server is a typed, retriable ConnectionError naming the address', async () => {
  const admin = new Admin({ bootstrapServers: '127.0.0.1:1', retries: 1, retryBackoffMs: 10 })
  const t0 = Date.now()
  await assert.rejects(admin.listTopics(), (err: unknown) => {
    assert.ok(err instanceof ConnectionError, String(err))
    assert.equal(err.errorName, 'CONNECTION_ERROR')
    assert.equal(err.retriable, true)
    assert.match(err.message, /127\.0\.0\.1:1/)
    return true
  })
  assert.ok(Date.now() - t0 < 5000)
  await admin.close()
  // A producer reports the same error on send, within max.block.ms.
  const producer = new Producer({ bootstrapServers: ['127.0.0.1:1'], retries: 0, maxBlockMs: 2000 })
  await assert.rejects(producer.send({ topic: 't', value: 'x' }), ConnectionError)
  await producer.close()
})

test('bad options are ClientConfigErrors', () => {
  assert.throws(() => new Admin({ bootstrapServers: 'localhost' }), ClientConfigError)
  assert.throws(() => new Admin({ bootstrapServers: [] }), ClientConfigError)
  assert.throws(() => new Producer({ bootstrapServers: 'h:1', acks: 1, idempotent: true }), ClientConfigError)
  assert.throws(() => new Producer({ bootstrapServers: 'h:1', maxInFlight: 6 }), ClientConfigError)
})

test('a broker that never answers: the request times out and the connection closes', async () => {
  const sockets: Socket[] = []
  const server = createServer((s) => sockets.push(s))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  try {
    const t0 = Date.now()
    await assert.rejects(
      Connection.open({ host: '127.0.0.1', port, clientId: 't', connectTimeoutMs: 1000, requestTimeoutMs: 200 }),
      RequestTimeoutError,
    )
    assert.ok(Date.now() - t0 < 2000)
  } finally {
    for (const s of sockets) s.destroy()
    server.close()
  }
})

test('a corrupt frame size from the broker fails the connection with a ConnectionError (read in place, nothing thrown at the socket)', async () => {
  const server = createServer((s) => s.once('data', () => s.write(Buffer.from([0xff, 0xff, 0xff, 0xfb, 0, 0, 0, 0]))))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  try {
    await assert.rejects(
      Connection.open({ host: '127.0.0.1', port, clientId: 't', connectTimeoutMs: 5000, requestTimeoutMs: 5000 }),
      (err: unknown) => err instanceof ConnectionError && /bad frame from the broker: invalid frame size -5/.test(err.message),
    )
  } finally {
    server.close()
  }
})

test('negotiation picks min(client max, broker max) and refuses APIs with no common version', () => {
  const t = new ApiVersionTable({ apiKeys: [
    { apiKey: ApiKey.Produce, minVersion: 3, maxVersion: 7 },
    { apiKey: ApiKey.Fetch, minVersion: 0, maxVersion: 99 },
    { apiKey: ApiKey.Metadata, minVersion: 50, maxVersion: 60 },
  ] })
  assert.equal(t.version(ApiKey.Produce), 7)
  assert.equal(t.version(ApiKey.Fetch), clientMaxVersion(ApiKey.Fetch))
  assert.throws(() => t.version(ApiKey.Metadata), UnsupportedVersionError)
  assert.throws(() => t.version(ApiKey.JoinGroup), UnsupportedVersionError)
})

test('broker error codes become KafkaErrors with Kafka names and the retriable flag', () => {
  const e = new KafkaError(6, { topic: 't', partition: 2 })
  assert.equal(e.errorName, 'NOT_LEADER_OR_FOLLOWER')
  assert.equal(e.retriable, true)
  assert.match(e.message, /t-2/)
  assert.equal(new KafkaError(36).retriable, false)
  assert.equal(new KafkaError(36).errorName, 'TOPIC_ALREADY_EXISTS')
})

test('many requests pipelined on one connection all get their own responses', async () => {
  const broker = await testBroker()
  const conn = await Connection.open({ host: broker.host, port: broker.port, clientId: 't', connectTimeoutMs: 5000, requestTimeoutMs: 5000 })
  try {
    const names = Array.from({ length: 200 }, (_, i) => `pipelined-${i}`)
    const all = await Promise.all(names.map((name) => conn.request<MetadataResponse>(ApiKey.Metadata, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }], allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    })))
    assert.deepEqual(all.map((r) => r.topics[0]!.name), names)
    assert.ok(all.every((r) => r.topics[0]!.errorCode === 3))
    assert.equal(conn.inFlight, 0)
  } finally {
    conn.close()
    await broker.close()
  }
})
