// Which listener brokers use between them (Kafka's choice: inter.broker.listener.name, else the
// first listener of security.inter.broker.protocol), and how brokers secure their connections to
// it (SASL mechanism and login from Kafka's settings; mistakes are config errors at start), and
// that a key store replaced at runtime on the inter-broker listener is what new connections present.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { connect as tlsConnect, createServer } from 'node:tls'
import type { TLSSocket } from 'node:tls'
import { listenerTls } from '../../../src/broker/security/tls-options.ts'
import { makeReplacementServerCert, makeTestCerts } from '../../helpers/certs.ts'
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
  const plain = interBrokerChannelSecurity(config([]))
  assert.deepEqual([plain.tls, plain.sasl], [undefined, undefined], 'INTERNAL is PLAINTEXT')
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
  const sasl = interBrokerChannelSecurity(ok)
  assert.deepEqual([sasl.tls, sasl.sasl], [undefined, { mechanism: 'PLAIN', username: 'broker', password: 'pw' }])
  assert.throws(() => interBrokerChannelSecurity(config([['inter.broker.listener.name', 'NOPE']])), /NOPE is not one of listeners/)
})

test('a key store reloaded on the inter-broker listener is presented by new connections to other brokers', async () => {
  const certs = makeTestCerts()
  // Broker certificates that also serve as client certificates, each from its own CA.
  const first = makeReplacementServerCert(certs, 'first', 'localhost', 'serverAuth,clientAuth')
  const second = makeReplacementServerCert(certs, 'second', 'localhost', 'serverAuth,clientAuth')
  const ssl = (keystore: string) => new BrokerConfig([['listeners', 'SSL://127.0.0.1:0'], ['inter.broker.listener.name', 'SSL'],
    ['ssl.keystore.type', 'PEM'], ['ssl.keystore.location', keystore], ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', certs.ca]])
  const security = interBrokerChannelSecurity(ssl(first.keystorePem))
  // Another broker that accepts only client certificates from the second CA.
  const peers: string[] = []
  const server = createServer({ key: readFileSync(certs.serverKey), cert: readFileSync(certs.serverCert), ca: readFileSync(second.ca),
    requestCert: true, rejectUnauthorized: true }, (s) => {
    peers.push(String((s as TLSSocket).getPeerCertificate().issuer.CN))
    s.end('welcome')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  // TLS 1.3 refuses a client certificate after the client's side of the handshake: served means greeted.
  const attempt = () => new Promise<boolean>((resolve) => {
    const c = tlsConnect({ ...security.tls, host: '127.0.0.1', port, servername: 'localhost' })
    let got = ''
    c.on('error', () => {})
    c.on('data', (d: Buffer) => { got += d.toString() })
    c.on('close', () => resolve(got === 'welcome'))
  })
  try {
    assert.equal(await attempt(), false, 'the first key store is not trusted there')
    assert.equal(peers.length, 0)
    security.listenerTlsChanged('OTHER', listenerTls(ssl(second.keystorePem), 'SSL').options)
    assert.equal(await attempt(), false, 'another listener changing is not the inter-broker one')
    security.listenerTlsChanged('SSL', listenerTls(ssl(second.keystorePem), 'SSL').options)
    assert.equal(await attempt(), true)
    assert.deepEqual(peers, ['Samsa Test CA second'])
  } finally {
    server.close()
  }
})
