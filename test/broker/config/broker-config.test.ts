import { test } from 'node:test'
import { BUILTIN_HANDLERS } from '../../../src/broker/api/handlers.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BrokerConfig, ConfigError, ConfigSource, BROKER_DEFS, TOPIC_DEFS, loadBrokerConfig, parseTopicOverrides,
  effectiveTopicConfig, formatConfigValue,
} from '../../../src/broker/config/index.ts'

const rejects = (entries: [string, string][], key: string, pattern: RegExp) =>
  assert.throws(() => new BrokerConfig(entries), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err))
    assert.equal(err.key, key)
    assert.match(err.message, pattern)
    return true
  })

test('defaults: single node on localhost:9092, data in ./samsa-data', () => {
  const c = new BrokerConfig()
  assert.deepEqual(c.listeners, [{ name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' }])
  assert.equal(c.dataDir, './samsa-data')
  assert.equal(c.nodeId, 1)
  assert.equal(c.int('num.partitions'), 1)
  assert.equal(c.bool('auto.create.topics.enable'), true)
})

test('unknown keys are rejected, with a hint for topic keys used at broker level', () => {
  rejects([['no.such.key', '1']], 'no.such.key', /unknown broker config/)
  rejects([['retention.ms', '1']], 'retention.ms', /topic config.*log\.retention\.ms/)
})

test('type, bound and accepted-value errors name the key and what is accepted', () => {
  rejects([['num.partitions', 'many']], 'num.partitions', /32-bit integer >= 1/)
  rejects([['num.partitions', '0']], 'num.partitions', /out of range/)
  rejects([['num.partitions', '3000000000']], 'num.partitions', /out of range/)
  rejects([['auto.create.topics.enable', 'yes']], 'auto.create.topics.enable', /true or false/)
  rejects([['log.cleanup.policy', 'delete,shred']], 'log.cleanup.policy', /"shred".*one of compact, delete/)
  rejects([['compression.type', 'brotli']], 'compression.type', /one of uncompressed, zstd, lz4, snappy, gzip, producer/)
  rejects([['listeners', 'localhost:9092']], 'listeners', /NAME:\/\/host:port/)
  rejects([['listeners', 'FOO://:9092']], 'listeners', /not in listener\.security\.protocol\.map/)
  rejects([['listeners', 'PLAINTEXT://:99999']], 'listeners', /out of range/)
  rejects([['advertised.listeners', 'OTHER://x:1']], 'advertised.listeners', /not in listener|not one of listeners/)
  rejects([['node.id', '2'], ['broker.id', '3']], 'broker.id', /differs from node\.id/)
})

test('listeners: empty host, IPv6, port 0, advertised per name', () => {
  const c = new BrokerConfig([['listeners', 'PLAINTEXT://:0,INTERNAL://[::1]:9093'], ['advertised.listeners', 'PLAINTEXT://example.com:1234'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT']])
  assert.deepEqual(c.listeners.map((l) => [l.name, l.host, l.port]), [['PLAINTEXT', '', 0], ['INTERNAL', '::1', 9093]])
  assert.deepEqual(c.advertisedListeners.map((l) => [l.host, l.port]), [['example.com', 1234], ['::1', 9093]])
})

test('listeners map to Kafka\'s four security protocols; another protocol is refused', () => {
  const all = new BrokerConfig([['listeners', 'PLAINTEXT://:0,SSL://:9093,SASL_PLAINTEXT://:9094,CLIENT://:9095'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,CLIENT:SASL_SSL']])
  assert.deepEqual(all.listeners.map((l) => [l.name, l.securityProtocol]),
    [['PLAINTEXT', 'PLAINTEXT'], ['SSL', 'SSL'], ['SASL_PLAINTEXT', 'SASL_PLAINTEXT'], ['CLIENT', 'SASL_SSL']])
  rejects([['listeners', 'CLIENT://:9093'], ['listener.security.protocol.map', 'CLIENT:TLS']], 'listeners', /listener CLIENT uses security protocol TLS, which is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/)
  // A KRaft controller listener is not served, so its protocol does not matter.
  const c = new BrokerConfig([['listeners', 'PLAINTEXT://:0,CONTROLLER://:9093'], ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:SSL']])
  assert.deepEqual(c.listeners.map((l) => l.name), ['PLAINTEXT'])
})

test('group.coordinator.rebalance.protocols defaults to the group protocols this broker serves', () => {
  const served = new Set(BUILTIN_HANDLERS.map((h) => h.apiKey))
  const expected = ['classic', ...(served.has(ApiKey.ConsumerGroupHeartbeat) ? ['consumer'] : []), ...(served.has(ApiKey.ShareGroupHeartbeat) ? ['share'] : [])]
  assert.deepEqual(new BrokerConfig().list('group.coordinator.rebalance.protocols'), expected)
})

test('a misspelled key gets a "did you mean"; a name far from every key does not', () => {
  rejects([['num.partition', '3']], 'num.partition', /unknown broker config \(did you mean num\.partitions\?\)$/)
  rejects([['log.retension.ms', '1']], 'log.retension.ms', /did you mean log\.retention\.ms\?/)
  rejects([['auto.create.topic.enable', 'true']], 'auto.create.topic.enable', /did you mean auto\.create\.topics\.enable\?/)
  rejects([['zzz', '1']], 'zzz', /^zzz: unknown broker config$/)
  assert.throws(() => parseTopicOverrides({ 'retention.mss': '5' }), /retention\.mss: unknown topic config \(did you mean retention\.ms\?\)/)
})

test('long values keep Kafka\'s Long.MAX_VALUE text', () => {
  const c = new BrokerConfig([['log.flush.interval.messages', '9223372036854775807']])
  assert.equal(formatConfigValue(BROKER_DEFS.get('log.flush.interval.messages')!, c.get('log.flush.interval.messages')), '9223372036854775807')
  rejects([['log.flush.interval.messages', '9223372036854775808']], 'log.flush.interval.messages', /out of range/)
})

test('every topic config names broker synonyms that exist, of a compatible type', () => {
  for (const def of TOPIC_DEFS.values()) {
    for (const syn of def.brokerSynonyms ?? []) {
      const b = BROKER_DEFS.get(syn.name)
      assert.ok(b, `${def.name} -> ${syn.name} missing`)
      assert.equal(b.type === 'short' ? 'int' : b.type === 'long' || b.type === 'int' ? 'num' : b.type,
        def.type === 'short' ? 'int' : def.type === 'long' || def.type === 'int' ? 'num' : def.type, `${def.name} vs ${syn.name}`)
    }
  }
})

test('topic defaults follow broker synonyms in Kafka\'s precedence, with unit scaling', () => {
  assert.equal(new BrokerConfig().topicDefault('retention.ms').value, 604_800_000)
  const hours = new BrokerConfig([['log.retention.hours', '1']]).topicDefault('retention.ms')
  assert.deepEqual([hours.name, hours.value, hours.source], ['log.retention.hours', 3_600_000, ConfigSource.STATIC_BROKER_CONFIG])
  const both = new BrokerConfig([['log.retention.hours', '1'], ['log.retention.minutes', '2']])
  assert.equal(both.topicDefault('retention.ms').value, 120_000)
  assert.equal(new BrokerConfig([['log.retention.ms', '5']]).topicDefault('retention.ms').value, 5)
  assert.equal(new BrokerConfig([['log.segment.bytes', '2048']]).topicDefault('segment.bytes').value, 2048)
  assert.equal(new BrokerConfig([['message.max.bytes', '100']]).topicDefault('max.message.bytes').value, 100)
  assert.deepEqual(new BrokerConfig([['log.cleanup.policy', 'compact']]).topicDefault('cleanup.policy').value, ['compact'])
  assert.equal(new BrokerConfig([['log.roll.hours', '2']]).topicDefault('segment.ms').value, 7_200_000)
})

test('topic overrides are validated and win over broker defaults', () => {
  const broker = new BrokerConfig([['log.segment.bytes', '2048']])
  const eff = effectiveTopicConfig(broker, parseTopicOverrides({ 'cleanup.policy': 'compact,delete', 'retention.ms': '-1' }))
  assert.deepEqual(eff.get('cleanup.policy'), ['compact', 'delete'])
  assert.equal(eff.get('retention.ms'), -1)
  assert.equal(eff.get('segment.bytes'), 2048)
  assert.throws(() => parseTopicOverrides({ 'retention.ms': '-5' }), /retention\.ms.*out of range/)
  assert.throws(() => parseTopicOverrides({ 'log.retention.ms': '5' }), /unknown topic config.*broker config/)
  assert.throws(() => parseTopicOverrides({ 'min.cleanable.dirty.ratio': '1.5' }), /in \[0, 1\]/)
})

test('dynamic layers: read-only keys refuse, others shadow static values and can be cleared', () => {
  const c = new BrokerConfig([['message.max.bytes', '1000']])
  assert.throws(() => c.setDynamic('num.partitions', '3', 'cluster-wide'), /read-only/)
  c.setDynamic('message.max.bytes', '2000', 'cluster-wide')
  assert.deepEqual([c.get('message.max.bytes'), c.resolve('message.max.bytes').source], [2000, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG])
  assert.deepEqual(c.synonyms('message.max.bytes').map((s) => s.value), [2000, 1000, 1_048_588])
  c.setDynamic('message.max.bytes', undefined, 'cluster-wide')
  assert.equal(c.get('message.max.bytes'), 1000)
})

test('loadBrokerConfig: file < --data-dir < --set; errors name the file line; nothing is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-config-'))
  const file = join(dir, 'server.properties')
  writeFileSync(file, '# Kafka style\nlog.dirs=/from/file\nnum.partitions=3\nnum.network.threads=3\n')
  const c = loadBrokerConfig({ configFile: file, dataDir: '/from/flag', sets: ['num.partitions=6'] })
  assert.equal(c.dataDir, '/from/flag')
  assert.equal(c.int('num.partitions'), 6)
  assert.throws(() => loadBrokerConfig({ configFile: join(dir, 'missing') }), /--config: cannot read/)
  assert.throws(() => loadBrokerConfig({ sets: ['novalue'] }), /expected key=value/)
  writeFileSync(file, 'a=\\uZZZZ\n')
  assert.throws(() => loadBrokerConfig({ configFile: file }), /line 1: malformed/)
  assert.deepEqual(readdirSync(dir), ['server.properties'])
})

test('KRaft controller listeners from a Kafka server.properties are accepted but not bound', () => {
  const c = new BrokerConfig([
    ['process.roles', 'broker,controller'], ['controller.listener.names', 'CONTROLLER'],
    ['listeners', 'PLAINTEXT://:9092,CONTROLLER://:9093'], ['advertised.listeners', 'PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['share.coordinator.state.topic.replication.factor', '1'], ['num.io.threads', '8'],
  ])
  assert.deepEqual(c.listeners.map((l) => l.name), ['PLAINTEXT'])
  assert.deepEqual(c.advertisedListeners.map((l) => [l.host, l.port]), [['localhost', 9092]])
  assert.throws(() => new BrokerConfig([['controller.listener.names', 'PLAINTEXT']]), /at least one \(non-controller\) listener/)
})

test('listener.name.<listener>.<key> overrides a config for one listener (and one SASL mechanism)', () => {
  const c = new BrokerConfig([['listeners', 'PLAINTEXT://:0,SASL_SSL://:9093'], ['ssl.client.auth', 'requested'],
    ['listener.name.sasl_ssl.ssl.client.auth', 'required'], ['sasl.jaas.config', 'X required;'],
    ['listener.name.SASL_SSL.plain.sasl.jaas.config', 'P required user_a="b";']])
  assert.equal(c.forListener('SASL_SSL', 'ssl.client.auth'), 'required')
  assert.equal(c.forListener('PLAINTEXT', 'ssl.client.auth'), 'requested')
  assert.equal(c.forListener('SASL_SSL', 'sasl.jaas.config', 'plain'), 'P required user_a="b";')
  assert.equal(c.forListener('SASL_SSL', 'sasl.jaas.config', 'scram-sha-256'), 'X required;')
  rejects([['listener.name.sasl_ssl.ssl.client.auth', 'always']], 'listener.name.sasl_ssl.ssl.client.auth', /"always" is not accepted: expected one of none, requested, required/)
  rejects([['listener.name.sasl_ssl.plain.no.such', 'x']], 'listener.name.sasl_ssl.plain.no.such', /unknown broker config/)
})
