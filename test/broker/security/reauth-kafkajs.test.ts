// KafkaJS re-authenticates (KIP-368) when the broker gives its logins an end: with
// connections.max.reauth.ms=4000 and KafkaJS's reauthenticationThreshold=3000 it logs in again on
// the same connection after a second, calling its oauthBearerProvider again, and the next
// request is served. The broker is reached through a counting TCP proxy (its advertised address),
// which shows the re-authentication used the connection KafkaJS had: no new connection was made.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { unsecuredJwt } from '../../../src/client/index.ts'
import { runKafkaJs } from '../../helpers/kafkajs.ts'
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
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'connections.max.reauth.ms': '4000',
  })
})
after(async () => {
  await broker?.close()
  proxy?.close()
})

test('KafkaJS re-authenticates on the same connection and goes on', async () => {
  let calls = 0
  const { value } = await runKafkaJs([`127.0.0.1:${proxy.port}`], async (kafka) => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      await admin.listTopics()
      const first = { calls, accepted: proxy.accepted }
      await new Promise((resolve) => setTimeout(resolve, 1200))
      await admin.listTopics()
      return { first, second: { calls, accepted: proxy.accepted } }
    } finally {
      await admin.disconnect()
    }
  }, { timeoutMs: 20_000, config: {
    retry: { retries: 0 },
    reauthenticationThreshold: 3000,
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => { calls++; return { value: unsecuredJwt({ principal: 'alice' }) } } },
  } })
  assert.ok(value.first.calls >= 1)
  assert.ok(value.second.calls > value.first.calls, JSON.stringify(value))
  assert.equal(value.second.accepted, value.first.accepted, JSON.stringify(value))
})
