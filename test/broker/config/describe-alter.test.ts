import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  BrokerConfig, ConfigSource, describeTopicConfigs, describeBrokerConfigs, applyTopicConfigOps, replaceTopicConfigs, AlterConfigOp,
  TOPIC_DEFS,
} from '../../../src/broker/config/index.ts'
import { describeListenerOverrides } from '../../../src/broker/config/describe.ts'

const one = <T extends { name: string }>(list: T[], name: string): T => {
  const found = list.find((c) => c.name === name)
  assert.ok(found, name)
  return found
}

test('topic: override wins, with the topic override first among synonyms, then broker keys in their own units', () => {
  const broker = new BrokerConfig([['log.retention.ms', '7200000'], ['log.retention.hours', '1']])
  const described = describeTopicConfigs(broker, { 'retention.ms': '1000' }, null, { includeSynonyms: true, includeDocumentation: true })
  assert.equal(described.length, TOPIC_DEFS.size)
  const r = one(described, 'retention.ms')
  assert.deepEqual([r.value, r.source, r.readOnly, r.isDefault, r.configType], ['1000', ConfigSource.DYNAMIC_TOPIC_CONFIG, false, false, 5])
  assert.deepEqual(r.synonyms, [
    { name: 'retention.ms', value: '1000', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
    { name: 'log.retention.ms', value: '7200000', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '1', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
  ])
  assert.match(r.documentation ?? '', /records are kept/)
})

test('synonyms as Kafka lists them: by layer across all names, cut before the first one named as the primary key', () => {
  const syn = (d: { synonyms: { name: string, source: number }[] }) => d.synonyms.map((s) => `${s.name}:${s.source}`)
  const bare = describeTopicConfigs(new BrokerConfig(), {}, ['retention.ms', 'segment.ms', 'segment.jitter.ms', 'segment.bytes'], { includeSynonyms: true })
  assert.deepEqual(bare.map(syn), [[], [], [], ['log.segment.bytes:5']], 'no log.retention.hours etc. without a log.retention.ms')
  assert.deepEqual(bare.map((d) => [d.value, d.source]), [['604800000', 5], ['604800000', 5], ['0', 5], ['1073741824', 5]])
  // a set hours key alone is still cut (Kafka's rule), and a set ms key brings the rest along
  const hours = new BrokerConfig([['log.retention.hours', '1']])
  assert.deepEqual(syn(describeTopicConfigs(hours, {}, ['retention.ms'], { includeSynonyms: true })[0]), [])
  const layered = new BrokerConfig([['log.retention.hours', '2'], ['log.retention.minutes', '3']])
  layered.setDynamic('log.retention.ms', '5000', 'cluster-wide')
  layered.setDynamic('log.retention.ms', '4000', 'per-broker')
  const r = describeTopicConfigs(layered, {}, ['retention.ms'], { includeSynonyms: true })[0]
  assert.deepEqual(syn(r), ['log.retention.ms:2', 'log.retention.ms:3', 'log.retention.minutes:4', 'log.retention.hours:4', 'log.retention.hours:5'])
  assert.deepEqual([r.value, r.source], ['4000', ConfigSource.DYNAMIC_BROKER_CONFIG])
  // the broker resource: describing log.retention.hours drops the ms/minutes entries before it
  const b = describeBrokerConfigs(layered, ['log.retention.hours', 'log.retention.minutes'], { includeSynonyms: true })
  assert.deepEqual(b.map(syn), [['log.retention.hours:4', 'log.retention.hours:5'], ['log.retention.minutes:4', 'log.retention.hours:4', 'log.retention.hours:5']])
  assert.deepEqual(syn(describeBrokerConfigs(new BrokerConfig(), ['log.retention.ms'], { includeSynonyms: true })[0]), [])
})

test('topic: without an override the value comes from the broker synonym, the source by Kafka\'s synonym rule', () => {
  const broker = new BrokerConfig([['log.retention.hours', '1'], ['log.cleanup.policy', 'compact']])
  const d = describeTopicConfigs(broker, {}, ['retention.ms', 'cleanup.policy', 'segment.bytes', 'no.such.key'])
  assert.deepEqual(d.map((c) => [c.name, c.value, c.source, c.synonyms.length, c.documentation]), [
    ['retention.ms', '3600000', ConfigSource.DEFAULT_CONFIG, 0, null], // Kafka's source: log.retention.ms is not set
    ['cleanup.policy', 'compact', ConfigSource.STATIC_BROKER_CONFIG, 0, null],
    ['segment.bytes', '1073741824', ConfigSource.DEFAULT_CONFIG, 0, null],
  ])
  assert.equal(one(d, 'segment.bytes').isDefault, true)
  assert.equal(describeTopicConfigs(new BrokerConfig([['log.retention.hours', '-1']]), {}, ['retention.ms'])[0].value, '-1')
})

test('broker: read-only flags, sources, Long.MAX text', () => {
  const broker = new BrokerConfig([['num.partitions', '3']])
  broker.setDynamic('message.max.bytes', '5000', 'cluster-wide')
  const d = describeBrokerConfigs(broker, null, { includeSynonyms: true })
  const np = one(d, 'num.partitions')
  assert.deepEqual([np.value, np.readOnly, np.source], ['3', true, ConfigSource.STATIC_BROKER_CONFIG])
  const mm = one(d, 'message.max.bytes')
  assert.deepEqual([mm.value, mm.readOnly, mm.source], ['5000', false, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG])
  assert.deepEqual(mm.synonyms.map((s) => [s.value, s.source]), [['5000', 3], ['1048588', 5]])
  assert.equal(one(d, 'log.flush.interval.messages').value, '9223372036854775807')
  assert.equal(one(d, 'log.retention.ms').value, null)
})

test('incremental alter: SET validates and normalizes, DELETE removes, APPEND/SUBTRACT on lists only', () => {
  const broker = new BrokerConfig()
  let c = applyTopicConfigOps(broker, {}, [
    { name: 'retention.ms', op: AlterConfigOp.SET, value: ' 5000 ' },
    { name: 'cleanup.policy', op: AlterConfigOp.APPEND, value: 'compact' },
  ])
  assert.deepEqual(c, { 'retention.ms': '5000', 'cleanup.policy': 'delete,compact' })
  c = applyTopicConfigOps(broker, c, [
    { name: 'cleanup.policy', op: AlterConfigOp.SUBTRACT, value: 'delete' },
    { name: 'retention.ms', op: AlterConfigOp.DELETE, value: null },
  ])
  assert.deepEqual(c, { 'cleanup.policy': 'compact' })
  assert.throws(() => applyTopicConfigOps(broker, {}, [{ name: 'retention.ms', op: AlterConfigOp.APPEND, value: '1' }]), /needs a list config/)
  assert.throws(() => applyTopicConfigOps(broker, {}, [{ name: 'retention.ms', op: AlterConfigOp.SET, value: 'x' }]), /retention\.ms: "x"/)
  assert.throws(() => applyTopicConfigOps(broker, {}, [{ name: 'log.retention.ms', op: AlterConfigOp.SET, value: '1' }]), /unknown topic config/)
  assert.throws(() => applyTopicConfigOps(broker, {}, [{ name: 'cleanup.policy', op: AlterConfigOp.SET, value: 'shred' }]), /one of compact, delete/)
  assert.throws(() => applyTopicConfigOps(broker, {}, [{ name: 'segment.ms', op: 7, value: '1' }]), /unknown operation 7/)
})

test('legacy alter replaces every override', () => {
  assert.deepEqual(replaceTopicConfigs([{ name: 'segment.bytes', value: '2048' }]), { 'segment.bytes': '2048' })
  assert.throws(() => replaceTopicConfigs([{ name: 'segment.bytes', value: null }]), /null/)
})

test('broker: listener-prefixed keys are listed with their layer and synonyms, the cluster default resource only its own', () => {
  const broker = new BrokerConfig([['listeners', 'SSL://127.0.0.1:0'], ['ssl.keystore.location', '/a.pem'],
    ['listener.name.ssl.ssl.keystore.location', '/b.pem'], ['listener.name.ssl.ssl.key.password', 'secret']])
  broker.setDynamic('listener.name.ssl.ssl.keystore.location', '/c.pem', 'per-broker')
  broker.setDynamic('listener.name.ssl.max.connections', '50', 'cluster-wide')
  const mine = describeListenerOverrides(broker, null, { includeSynonyms: true }, false)
  assert.deepEqual(mine.map((c) => [c.name, c.value, c.source, c.isSensitive]), [
    ['listener.name.ssl.max.connections', '50', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, false],
    ['listener.name.ssl.ssl.key.password', null, ConfigSource.STATIC_BROKER_CONFIG, true],
    ['listener.name.ssl.ssl.keystore.location', '/c.pem', ConfigSource.DYNAMIC_BROKER_CONFIG, false],
  ])
  assert.deepEqual(one(mine, 'listener.name.ssl.ssl.keystore.location').synonyms, [
    { name: 'listener.name.ssl.ssl.keystore.location', value: '/c.pem', source: ConfigSource.DYNAMIC_BROKER_CONFIG },
    { name: 'listener.name.ssl.ssl.keystore.location', value: '/b.pem', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'ssl.keystore.location', value: '/a.pem', source: ConfigSource.STATIC_BROKER_CONFIG },
  ])
  assert.deepEqual(describeListenerOverrides(broker, ['listener.name.ssl.ssl.key.password'], {}, false).map((c) => c.name), ['listener.name.ssl.ssl.key.password'])
  const defaults = describeListenerOverrides(broker, null, { includeSynonyms: true }, true)
  assert.deepEqual(defaults.map((c) => [c.name, c.value, c.synonyms.length]), [['listener.name.ssl.max.connections', '50', 1]])
})
