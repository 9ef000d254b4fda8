// Re-authentication (KIP-368) over raw connections: SaslAuthenticate v1+ tells the session lifetime
// (connections.max.reauth.ms, per listener and mechanism, bounded by an OAUTHBEARER token's
// expiry); a SaslHandshake + SaslAuthenticate on the authenticated connection re-authenticates it
// (same principal and mechanism only); a session that ended without re-authentication is closed
// at its next request; requests sent during a re-authentication wait for it (dropped if it
// fails); without a session end a second handshake stays ILLEGAL_SASL_STATE.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { SaslAuthenticateResponse } from '../../../src/protocol/generated/messages/sasl-authenticate.ts'
import type { SaslHandshakeResponse } from '../../../src/protocol/generated/messages/sasl-handshake.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { unsecuredJwt } from '../../../src/client/index.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-pw" user_bob="bob-pw";'
const plain = (user: string) => Buffer.from(`\u0000${user}\u0000${user}-pw`)
const bearer = (token: string) => Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`)

let corr = 1
async function handshake(c: RawClient, mechanism: string): Promise<SaslHandshakeResponse> {
  c.write(requestFrame(ApiKey.SaslHandshake, 1, corr++, { mechanism }))
  return decodeResponseFrame<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, await c.readFrame(10_000)).body
}
async function authenticate(c: RawClient, authBytes: Buffer): Promise<SaslAuthenticateResponse> {
  c.write(requestFrame(ApiKey.SaslAuthenticate, 2, corr++, { authBytes }))
  return decodeResponseFrame<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2, await c.readFrame(10_000)).body
}
async function metadata(c: RawClient): Promise<MetadataResponse> {
  c.write(requestFrame(ApiKey.Metadata, 9, corr++, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }))
  return decodeResponseFrame<MetadataResponse>(ApiKey.Metadata, 9, await c.readFrame(10_000)).body
}
async function login(port: number, mechanism: string, authBytes: Buffer): Promise<{ c: RawClient, res: SaslAuthenticateResponse }> {
  const c = await RawClient.connect(port)
  assert.equal((await handshake(c, mechanism)).errorCode, ErrorCode.NONE)
  return { c, res: await authenticate(c, authBytes) }
}

describe('re-authentication (KIP-368)', () => {
  let broker: SecureBroker
  before(async () => {
    broker = await startSecureBroker({
      'listeners': 'SASL_PLAINTEXT://127.0.0.1:0,SHORT://127.0.0.1:0,NOREAUTH://127.0.0.1:0',
      'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT,SHORT:SASL_PLAINTEXT,NOREAUTH:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN,OAUTHBEARER',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
      'listener.name.short.plain.sasl.jaas.config': JAAS,
      'listener.name.noreauth.plain.sasl.jaas.config': JAAS,
      'listener.name.noreauth.sasl.enabled.mechanisms': 'PLAIN',
      'connections.max.reauth.ms': '600000',
      'listener.name.short.plain.connections.max.reauth.ms': '300',
      'listener.name.noreauth.connections.max.reauth.ms': '0',
    })
  })
  after(async () => {
    await broker?.close()
  })

  it('tells the session lifetime: connections.max.reauth.ms, bounded by a token\'s expiry', async () => {
    const p = await login(broker.port('SASL_PLAINTEXT'), 'PLAIN', plain('alice'))
    p.c.destroy()
    assert.equal(p.res.errorCode, ErrorCode.NONE)
    assert.equal(p.res.sessionLifetimeMs, 600_000n)
    const o = await login(broker.port('SASL_PLAINTEXT'), 'OAUTHBEARER', bearer(unsecuredJwt({ principal: 'alice', lifeSeconds: 60 })))
    o.c.destroy()
    assert.equal(o.res.errorCode, ErrorCode.NONE, o.res.errorMessage ?? '')
    assert.ok(o.res.sessionLifetimeMs > 50_000n && o.res.sessionLifetimeMs <= 60_000n, String(o.res.sessionLifetimeMs))
    const n = await login(broker.port('NOREAUTH'), 'PLAIN', plain('alice'))
    n.c.destroy()
    assert.equal(n.res.sessionLifetimeMs, 0n)
  })

  it('re-authenticates an authenticated connection, which goes on serving', async () => {
    const { c, res } = await login(broker.port('SASL_PLAINTEXT'), 'PLAIN', plain('alice'))
    try {
      assert.equal(res.errorCode, ErrorCode.NONE)
      assert.equal((await metadata(c)).brokers.length, 1)
      assert.equal((await handshake(c, 'PLAIN')).errorCode, ErrorCode.NONE)
      const again = await authenticate(c, plain('alice'))
      assert.equal(again.errorCode, ErrorCode.NONE, again.errorMessage ?? '')
      assert.equal(again.sessionLifetimeMs, 600_000n)
      assert.equal((await metadata(c)).brokers.length, 1)
    } finally {
      c.destroy()
    }
  })

  it('refuses a re-authentication as another principal or with another mechanism, and closes', async () => {
    for (const [mechanism, bytes, message] of [
      ['PLAIN', plain('bob'), /Cannot change principals during re-authentication \(from User:alice to User:bob\)/],
      ['OAUTHBEARER', bearer(unsecuredJwt({ principal: 'alice' })), /SASL mechanism 'OAUTHBEARER' requested by client is not supported for re-authentication of mechanism 'PLAIN'/],
    ] as const) {
      const { c } = await login(broker.port('SASL_PLAINTEXT'), 'PLAIN', plain('alice'))
      try {
        assert.equal((await handshake(c, mechanism)).errorCode, ErrorCode.NONE)
        const refused = await authenticate(c, bytes)
        assert.equal(refused.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED)
        assert.match(refused.errorMessage ?? '', message)
        assert.equal(await c.closesWithin(10_000), true)
      } finally {
        c.destroy()
      }
    }
  })

  it('closes a connection whose session ended without re-authentication at its next request', async () => {
    const { c, res } = await login(broker.port('SHORT'), 'PLAIN', plain('alice'))
    try {
      assert.equal(res.sessionLifetimeMs, 300n)
      // The session is surely over after this (a lower bound, whatever the load).
      await new Promise((resolve) => setTimeout(resolve, 400))
      c.write(requestFrame(ApiKey.Metadata, 9, corr++, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }))
      assert.equal(await c.closesWithin(10_000), true)
    } finally {
      c.destroy()
    }
  })

  it('holds requests sent during a re-authentication until it succeeds, and drops them when it fails', async () => {
    const frameOf = (c: RawClient, api: number, version: number, body: unknown) => {
      const id = corr++
      c.write(requestFrame(api, version, id, body))
      return id
    }
    const metadataBody = { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }
    for (const [user, succeeds] of [['alice', true], ['bob', false]] as const) {
      const { c } = await login(broker.port('SASL_PLAINTEXT'), 'PLAIN', plain('alice'))
      try {
        assert.equal((await handshake(c, 'PLAIN')).errorCode, ErrorCode.NONE)
        const held = frameOf(c, ApiKey.Metadata, 9, metadataBody)
        await assert.rejects(c.readFrame(300), /timed out/)
        const auth = frameOf(c, ApiKey.SaslAuthenticate, 2, { authBytes: plain(user) })
        if (succeeds) {
          // Answered in order: the held request (served once the login is renewed), then the login.
          const first = decodeResponseFrame<MetadataResponse>(ApiKey.Metadata, 9, await c.readFrame(10_000))
          assert.equal(first.correlationId, held)
          assert.equal(first.body.brokers.length, 1)
          const second = decodeResponseFrame<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2, await c.readFrame(10_000))
          assert.deepEqual([second.correlationId, second.body.errorCode], [auth, ErrorCode.NONE])
        } else {
          // Not served as the old principal: only the refusal comes back, then the connection closes.
          const only = decodeResponseFrame<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2, await c.readFrame(10_000))
          assert.deepEqual([only.correlationId, only.body.errorCode], [auth, ErrorCode.SASL_AUTHENTICATION_FAILED])
          assert.equal(await c.closesWithin(5000), true)
        }
      } finally {
        c.destroy()
      }
    }
  })

  it('answers a second handshake with ILLEGAL_SASL_STATE where sessions do not end', async () => {
    const { c } = await login(broker.port('NOREAUTH'), 'PLAIN', plain('alice'))
    try {
      assert.equal((await handshake(c, 'PLAIN')).errorCode, ErrorCode.ILLEGAL_SASL_STATE)
    } finally {
      c.destroy()
    }
  })
})
