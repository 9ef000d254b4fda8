// OAUTHBEARER with Kafka's OAuthBearerValidatorCallbackHandler (KIP-768): tokens signed with keys
// made in the test, a local HTTP server for the JWKS (and a file:// JWKS on a second listener).
// A good token logs in as its sub (an ACL-guarded request tells which principal it got); a bad
// signature, a wrong issuer, a wrong audience, an expired token and an unsigned one are refused
// with SASL_AUTHENTICATION_FAILED and the connection closes; a token signed with a key the set
// gets later (new kid) is accepted after the refresh it triggers. samsa/client's token callback
// and KafkaJS's oauthBearerProvider log in with such tokens; the start is refused without an
// expected issuer.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { once } from 'node:events'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { SaslAuthenticateResponse } from '../../../src/protocol/generated/messages/sasl-authenticate.ts'
import type { DescribeAclsResponse } from '../../../src/protocol/generated/messages/describe-acls.ts'
import { Admin } from '../../../src/client/index.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { runKafkaJs } from '../../helpers/kafkajs.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

const ISSUER = 'https://idp.example.com'
const AUDIENCE = 'samsa-cluster'
const HANDLER = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler'

interface Key { kid: string, privateKey: CryptoKey, jwk: JWK }

async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  return { kid, privateKey, jwk: { ...await exportJWK(publicKey), kid, alg: 'RS256', use: 'sig' } }
}

const nowS = () => Math.floor(Date.now() / 1000)

function sign(key: Key, claims: Record<string, unknown>, opts: { iss?: string, aud?: string, exp?: number, iat?: number } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(opts.iss ?? ISSUER).setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt(opts.iat ?? nowS()).setExpirationTime(opts.exp ?? nowS() + 600).sign(key.privateKey)
}

