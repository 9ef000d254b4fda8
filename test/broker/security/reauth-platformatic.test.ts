// @platformatic/kafka re-authenticates (KIP-368) at 80% of the session lifetime SaslAuthenticate
// tells it: with connections.max.reauth.ms=2000 its PLAIN login is renewed on the same connection
// after 1.6 s, and a produce sent after the first login's end is served there. The broker is
// reached through a counting TCP proxy (its advertised address): had the broker not told the
// lifetime, or refused the renewal, the late produce would have found its connection closed and
// the producer (no retries) would have failed or connected again.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Producer } from '@platformatic/kafka'
import { startCountingProxy } from '../../helpers/counting-proxy.ts'
import type { CountingProxy } from '../../helpers/counting-proxy.ts'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

let broker: SecureBroker
let proxy: CountingProxy
before(async () => {
  proxy = await startCountingProxy(() => broker.port('SASL_PLAINTEXT'))
  broker = await startSecureBroker({
    'listeners': 'SASL_PLAINTEXT://127.0.0.1:0',
    'advertised.listeners': `SASL_PLAINTEXT://127.0.0.1:${proxy.port}`,
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
    'connections.max.reauth.ms': '2000',
    'num.partitions': '1',
  })
})
after(async () => {
  await broker?.close()
  proxy?.close()
})

test('@platformatic/kafka re-authenticates on the same connection and goes on producing', { timeout: 30_000 }, async () => {
  const producer = new Producer({
    clientId: 'reauth-platformatic', bootstrapBrokers: [`127.0.0.1:${proxy.port}`], retries: 0, autocreateTopics: true,
    sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' },
  })
  try {
    await producer.send({ messages: [{ topic: 'reauth-p', value: Buffer.from('first') }] })
    const first = proxy.accepted
    // Past the first login's end (2 s); the client renewed it at 1.6 s.
    await new Promise((resolve) => setTimeout(resolve, 2600))
    const sent = await producer.send({ messages: [{ topic: 'reauth-p', value: Buffer.from('second') }] })
    assert.equal(sent.offsets?.[0]?.offset, 1n)
    assert.equal(proxy.accepted, first, `connections before ${first}, after ${proxy.accepted}`)
  } finally {
    await producer.close()
  }
})
