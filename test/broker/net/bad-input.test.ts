// Hostile or broken clients against a running broker: each case must end in a closed connection
// (or a Kafka error), exactly one log line, and a broker that still serves a normal client.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { connect as tlsConnect } from 'node:tls'
import { pino } from 'pino'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { defaultApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions.ts'
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions.ts'
import { RawClient, requestFrame, decodeResponseFrame } from '../raw-client.ts'

const MAX_FRAME = 4096
// Long enough that a loaded machine delaying the slow client's 150 ms timers does not make it idle.
const IDLE_MS = 1500
let broker: Broker
const lines: { level: number, msg: string }[] = []

before(async () => {
  const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s)) } })
  broker = await startBroker({
    logger: log,
    config: { 'socket.request.max.bytes': MAX_FRAME, 'connections.max.idle.ms': IDLE_MS, 'max.connections': 20 },
  })
})
after(async () => { await broker.close() })

const apiVersions = (version: number, corr: number) => requestFrame(ApiKey.ApiVersions, version, corr, defaultApiVersionsRequest())

/** A normal client still gets a correct ApiVersions answer. */
async function stillServes(): Promise<void> {
  const c = await RawClient.connect(broker.port)
  c.write(apiVersions(3, 42))
  const res = decodeResponseFrame<ApiVersionsResponse>(ApiKey.ApiVersions, 3, await c.readFrame())
  assert.equal(res.correlationId, 42)
  assert.equal(res.body.errorCode, ErrorCode.NONE)
  c.destroy()
}

/** Sends `bytes`, expects the broker to close within 2 s with one log line matching `pattern`. */
async function expectClose(bytes: Buffer, pattern: RegExp): Promise<void> {
  const before = lines.length
  const c = await RawClient.connect(broker.port)
  c.write(bytes)
  assert.equal(await c.closesWithin(2000), true, 'broker should close the connection')
  await new Promise((r) => setTimeout(r, 20))
  const mine = lines.slice(before).filter((l) => /closing connection/.test(l.msg))
  assert.equal(mine.length, 1, JSON.stringify(lines.slice(before)))
  assert.match(mine[0].msg, pattern)
  await stillServes()
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n, 0)
  return b
}

test('frame larger than socket.request.max.bytes', () => expectClose(int32(MAX_FRAME + 1), /exceeds socket\.request\.max\.bytes/))

test('absurd frame size', () => expectClose(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), /exceeds socket\.request\.max\.bytes/))

test('negative frame size', () => expectClose(int32(-2), /negative frame size/))

test('garbage bytes that happen to form a small frame', () =>
  expectClose(Buffer.from('\x00\x00\x00\x0cGET / HTTP/1.1\r\n'), /unknown api key|not served|cannot decode/))

test('HTTP request line (size prefix "GET ")', () =>
  expectClose(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /exceeds.*looks like an HTTP client/))

test('a real TLS client on the plaintext port: one line that says it looks like a TLS client', async () => {
  const before = lines.length
  const socket = tlsConnect({ host: '127.0.0.1', port: broker.port, rejectUnauthorized: false })
  // The broker closes the connection in the middle of the handshake.
  await new Promise<void>((resolve) => {
    socket.once('error', () => resolve())
    socket.once('close', () => resolve())
  })
  socket.destroy()
  await new Promise((r) => setTimeout(r, 20))
  const mine = lines.slice(before).filter((l) => /closing connection/.test(l.msg))
  assert.equal(mine.length, 1, JSON.stringify(lines.slice(before)))
  assert.match(mine[0].msg, /looks like a TLS client: this listener is PLAINTEXT or SASL_PLAINTEXT; TLS clients connect to an SSL or SASL_SSL listener/)
  await stillServes()
})

test('frame too short for a request header', () => expectClose(Buffer.concat([int32(3), Buffer.from([0, 18, 0])]), /too short/))