const clientResponse = (token: string) => Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`)

/** SaslHandshake v1 + SaslAuthenticate v2 with `token`; the connection is the caller's. */
async function login(port: number, token: string): Promise<{ c: RawClient, res: SaslAuthenticateResponse }> {
  const c = await RawClient.connect(port)
  c.write(requestFrame(ApiKey.SaslHandshake, 1, 1, { mechanism: 'OAUTHBEARER' }))
  await c.readFrame()
  c.write(requestFrame(ApiKey.SaslAuthenticate, 2, 2, { authBytes: clientResponse(token) }))
  return { c, res: decodeResponseFrame<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, 2, await c.readFrame(10_000)).body }
}

const describeAcls = async (c: RawClient) => {
  c.write(requestFrame(ApiKey.DescribeAcls, 3, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }))
  return decodeResponseFrame<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, await c.readFrame()).body
}

describe('OAUTHBEARER with signed JWTs against a JWKS (KIP-768)', () => {
  let k1: Key, k2: Key, stranger: Key
  let served: JWK[]
  let jwksHits = 0
  let jwksServer: Server
  let broker: SecureBroker
  let dir: string

  before(async () => {
    [k1, k2, stranger] = await Promise.all([makeKey('k1'), makeKey('k2'), makeKey('k1')])
    served = [k1.jwk]
    jwksServer = createServer((_req, res) => {
      jwksHits++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: served }))
    })
    jwksServer.listen(0, '127.0.0.1')
    await once(jwksServer, 'listening')
    dir = makeTempDir('samsa-jwks-')
    const file = join(dir, 'jwks.json')
    writeFileSync(file, JSON.stringify({ keys: [k2.jwk] }))
    const url = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks`
    broker = await startSecureBroker({
      'listeners': 'SASL_PLAINTEXT://127.0.0.1:0,FILEJWKS://127.0.0.1:0',
      'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT,FILEJWKS:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': HANDLER,
      'listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': url,
      'listener.name.filejwks.oauthbearer.sasl.server.callback.handler.class': HANDLER,
      'listener.name.filejwks.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': pathToFileURL(file).href,
      'sasl.oauthbearer.expected.issuer': ISSUER,
      'sasl.oauthbearer.expected.audience': `other,${AUDIENCE}`,
      'sasl.oauthbearer.clock.skew.seconds': '5',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:alice',
      'num.partitions': '1',
    })
  })
  after(async () => {
    await broker?.close()
    jwksServer?.close()
    if (dir) removeTempDir(dir)
  })

  it('logs a good token in as its sub', async () => {
    for (const [user, code] of [['alice', ErrorCode.NONE], ['bob', ErrorCode.CLUSTER_AUTHORIZATION_FAILED]] as const) {
      const { c, res } = await login(broker.port('SASL_PLAINTEXT'), await sign(k1, { sub: user, scope: 'kafka' }))
      try {
        assert.equal(res.errorCode, ErrorCode.NONE, res.errorMessage ?? '')
        assert.equal((await describeAcls(c)).errorCode, code, user)
      } finally {
        c.destroy()
      }
    }
  })

  it('refuses a bad signature, wrong issuer or audience, an expired or unsigned token, and closes the connection', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', exp: nowS() + 60, iat: nowS(), iss: ISSUER, aud: AUDIENCE })).toString('base64url')}.`
    const cases: [string, string, RegExp][] = [
      ['bad signature', await sign(stranger, { sub: 'alice' }), /signature/],
      ['wrong issuer', await sign(k1, { sub: 'alice' }, { iss: 'https://evil.example.com' }), /iss/],
      ['wrong audience', await sign(k1, { sub: 'alice' }, { aud: 'another-cluster' }), /aud/],
      ['expired', await sign(k1, { sub: 'alice' }, { iat: nowS() - 600, exp: nowS() - 60 }), /expired/],
      ['no sub', await sign(k1, {}), /sub/],
      ['unsigned', unsigned, /Could not validate/],
    ]
    for (const [what, token, message] of cases) {
      const { c, res } = await login(broker.port('SASL_PLAINTEXT'), token)
      try {
        assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, what)
        assert.match(res.errorMessage ?? '', /^Authentication failed: /, what)
        assert.match(res.errorMessage ?? '', message, what)
        assert.equal(await c.closesWithin(10_000), true, what)
      } finally {
        c.destroy()
      }
    }
  })

  it('refreshes the JWKS when a token names a key id it lacks', async () => {
    const before = jwksHits
    served = [k1.jwk, k2.jwk]
    const { c, res } = await login(broker.port('SASL_PLAINTEXT'), await sign(k2, { sub: 'alice' }))
    c.destroy()
    assert.equal(res.errorCode, ErrorCode.NONE, res.errorMessage ?? '')
    assert.equal(jwksHits, before + 1)
  })

  it('reads a file:// JWKS', async () => {
    const good = await login(broker.port('FILEJWKS'), await sign(k2, { sub: 'alice' }))
    good.c.destroy()
    assert.equal(good.res.errorCode, ErrorCode.NONE, good.res.errorMessage ?? '')
    const other = await login(broker.port('FILEJWKS'), await sign(k1, { sub: 'alice' }))
    other.c.destroy()
    assert.equal(other.res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED)
  })

  it('samsa/client\'s token callback and KafkaJS\'s oauthBearerProvider log in', async () => {
    const admin = new Admin({ bootstrapServers: broker.bootstrap('SASL_PLAINTEXT'), retries: 1,
      sasl: { mechanism: 'OAUTHBEARER', token: () => sign(k1, { sub: 'alice' }) } })
    try {
      await admin.createTopics([{ topic: 'jwt-topic', numPartitions: 1 }])
      assert.ok((await admin.listTopics()).includes('jwt-topic'))
    } finally {
      await admin.close()
    }
    const { value } = await runKafkaJs([broker.bootstrap('SASL_PLAINTEXT')], async (kafka) => {
      const a = kafka.admin()
      await a.connect()
      try {
        return await a.listTopics()
      } finally {
        await a.disconnect()
      }
    }, { timeoutMs: 20_000, config: { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await sign(k1, { sub: 'alice' }) }) } } })
    assert.ok(value.includes('jwt-topic'))
  })

  it('refuses to start without an expected issuer or audience (unless allowed), or with another handler', async () => {
    const base = {
      'listeners': 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': HANDLER,
      'listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': 'http://127.0.0.1:9/jwks',
    }
    await assert.rejects(startSecureBroker({ ...base, 'sasl.oauthbearer.expected.audience': AUDIENCE }), /sasl\.oauthbearer\.expected\.issuer: /)
    await assert.rejects(startSecureBroker({ ...base, 'sasl.oauthbearer.expected.issuer': ISSUER }), /sasl\.oauthbearer\.expected\.audience: /)
    await assert.rejects(startSecureBroker({ ...base, 'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': 'com.example.Mine' }),
      /sasl\.server\.callback\.handler\.class: com\.example\.Mine is not served/)
  })
})
