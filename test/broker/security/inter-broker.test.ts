// Which listener brokers use between them (Kafka's choice: inter.broker.listener.name, else the
// first listener of security.inter.broker.protocol), and the start-time refusal of a secured one
// in cluster mode, since replica fetchers speak PLAINTEXT only.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { interBrokerListener } from '../../../src/broker/config/listeners.ts'
import { Security } from '../../../src/broker/security/security.ts'
import { silentLogger } from '../../../src/broker/logger.ts'

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="b";'

function config(extra: [string, string][]): BrokerConfig {
  return new BrokerConfig([['listeners', 'SASL_PLAINTEXT://:0,INTERNAL://:0'], ['listener.security.protocol.map', 'SASL_PLAINTEXT:SASL_PLAINTEXT,INTERNAL:PLAINTEXT'],
    ['sasl.enabled.mechanisms', 'PLAIN'], ['listener.name.sasl_plaintext.plain.sasl.jaas.config', PLAIN], ...extra])
}

const pick = (c: BrokerConfig) => interBrokerListener(c.listeners, c.get('inter.broker.listener.name') as string | null, c.string('security.inter.broker.protocol'))?.name

test('brokers reach each other on the named listener, else the first one of security.inter.broker.protocol', () => {
  assert.equal(pick(config([])), 'INTERNAL')
  assert.equal(pick(config([['inter.broker.listener.name', 'sasl_plaintext']])), 'SASL_PLAINTEXT')
  assert.equal(pick(config([['security.inter.broker.protocol', 'SASL_PLAINTEXT']])), 'SASL_PLAINTEXT')
})

test('cluster mode refuses a secured inter-broker listener (replication speaks PLAINTEXT only)', () => {
  const ok = config([])
  new Security(ok, ok.listeners, silentLogger()).requirePlaintextInterBroker(ok)
  const bad = config([['inter.broker.listener.name', 'SASL_PLAINTEXT']])
  assert.throws(() => new Security(bad, bad.listeners, silentLogger()).requirePlaintextInterBroker(bad),
    /inter\.broker\.listener\.name: replication between brokers uses listener SASL_PLAINTEXT \(SASL_PLAINTEXT\)/)
  const missing = config([['inter.broker.listener.name', 'NOPE']])
  assert.throws(() => new Security(missing, missing.listeners, silentLogger()).requirePlaintextInterBroker(missing), /NOPE is not one of listeners/)
})