test('unknown api key', () => {
  const f = apiVersions(0, 1)
  f.writeInt16BE(999, 4)
  return expectClose(f, /unknown api key 999/)
})

test('negative api key', () => {
  const f = apiVersions(0, 1)
  f.writeInt16BE(-1, 4)
  return expectClose(f, /unknown api key -1/)
})

test('known api that no handler serves', () => {
  const f = apiVersions(0, 1)
  f.writeInt16BE(ApiKey.AlterReplicaLogDirs, 4)
  return expectClose(f, /AlterReplicaLogDirs.*not served/)
})

test('negative ApiVersions version', () => {
  const f = apiVersions(0, 1)
  f.writeInt16BE(-3, 6)
  return expectClose(f, /ApiVersions v-3 is not supported/)
})

test('body truncated inside a field (compact string longer than the frame)', () => {
  const body = defaultApiVersionsRequest()
  body.clientSoftwareName = 'abcdefgh'
  const f = requestFrame(ApiKey.ApiVersions, 3, 1, body)
  const cut = f.subarray(0, f.length - 6)
  cut.writeInt32BE(cut.length - 4, 0)
  return expectClose(cut, /cannot decode ApiVersions v3/)
})

test('truncated frame then half-close: the broker closes too, without a response', async () => {
  const c = await RawClient.connect(broker.port)
  const f = apiVersions(0, 1)
  c.write(f.subarray(0, f.length - 2))
  c.socket.end()
  assert.equal(await c.closesWithin(2000), true)
  await assert.rejects(c.readFrame(100), /connection closed/)
  await stillServes()
})

test('idle client is closed after connections.max.idle.ms, with one log line', async () => {
  const before = lines.length
  const c = await RawClient.connect(broker.port)
  assert.equal(await c.closesWithin(IDLE_MS * 5), true)
  await new Promise((r) => setTimeout(r, 20))
  const mine = lines.slice(before).filter((l) => /idle/.test(l.msg))
  assert.equal(mine.length, 1)
  await stillServes()
})

test('slow client (one byte every 150 ms) is answered, and others are served meanwhile', async () => {
  const slow = await RawClient.connect(broker.port)
  const frame = apiVersions(0, 77)
  const sending = (async () => {
    for (let i = 0; i < frame.length; i++) {
      slow.write(frame.subarray(i, i + 1))
      await new Promise((r) => setTimeout(r, 150))
    }
  })()
  await new Promise((r) => setTimeout(r, 400))
  await stillServes()
  await sending
  const res = decodeResponseFrame<ApiVersionsResponse>(ApiKey.ApiVersions, 0, await slow.readFrame())
  assert.equal(res.correlationId, 77)
  slow.destroy()
})

test('max.connections: connections beyond the limit wait to be accepted, others unaffected', async () => {
  const open: RawClient[] = []
  for (let i = 0; i < 20; i++) open.push(await RawClient.connect(broker.port))
  const extra = await RawClient.connect(broker.port)
  extra.write(apiVersions(0, 6))
  await assert.rejects(extra.readFrame(300), /timed out/)
  open[0].write(apiVersions(0, 5))
  assert.equal((await open[0].readFrame()).readInt32BE(0), 5)
  // One closes: the waiting one is accepted and answered.
  open.pop()!.destroy()
  assert.equal((await extra.readFrame()).readInt32BE(0), 6)
  open.push(extra)
  for (const c of open) c.destroy()
  await Promise.all(open.map((c) => c.closed))
  await new Promise((r) => setTimeout(r, 50))
  await stillServes()
})

test('a flood of pipelined requests is answered completely and in order', async () => {
  const c = await RawClient.connect(broker.port)
  const n = 3000
  c.write(Buffer.concat(Array.from({ length: n }, (_, i) => apiVersions(i % 4, i))))
  for (let i = 0; i < n; i++) assert.equal((await c.readFrame()).readInt32BE(0), i)
  c.destroy()
})
