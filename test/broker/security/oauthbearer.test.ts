// SASL/OAUTHBEARER with unsecured tokens (Kafka's default validator): kcat's built-in unsecured JWT,
// KafkaJS and @platformatic/kafka with a token made here; expired, signed-looking and scope-less
// tokens refused; the validator's JAAS options (principal claim, required scope) applied.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Producer, stringSerializers } from '@platformatic/kafka'
import { validateUnsecuredJws, unsecuredJwsOptions } from '../../../src/broker/security/sasl/oauthbearer.ts'
import { runKcat, runProcess } from '../../helpers/run.ts'
import { requireTool } from '../../helpers/tools.ts'
import { runKafkaJs } from '../../helpers/kafkajs.ts'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

function unsecuredToken(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'none' }): string {
  const part = (o: Record<string, unknown>) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part(header)}.${part(claims)}.`
}

const now = () => Math.floor(Date.now() / 1000)

describe('unsecured JWS validation', () => {
  const opts = unsecuredJwsOptions(new Map([['unsecuredValidatorRequiredScope', 'kafka']]))
  const t = Date.now()
  it('accepts a live token with the required scope and names its subject', () => {
    const exp = now() + 60
    assert.deepEqual(validateUnsecuredJws(unsecuredToken({ sub: 'svc', exp, scope: 'kafka other' }), opts, t), { principal: 'svc', expiresAtMs: exp * 1000 })
  })
  it('refuses expired, signed, subject-less and scope-less tokens, and garbage', () => {
    const cases: [string, RegExp][] = [
      [unsecuredToken({ sub: 'svc', exp: now() - 1, scope: 'kafka' }), /expired/],
      [unsecuredToken({ sub: 'svc', exp: now() + 60, scope: 'kafka' }, { alg: 'RS256' }), /alg must be "none"/],
      [unsecuredToken({ exp: now() + 60, scope: 'kafka' }), /no sub claim/],
      [unsecuredToken({ sub: 'svc', exp: now() + 60 }), /lacks the required scope kafka/],
      [unsecuredToken({ sub: 'svc', scope: 'kafka' }), /no numeric exp/],
      ['a.b', /not an unsecured JWS/],
      ['%%%.%%%.', /not valid base64url JSON/],
    ]
    for (const [token, why] of cases) {
      const r = validateUnsecuredJws(token, opts, t)
      assert.ok('error' in r, token)
      assert.match(r.error, why)
    }
  })
})

describe('OAUTHBEARER with real clients', () => {
  let broker: SecureBroker
  before(async () => {
    broker = await startSecureBroker({
      'listeners': 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorAllowableClockSkewMs="1000";',
    })
  })
  after(async () => {
    await broker?.close()
  })

  it('kcat with librdkafka\'s unsecured JWT produces and consumes', async () => {
    const args = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=OAUTHBEARER', '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true',
      '-X', 'sasl.oauthbearer.config=principal=admin']
    await runKcat(broker.bootstrap('SASL_PLAINTEXT'), [...args, '-P', '-t', 'oauth-kcat', '-p', '0'], { input: 'x\ny\n', timeoutMs: 15_000 })
    const got = await runKcat(broker.bootstrap('SASL_PLAINTEXT'), [...args, '-C', '-t', 'oauth-kcat', '-p', '0', '-e', '-q', '-o', 'beginning'], { timeoutMs: 15_000 })
    assert.deepEqual(got.stdout.split('\n').filter(Boolean), ['x', 'y'])
  })

  it('KafkaJS with a token from its provider; an expired token is refused', async () => {
    const config = (exp: number) => ({ sasl: { mechanism: 'oauthbearer' as const, oauthBearerProvider: async () => ({ value: unsecuredToken({ sub: 'kjs', exp, iat: now() }) }) } })
    const { value } = await runKafkaJs([broker.bootstrap('SASL_PLAINTEXT')], async (kafka) => {
      const admin = kafka.admin()
      await admin.connect()
      try {
        await admin.createTopics({ topics: [{ topic: 'oauth-kjs', numPartitions: 2 }] })
        return (await admin.fetchTopicMetadata({ topics: ['oauth-kjs'] })).topics[0].partitions.length
      } finally {
        await admin.disconnect()
      }
    }, { timeoutMs: 15_000, config: config(now() + 300) })
    assert.equal(value, 2)
    await assert.rejects(runKafkaJs([broker.bootstrap('SASL_PLAINTEXT')], async (kafka) => {
      const admin = kafka.admin()
      try {
        await admin.connect()
      } finally {
        await admin.disconnect()
      }
    }, { timeoutMs: 15_000, config: { ...config(now() - 3600), retry: { retries: 0 } } }), /expired|SASL|Authentication/i)
  })

  it('@platformatic/kafka with a token', async () => {
    const producer = new Producer({
      clientId: 'samsa-oauth', bootstrapBrokers: [broker.bootstrap('SASL_PLAINTEXT')], retries: 1, serializers: stringSerializers, autocreateTopics: true,
      sasl: { mechanism: 'OAUTHBEARER', token: unsecuredToken({ sub: 'plt', exp: now() + 300 }) },
    })
    try {
      const res = await producer.send({ messages: [{ topic: 'oauth-plt', value: 'v', partition: 0 }] })
      assert.equal(res.offsets?.[0]?.offset, 0n)
    } finally {
      await producer.close()
    }
  })

  it('kcat with a principal-less unsecured JWT is refused', async () => {
    const r = await runProcess(requireTool('kcat'), ['-b', broker.bootstrap('SASL_PLAINTEXT'), '-X', 'security.protocol=SASL_PLAINTEXT',
      '-X', 'sasl.mechanisms=OAUTHBEARER', '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', 'sasl.oauthbearer.config=principal=admin principalClaimName=who',
      '-L', '-m', '2'], { timeoutMs: 15_000 })
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /no sub claim/)
  })
})
