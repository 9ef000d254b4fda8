// The SASL request path at the byte level: what passes before authentication, Kafka's error codes
// for exchanges out of order, failed logins answered after the delay and then closed, garbage in
// either framing (SaslAuthenticate or bare tokens after SaslHandshake v0), and SCRAM credential
// administration (AlterUserScramCredentials / DescribeUserScramCredentials). Through all of it the
// broker keeps serving an authenticated client.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { SaslHandshakeResponse } from '../../../src/protocol/generated/messages/sasl-handshake.ts'
import type { SaslAuthenticateResponse } from '../../../src/protocol/generated/messages/sasl-authenticate.ts'
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import type { DescribeUserScramCredentialsResponse } from '../../../src/protocol/generated/messages/describe-user-scram-credentials.ts'
import { pino } from 'pino'
import { Writable } from 'node:stream'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'
import { alterScram, upsertion } from './scram-admin.ts'

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";'
const DELAY_MS = 300

async function call<T>(c: RawClient, apiKey: number, version: number, body: unknown, corr = 1): Promise<T> {
  c.write(requestFrame(apiKey, version, corr, body))
  return decodeResponseFrame<T>(apiKey, version, await c.readFrame()).body
}

const handshake = (c: RawClient, mechanism: string, version = 1) => call<SaslHandshakeResponse>(c, ApiKey.SaslHandshake, version, { mechanism })
const authenticate = (c: RawClient, bytes: string | Buffer) =>
  call<SaslAuthenticateResponse>(c, ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8') })
const metadata = (c: RawClient) => call<MetadataResponse>(c, ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })

function rawToken(bytes: Buffer): Buffer {
  const size = Buffer.alloc(4)
  size.writeInt32BE(bytes.length)
  return Buffer.concat([size, bytes])
}

