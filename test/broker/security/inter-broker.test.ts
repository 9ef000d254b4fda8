// Which listener brokers use between them (Kafka's choice: inter.broker.listener.name, else the
// first listener of security.inter.broker.protocol), and how brokers secure their connections to
// it (SASL mechanism and login from Kafka's settings; mistakes are config errors at start).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { interBrokerListener } from '../../../src/broker/config/listeners.ts'
import { interBrokerChannelSecurity } from '../../../src/broker/security/inter-broker-security.ts'

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

test('inter-broker connections follow the listener: PLAINTEXT plain, SASL with sasl.mechanism.inter.broker.protocol and the JAAS login', () => {
  assert.deepEqual(interBrokerChannelSecurity(config([])), {}, 'INTERNAL is PLAINTEXT')
  // Kafka's default mechanism (GSSAPI) is not spoken by Samsa's brokers.
  assert.throws(() => interBrokerChannelSecurity(config([['inter.broker.listener.name', 'SASL_PLAINTEXT']])),
    /sasl\.mechanism\.inter\.broker\.protocol: brokers log in to listener SASL_PLAINTEXT \(SASL_PLAINTEXT\) with GSSAPI/)
  // PLAIN without the broker's own username/password in the listener's JAAS entry.
  assert.throws(() => interBrokerChannelSecurity(config([['inter.broker.listener.name', 'SASL_PLAINTEXT'], ['sasl.mechanism.inter.broker.protocol', 'PLAIN']])),
    /listener\.name\.sasl_plaintext\.plain\.sasl\.jaas\.config: the broker's own PLAIN login/)
  // A mechanism the listener does not enable.
  assert.throws(() => interBrokerChannelSecurity(config([['inter.broker.listener.name', 'SASL_PLAINTEXT'], ['sasl.mechanism.inter.broker.protocol', 'SCRAM-SHA-256']])),
    /SCRAM-SHA-256 is not enabled on the inter-broker listener SASL_PLAINTEXT/)
  const ok = config([['inter.broker.listener.name', 'SASL_PLAINTEXT'], ['sasl.mechanism.inter.broker.protocol', 'PLAIN'],
    ['listener.name.sasl_plaintext.plain.sasl.jaas.config', 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="pw" user_broker="pw";']])
  assert.deepEqual(interBrokerChannelSecurity(ok), { sasl: { mechanism: 'PLAIN', username: 'broker', password: 'pw' } })
  assert.throws(() => interBrokerChannelSecurity(config([['inter.broker.listener.name', 'NOPE']])), /NOPE is not one of listeners/)
})
