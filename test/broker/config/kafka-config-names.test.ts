// The config table knows Kafka 4.4's broker and topic keys, including those Samsa does not act on
// (accepted and reported like Kafka, marked noEffect), with Kafka's types, defaults and update modes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BROKER_DEFS, TOPIC_DEFS, BrokerConfig, describeBrokerConfigs, describeTopicConfigs } from '../../../src/broker/config/index.ts'

test('Kafka-only broker keys are known, typed and defaulted as in Kafka, with no effect in Samsa', () => {
  const expect: [string, string, unknown, string][] = [
    ['sasl.kerberos.min.time.before.relogin', 'long', 60_000, 'per-broker'],
    ['ssl.keymanager.algorithm', 'string', 'SunX509', 'per-broker'],
    ['ssl.trustmanager.algorithm', 'string', 'PKIX', 'per-broker'],
    ['sasl.kerberos.service.name', 'string', null, 'per-broker'],
    ['remote.log.manager.thread.pool.size', 'int', 2, 'read-only'],
    ['remote.log.reader.threads', 'int', 10, 'cluster-wide'],
    ['group.consumer.assignors', 'list', ['uniform', 'range'], 'read-only'],
    ['group.share.min.delivery.count.limit', 'int', 2, 'read-only'],
    ['controller.quorum.fetch.timeout.ms', 'int', 2000, 'read-only'],
    ['metric.reporters', 'list', ['org.apache.kafka.common.metrics.JmxReporter'], 'cluster-wide'],
    ['leader.replication.throttled.rate', 'long', 2 ** 63, 'cluster-wide'],
    ['num.io.threads', 'int', 8, 'cluster-wide'],
  ]
  for (const [name, type, dflt, dynamic] of expect) {
    const d = BROKER_DEFS.get(name)
    assert.ok(d, name)
    assert.deepEqual([d.type, d.default, d.dynamic, d.noEffect], [type, dflt, dynamic, true], name)
  }
  // The TLS and SASL keys Samsa acts on keep Kafka's types, defaults and modes.
  for (const [name, type, dflt, dynamic] of [['ssl.keystore.location', 'string', null, 'per-broker'], ['ssl.client.auth', 'string', 'none', 'per-broker'],
    ['ssl.principal.mapping.rules', 'string', 'DEFAULT', 'read-only'],
    ['sasl.enabled.mechanisms', 'list', ['GSSAPI'], 'per-broker'], ['group.share.delivery.count.limit', 'int', 5, 'read-only']] as const) {
    const d = BROKER_DEFS.get(name)!
    assert.deepEqual([d.type, d.default, d.dynamic, d.noEffect], [type, dflt, dynamic, false], name)
  }
  assert.equal(BROKER_DEFS.get('ssl.keystore.password')?.sensitive, true)
  // accepted in server.properties, validated like any key
  const c = new BrokerConfig([['sasl.kerberos.min.time.before.relogin', '120000'], ['ssl.enabled.protocols', 'TLSv1.3']])
  assert.equal(c.get('sasl.kerberos.min.time.before.relogin'), 120_000)
  assert.throws(() => new BrokerConfig([['sasl.kerberos.min.time.before.relogin', 'soon']]), /sasl\.kerberos\.min\.time\.before\.relogin: "soon"/)
  assert.throws(() => new BrokerConfig([['group.share.delivery.count.limit', '1']]), /out of range/)
  // alterable where Kafka allows it, refused where Kafka refuses
  c.setDynamic('sasl.kerberos.min.time.before.relogin', '90000', 'per-broker')
  assert.throws(() => c.setDynamic('remote.log.manager.thread.pool.size', '3', 'per-broker'), /read-only/)
  assert.throws(() => c.setDynamic('ssl.keystore.location', '/k.jks', 'per-broker'), /only per listener/)
  assert.throws(() => c.setDynamic('sasl.kerberos.min.time.before.relogin', '90000', 'cluster-wide'), /default cluster level/)
  const [d] = describeBrokerConfigs(c, ['sasl.kerberos.min.time.before.relogin', 'ssl.keystore.password'])
  assert.deepEqual([d.value, d.source, d.readOnly], ['90000', 2, false])
  assert.equal(describeBrokerConfigs(c, ['ssl.keystore.password'])[0].isSensitive, true)
})

test('topic keys: message.format.version (Kafka 3.x) and Kafka 4.4\'s remote copy lag and DLQ keys', () => {
  for (const name of ['message.format.version', 'remote.copy.lag.ms', 'remote.copy.lag.bytes', 'errors.deadletterqueue.group.enable']) {
    assert.equal(TOPIC_DEFS.get(name)?.noEffect, true, name)
  }
  const [mfv] = describeTopicConfigs(new BrokerConfig(), {}, ['message.format.version'], { includeSynonyms: true })
  assert.deepEqual([mfv.value, mfv.synonyms.map((s) => s.name)], ['3.0-IV1', ['log.message.format.version']])
  assert.match(TOPIC_DEFS.get('message.downconversion.enable')!.doc, /Removed in Kafka 4\.0.*Samsa keeps it/)
})