describe('SASL request path', () => {
  let broker: SecureBroker
  let alice: RawClient
  const lines: string[] = []
  const log = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() } }))
  before(async () => {
    broker = await startSecureBroker({
      'listeners': 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'connection.failed.authentication.delay.ms': String(DELAY_MS),
    }, log)
    // An authenticated client that must stay served throughout.
    alice = await RawClient.connect(broker.port('SASL_PLAINTEXT'))
    assert.equal((await handshake(alice, 'PLAIN')).errorCode, 0)
    assert.equal((await authenticate(alice, '\u0000alice\u0000alice-secret')).errorCode, 0)
  })
  after(async () => {
    alice?.destroy()
    await broker?.close()
  })

  const sasl = () => RawClient.connect(broker.port('SASL_PLAINTEXT'))

  it('accepts ApiVersions before authentication and closes the connection on any other request', async () => {
    const c = await sasl()
    const versions = await call<ApiVersionsResponse>(c, ApiKey.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' })
    assert.ok(versions.apiKeys.some((k) => k.apiKey === ApiKey.SaslAuthenticate && k.maxVersion === 2))
    c.write(requestFrame(ApiKey.Metadata, 9, 2, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }))
    assert.equal(await c.closesWithin(10_000), true)
  })

  it('offers the listener\'s mechanisms; an unknown one is UNSUPPORTED_SASL_MECHANISM, then the connection closes', async () => {
    const c = await sasl()
    const res = await handshake(c, 'GSSAPI')
    assert.equal(res.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM)
    assert.deepEqual(res.mechanisms, ['PLAIN', 'SCRAM-SHA-256'])
    assert.equal(await c.closesWithin(10_000), true)
  })

  it('answers SaslAuthenticate before SaslHandshake with ILLEGAL_SASL_STATE and closes', async () => {
    const c = await sasl()
    assert.equal((await authenticate(c, 'x')).errorCode, ErrorCode.ILLEGAL_SASL_STATE)
    assert.equal(await c.closesWithin(10_000), true)
  })

  it('answers a wrong password with SASL_AUTHENTICATION_FAILED after the delay and one log line, then closes', async () => {
    const before = lines.length
    const c = await sasl()
    await handshake(c, 'PLAIN')
    const t0 = performance.now()
    const res = await authenticate(c, '\u0000alice\u0000wrong')
    assert.ok(performance.now() - t0 >= DELAY_MS - 20, 'answered before connection.failed.authentication.delay.ms')
    assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED)
    assert.equal(res.errorMessage, 'Authentication failed: Invalid username or password')
    assert.equal(await c.closesWithin(10_000), true)
    const logged = lines.slice(before).map((l) => JSON.parse(l) as { msg: string, level: number })
    assert.deepEqual(logged.map((l) => l.msg.replace(/\d+\.\d+\.\d+\.\d+:\d+/, 'REMOTE')),
      ['failed authentication with REMOTE: Authentication failed: Invalid username or password'])
    // A warning: `samsa start` logs warnings only by default, and the line must show there.
    assert.equal(logged[0].level, 40)
  })

  it('many parallel wrong passwords log one line per user and reason (the rest go to a summary), each still refused and closed', async () => {
    const before = lines.length
    const attempt = async (user: string) => {
      const c = await sasl()
      await handshake(c, 'PLAIN')
      const res = await authenticate(c, `\u0000${user}\u0000guess`)
      assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED)
      assert.equal(await c.closesWithin(10_000), true)
    }
    await Promise.all([...Array.from({ length: 12 }, () => attempt('mallory')), ...Array.from({ length: 4 }, () => attempt('eve'))])
    const logged = lines.slice(before).map((l) => JSON.parse(l) as { msg: string, user?: string, reason?: string })
      .filter((l) => l.msg.startsWith('failed authentication with'))
    assert.deepEqual(logged.map((l) => l.user).sort(), ['eve', 'mallory'])
    assert.ok(logged.every((l) => l.reason === 'Authentication failed: Invalid username or password'))
  })

  it('refuses garbage in a SCRAM exchange (SaslAuthenticate) and in bare tokens after SaslHandshake v0', async () => {
    const c = await sasl()
    await handshake(c, 'SCRAM-SHA-256')
    const res = await authenticate(c, Buffer.from([0xff, 0x00, 0x13, 0x37]))
    assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED)
    assert.match(res.errorMessage ?? '', /Invalid SCRAM message/)
    assert.equal(await c.closesWithin(10_000), true)
    const raw = await sasl()
    assert.equal((await handshake(raw, 'SCRAM-SHA-256', 0)).errorCode, 0)
    raw.write(rawToken(Buffer.from('not scram at all')))
    assert.equal(await raw.closesWithin(10_000), true)
  })

  it('authenticates PLAIN with bare tokens after SaslHandshake v0 (an empty token answers success)', async () => {
    const c = await sasl()
    try {
      assert.equal((await handshake(c, 'PLAIN', 0)).errorCode, 0)
      c.write(rawToken(Buffer.from('alice\u0000alice\u0000alice-secret')))
      assert.equal((await c.readFrame()).length, 0)
      assert.equal((await metadata(c)).brokers[0].port, broker.port('SASL_PLAINTEXT'))
      // Authenticated: another handshake is out of place but keeps the connection.
      assert.equal((await handshake(c, 'PLAIN')).errorCode, ErrorCode.ILLEGAL_SASL_STATE)
      assert.equal((await metadata(c)).brokers.length, 1)
    } finally {
      c.destroy()
    }
  })

  it('refuses an oversized request before authentication', async () => {
    const c = await sasl()
    c.write(requestFrame(ApiKey.SaslAuthenticate, 2, 1, { authBytes: Buffer.alloc(600_000) }))
    assert.equal(await c.closesWithin(10_000), true)
  })

  it('answers SaslHandshake on a plaintext listener with ILLEGAL_SASL_STATE and keeps serving', async () => {
    const c = await RawClient.connect(broker.port('PLAINTEXT'))
    try {
      assert.equal((await handshake(c, 'PLAIN')).errorCode, ErrorCode.ILLEGAL_SASL_STATE)
      assert.equal((await metadata(c)).brokers.length, 1)
    } finally {
      c.destroy()
    }
  })

  it('manages SCRAM credentials: upsert, describe, errors per user, delete', async () => {
    const c = await RawClient.connect(broker.port('PLAINTEXT'))
    try {
      const res = await alterScram(c, {
        deletions: [{ name: 'ghost', mechanism: 1 }],
        upsertions: [upsertion('erin', 'pw', 'SCRAM-SHA-256', 8192), upsertion('erin', 'pw', 'SCRAM-SHA-512'), upsertion('', 'pw', 'SCRAM-SHA-256'),
          upsertion('few', 'pw', 'SCRAM-SHA-256', 1000), { ...upsertion('odd', 'pw', 'SCRAM-SHA-256'), mechanism: 9 }],
      })
      const byUser = Object.fromEntries(res.results.map((r) => [r.user, r.errorCode]))
      assert.deepEqual(byUser, { ghost: ErrorCode.RESOURCE_NOT_FOUND, erin: 0, '': ErrorCode.UNACCEPTABLE_CREDENTIAL,
        few: ErrorCode.UNACCEPTABLE_CREDENTIAL, odd: ErrorCode.UNSUPPORTED_SASL_MECHANISM })
      const described = await call<DescribeUserScramCredentialsResponse>(c, ApiKey.DescribeUserScramCredentials, 0, { users: [{ name: 'erin' }, { name: 'nobody' }] })
      assert.deepEqual(described.results.map((r) => [r.user, r.errorCode, r.credentialInfos.map((i) => [i.mechanism, i.iterations])]),
        [['erin', 0, [[1, 8192], [2, 4096]]], ['nobody', ErrorCode.RESOURCE_NOT_FOUND, []]])
      const dup = await alterScram(c, { deletions: [{ name: 'erin', mechanism: 1 }], upsertions: [upsertion('erin', 'pw2', 'SCRAM-SHA-256')] })
      assert.equal(dup.results[0].errorCode, ErrorCode.DUPLICATE_RESOURCE)
      const del = await alterScram(c, { deletions: [{ name: 'erin', mechanism: 2 }], upsertions: [] })
      assert.equal(del.results[0].errorCode, 0)
      const after = await call<DescribeUserScramCredentialsResponse>(c, ApiKey.DescribeUserScramCredentials, 0, { users: null })
      assert.deepEqual(after.results.map((r) => [r.user, r.credentialInfos.map((i) => i.mechanism)]), [['erin', [1]]])
    } finally {
      c.destroy()
    }
  })

  it('kept serving the authenticated client through all of the above', async () => {
    assert.equal((await metadata(alice)).brokers[0].port, broker.port('SASL_PLAINTEXT'))
  })
})
