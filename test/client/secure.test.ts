// samsa/client against a secured Samsa broker: TLS with SASL PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
// (the SCRAM user created through the client's own admin) and OAUTHBEARER (a token provider called
// per connection); produce and consume over SASL_SSL; a wrong password and an unknown user refused
// with Kafka's error; and the CLI reaching the broker through --command-config (SCRAM over TLS) and
// -X (OAUTHBEARER with librdkafka's sasl.oauthbearer.config).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Admin, Consumer, KafkaError, Producer, unsecuredJwt } from '../../src/client/index.ts'
import type { ClientOptions } from '../../src/client/index.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { startSecureBroker } from '../broker/security/secure-broker.ts'
import type { SecureBroker } from '../broker/security/secure-broker.ts'
import { makeTestCerts } from '../helpers/certs.ts'
import type { TestCerts } from '../helpers/certs.ts'
import { removeTempDir } from '../helpers/temp-dir.ts'
import { iterate, take } from './helpers.ts'
import { ok, samsa } from '../cli/kafka/helpers.ts'

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-pw" user_alice="alice-pw";'

describe('samsa/client over TLS and SASL', () => {
  let certs: TestCerts
  let broker: SecureBroker
  let secure: Omit<ClientOptions, 'sasl'>

  before(async () => {
    certs = makeTestCerts()
    broker = await startSecureBroker({
      'listeners': 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverKeystorePem,
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': JAAS,
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'num.partitions': '1',
    })
    secure = { bootstrapServers: broker.bootstrap('SASL_SSL'), tls: { ca: readFileSync(certs.ca) }, retries: 1 }
    const admin = new Admin({ bootstrapServers: broker.bootstrap('PLAINTEXT') })
    try {
      await admin.alterScramCredentials([
        { user: 'carol', mechanism: 'SCRAM-SHA-256', password: 'carol-pw' },
        { user: 'carol', mechanism: 'SCRAM-SHA-512', password: 'carol-pw', iterations: 8192 },
      ])
    } finally {
      await admin.close()
    }
  })
  after(async () => {
    await broker?.close()
    if (certs) removeTempDir(certs.dir)
  })

  const listTopics = async (o: ClientOptions): Promise<string[]> => {
    const admin = new Admin(o)
    try {
      return await admin.listTopics()
    } finally {
      await admin.close()
    }
  }

  it('logs in with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER over TLS', async () => {
    await listTopics({ ...secure, sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-pw' } })
    await listTopics({ ...secure, sasl: { mechanism: 'SCRAM-SHA-256', username: 'carol', password: 'carol-pw' } })
    await listTopics({ ...secure, sasl: { mechanism: 'SCRAM-SHA-512', username: 'carol', password: 'carol-pw' } })
    let calls = 0
    await listTopics({ ...secure, sasl: { mechanism: 'OAUTHBEARER', token: () => { calls++; return { value: unsecuredJwt({ principal: 'dora' }) } } } })
    assert.ok(calls >= 1)
  })

  it('refuses a wrong password, an unknown user and an expired token with Kafka\'s error', async () => {
    const refused = async (sasl: ClientOptions['sasl']) => {
      const err = await listTopics({ ...secure, retries: 0, sasl }).then(() => null, (e: unknown) => e)
      assert.ok(err instanceof KafkaError, `expected a KafkaError, got ${String(err)}`)
      assert.equal(err.code, ErrorCode.SASL_AUTHENTICATION_FAILED)
    }
    await refused({ mechanism: 'SCRAM-SHA-512', username: 'carol', password: 'wrong' })
    await refused({ mechanism: 'SCRAM-SHA-256', username: 'nobody', password: 'x' })
    await refused({ mechanism: 'PLAIN', username: 'alice', password: 'wrong' })
    await refused({ mechanism: 'OAUTHBEARER', token: () => unsecuredJwt({ principal: 'dora', now: 1_000_000, lifeSeconds: 60 }) })
  })

  it('produces and consumes over SASL_SSL with SCRAM-SHA-512', async () => {
    const o: ClientOptions = { ...secure, sasl: { mechanism: 'SCRAM-SHA-512', username: 'carol', password: 'carol-pw' } }
    const producer = new Producer(o)
    const consumer = new Consumer({ ...o, autoOffsetReset: 'earliest' })
    try {
      for (let i = 0; i < 5; i++) await producer.send({ topic: 'secure-data', partition: 0, value: `v${i}` })
      consumer.assign([{ topic: 'secure-data', partition: 0 }])
      const got = await take(iterate(consumer), 5)
      assert.deepEqual(got.map((m) => String(m.value)), ['v0', 'v1', 'v2', 'v3', 'v4'])
    } finally {
      await producer.close()
      await consumer.close()
    }
  })

  it('the CLI reaches it with --command-config (SCRAM over TLS, PEM or PKCS12 trust store) and -X (OAUTHBEARER)', async () => {
    const config = join(certs.dir, 'client.properties')
    writeFileSync(config, [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="carol" password="carol-pw";',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${certs.ca}`,
      '',
    ].join('\n'))
    const b = broker.bootstrap('SASL_SSL')
    assert.match(await ok(['topic', 'list', '-b', b, '--command-config', config]), /secure-data/)
    assert.match(await ok(['topic', 'list', '-b', b, '-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${certs.ca}`,
      '-X', 'sasl.mechanism=OAUTHBEARER', '-X', 'sasl.oauthbearer.config=principal=dora lifeSeconds=600']), /secure-data/)
    // Java's PKCS12 trust store (-X after --command-config overrides it).
    assert.match(await ok(['topic', 'list', '-b', b, '--command-config', config, '-X', 'ssl.truststore.type=PKCS12',
      '-X', `ssl.truststore.location=${certs.caP12}`, '-X', `ssl.truststore.password=${certs.p12Password}`]), /secure-data/)
    const badStore = await samsa(['topic', 'list', '-b', b, '--command-config', config, '-X', 'ssl.truststore.type=PKCS12',
      '-X', `ssl.truststore.location=${certs.caP12}`, '-X', 'ssl.truststore.password=nope'])
    assert.equal(badStore.code, 1)
    assert.match(badStore.stderr, /ssl\.truststore\.location .*ca\.p12: the password does not open this PKCS12 store/)
    const wrong = await samsa(['topic', 'list', '-b', b, '--command-config', config, '-X', 'sasl.jaas.config=x username="carol" password="bad"', '-X', 'retries=0'])
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /SASL_AUTHENTICATION_FAILED|[Aa]uthentication failed/)
  })
})
