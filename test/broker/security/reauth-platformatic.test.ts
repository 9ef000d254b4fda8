// @platformatic/kafka re-authenticates (KIP-368) at 80% of the session lifetime SaslAuthenticate
// tells it: with connections.max.reauth.ms=2000 its PLAIN login is renewed on the same connection
// after 1.6 s, and a produce sent after the first login's end is served there. The broker is
// reached through a counting TCP proxy (its advertised address): had the broker not told the
// lifetime, or refused the renewal, the late produce would have found its connection closed and
// the producer (no retries) would have failed or connected again.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createConnection, createServer } from 'node:net'
import type { Server } from 'node:net'
import { once } from 'node:events'
import { Producer } from '@platformatic/kafka'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

let broker: SecureBroker
let proxy: Server
let proxyPort = 0
let accepted = 0
before(async () => {
  proxy = createServer((client) => {
    accepted++
    const upstream = createConnection({ host: '127.0.0.1', port: broker.port('SASL_PLAINTEXT') })
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  proxy.listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  proxyPort = (proxy.address() as { port: number }).port
  broker = await startSecureBroker({
    'listeners': 'SASL_PLAINTEXT://127.0.0.1:0',
    'advertised.listeners': `SASL_PLAINTEXT://127.0.0.1:${proxyPort}`,
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
    clientId: 'reauth-platformatic', bootstrapBrokers: [`127.0.0.1:${proxyPort}`], retries: 0, autocreateTopics: true,
    sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' },
  })
  try {
    await producer.send({ messages: [{ topic: 'reauth-p', value: Buffer.from('first') }] })
    const first = accepted
    // Past the first login's end (2 s); the client renewed it at 1.6 s.
    await new Promise((resolve) => setTimeout(resolve, 2600))
    const sent = await producer.send({ messages: [{ topic: 'reauth-p', value: Buffer.from('second') }] })
    assert.equal(sent.offsets?.[0]?.offset, 1n)
    assert.equal(accepted, first, `connections before ${first}, after ${accepted}`)
  } finally {
    await producer.close()
  }
})
