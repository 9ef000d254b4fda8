import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultDescribeConfigsRequest } from '../../../src/protocol/generated/messages/describe-configs.ts'
import type { DescribeConfigsResponse, DescribeConfigsResponseDescribeConfigsResult } from '../../../src/protocol/generated/messages/describe-configs.ts'
import { defaultAlterConfigsRequest } from '../../../src/protocol/generated/messages/alter-configs.ts'
import type { AlterConfigsResponse } from '../../../src/protocol/generated/messages/alter-configs.ts'
import { defaultIncrementalAlterConfigsRequest } from '../../../src/protocol/generated/messages/incremental-alter-configs.ts'
import type { IncrementalAlterConfigsResponse } from '../../../src/protocol/generated/messages/incremental-alter-configs.ts'
import { AdminRaw } from './admin-client.ts'

const TOPIC = 2
const BROKER = 4
const SRC = { DYNAMIC_TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 }

let dataDir: string
let broker: Broker
let c: AdminRaw

async function start(): Promise<void> {
  broker = await startBroker({ dataDir, config: { 'log.retention.hours': 24 } })
  c = await AdminRaw.connect(broker.port)
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'samsa-configs-'))
  await start()
  const req = defaultCreateTopicsRequest()
  req.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), {
    name: 'cfg', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }],
  })]
  assert.equal((await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 4, req)).topics[0].errorCode, 0)
})
after(async () => {
  c.close()
  await broker.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function describe(version: number, type: number, name: string, keys: string[] | null = null,
  synonyms = false, docs = false): Promise<DescribeConfigsResponseDescribeConfigsResult> {
  const req = defaultDescribeConfigsRequest()
  req.resources = [{ resourceType: type, resourceName: name, configurationKeys: keys }]
  req.includeSynonyms = synonyms && version >= 1
  req.includeDocumentation = docs && version >= 3
  return (await c.call<DescribeConfigsResponse>(ApiKey.DescribeConfigs, version, req)).results[0]
}

function entry(r: DescribeConfigsResponseDescribeConfigsResult, name: string) {
  const e = r.configs.find((x) => x.name === name)
  assert.ok(e, `${name} is listed`)
  return e
}

test('DescribeConfigs of a topic in every version: overrides, broker-derived defaults, sources, synonyms, docs', async () => {
  for (let v = 0; v <= 4; v++) {
    const r = await describe(v, TOPIC, 'cfg', null, true, true)
    assert.equal(r.errorCode, 0)
    const cleanup = entry(r, 'cleanup.policy')
    assert.equal(cleanup.value, 'compact')
    const retention = entry(r, 'retention.ms')
    assert.equal(retention.value, String(24 * 3_600_000))
    if (v === 0) {
      assert.equal(cleanup.isDefault, false)
      assert.equal(entry(r, 'segment.bytes').isDefault, true)
    } else {
      assert.equal(cleanup.configSource, SRC.DYNAMIC_TOPIC_CONFIG)
      // Kafka's rule: broker synonyms start at log.retention.ms, which is not set, so the static
      // log.retention.hours (which does give the value) is cut and the source is the default.
      assert.equal(retention.configSource, SRC.DEFAULT_CONFIG)
      assert.equal(entry(r, 'segment.bytes').configSource, SRC.DEFAULT_CONFIG)
      assert.deepEqual(cleanup.synonyms.map((s) => [s.name, s.value, s.source]),
        [['cleanup.policy', 'compact', SRC.DYNAMIC_TOPIC_CONFIG], ['log.cleanup.policy', 'delete', SRC.DEFAULT_CONFIG]])
      assert.deepEqual(retention.synonyms, [])
    }
    if (v >= 3) {
      assert.equal(retention.configType, 5) // LONG
      assert.equal(cleanup.configType, 7) // LIST
      assert.match(retention.documentation!, /records are kept/)
    }
  }
})

test('DescribeConfigs: key filter, broker resource, unknown topic / broker id / resource type', async () => {
  const some = await describe(4, TOPIC, 'cfg', ['retention.ms', 'no.such.key'])
  assert.deepEqual(some.configs.map((e) => e.name), ['retention.ms'])
  const b = await describe(4, BROKER, '1', ['log.retention.hours', 'num.partitions', 'message.max.bytes'])
  assert.deepEqual(b.configs.map((e) => [e.name, e.value, e.configSource, e.readOnly]), [
    ['log.retention.hours', '24', SRC.STATIC_BROKER_CONFIG, true],
    ['num.partitions', '1', SRC.DEFAULT_CONFIG, true],
    ['message.max.bytes', '1048588', SRC.DEFAULT_CONFIG, false],
  ])
  assert.equal((await describe(4, TOPIC, 'nope')).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  assert.equal((await describe(4, TOPIC, 'bad name!')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION)
  assert.equal((await describe(4, BROKER, '7')).errorCode, ErrorCode.INVALID_REQUEST)
  assert.equal((await describe(4, 99, 'x')).errorCode, ErrorCode.INVALID_REQUEST)
})

async function alter(version: number, type: number, name: string, configs: { name: string, value: string | null }[], validateOnly = false) {
  const req = defaultAlterConfigsRequest()
  req.resources = [{ resourceType: type, resourceName: name, configs }]
  req.validateOnly = validateOnly
  return (await c.call<AlterConfigsResponse>(ApiKey.AlterConfigs, version, req)).responses[0]
}

async function incremental(type: number, name: string, configs: { name: string, configOperation: number, value: string | null }[],
  validateOnly = false, version = 1) {
  const req = defaultIncrementalAlterConfigsRequest()
  req.resources = [{ resourceType: type, resourceName: name, configs }]
  req.validateOnly = validateOnly
  return (await c.call<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, version, req)).responses[0]
}

test('AlterConfigs replaces a topic\'s overrides (validateOnly changes nothing; bad keys/values refuse the whole resource)', async () => {
  assert.equal((await alter(0, TOPIC, 'cfg', [{ name: 'retention.ms', value: '5000' }], true)).errorCode, 0)
  assert.equal(entry(await describe(1, TOPIC, 'cfg'), 'retention.ms').configSource, SRC.DEFAULT_CONFIG)
  for (let v = 0; v <= 2; v++) {
    assert.equal((await alter(v, TOPIC, 'cfg', [{ name: 'retention.ms', value: String(5000 + v) }])).errorCode, 0)
    const r = await describe(1, TOPIC, 'cfg')
    assert.equal(entry(r, 'retention.ms').value, String(5000 + v))
    assert.equal(entry(r, 'cleanup.policy').value, 'delete') // replaced, not merged
  }
  const bad = await alter(2, TOPIC, 'cfg', [{ name: 'retention.ms', value: '1' }, { name: 'no.such', value: '1' }])
  assert.equal(bad.errorCode, ErrorCode.INVALID_CONFIG)
  assert.equal((await alter(2, TOPIC, 'cfg', [{ name: 'retention.ms', value: 'x' }])).errorCode, ErrorCode.INVALID_CONFIG)
  assert.equal((await alter(2, TOPIC, 'cfg', [{ name: 'retention.ms', value: null }])).errorCode, ErrorCode.INVALID_REQUEST)
  assert.equal(entry(await describe(1, TOPIC, 'cfg'), 'retention.ms').value, '5002')
  assert.equal((await alter(2, TOPIC, 'missing', [])).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
})

test('IncrementalAlterConfigs SET / DELETE / APPEND / SUBTRACT on a topic', async () => {
  assert.equal((await incremental(TOPIC, 'cfg', [
    { name: 'max.message.bytes', configOperation: 0, value: '2000' },
    { name: 'retention.ms', configOperation: 1, value: null },
    { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
  ])).errorCode, 0)
  let r = await describe(1, TOPIC, 'cfg')
  assert.equal(entry(r, 'max.message.bytes').value, '2000')
  assert.equal(entry(r, 'retention.ms').configSource, SRC.DEFAULT_CONFIG)
  assert.equal(entry(r, 'cleanup.policy').value, 'delete,compact')
  assert.equal((await incremental(TOPIC, 'cfg', [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }])).errorCode, 0)
  r = await describe(1, TOPIC, 'cfg')
  assert.equal(entry(r, 'cleanup.policy').value, 'compact')
  assert.equal((await incremental(TOPIC, 'cfg', [{ name: 'retention.ms', configOperation: 2, value: '5' }])).errorCode, ErrorCode.INVALID_CONFIG)
  assert.equal((await incremental(TOPIC, 'cfg', [{ name: 'retention.ms', configOperation: 9, value: '5' }])).errorCode, ErrorCode.INVALID_CONFIG)
  assert.equal((await incremental(TOPIC, 'cfg', [{ name: 'bogus', configOperation: 0, value: '5' }])).errorCode, ErrorCode.INVALID_CONFIG)
  assert.equal((await incremental(TOPIC, 'cfg', [{ name: 'max.message.bytes', configOperation: 0, value: '1' }], true)).errorCode, 0)
  assert.equal(entry(await describe(1, TOPIC, 'cfg'), 'max.message.bytes').value, '2000')
  // v0 (non-flexible) behaves the same.
  assert.equal((await incremental(TOPIC, 'cfg', [{ name: 'max.message.bytes', configOperation: 0, value: '3000' }], false, 0)).errorCode, 0)
  assert.equal(entry(await describe(1, TOPIC, 'cfg'), 'max.message.bytes').value, '3000')
  assert.equal((await incremental(TOPIC, 'cfg', [{ name: 'max.message.bytes', configOperation: 0, value: '2000' }], false, 0)).errorCode, 0)
})

test('dynamic broker configs: per-broker and cluster-wide layers, read-only keys refused, persisted across a restart', async () => {
  assert.equal((await incremental(BROKER, '1', [{ name: 'log.retention.ms', configOperation: 0, value: '60000' }])).errorCode, 0)
  assert.equal((await incremental(BROKER, '', [{ name: 'message.max.bytes', configOperation: 0, value: '500000' }])).errorCode, 0)
  assert.equal((await incremental(BROKER, '1', [{ name: 'num.partitions', configOperation: 0, value: '3' }])).errorCode, ErrorCode.INVALID_CONFIG)
  assert.equal((await incremental(BROKER, '1', [{ name: 'nope.nope', configOperation: 0, value: '3' }])).errorCode, ErrorCode.INVALID_CONFIG)
  const check = async () => {
    const b = await describe(1, BROKER, '1', ['log.retention.ms', 'message.max.bytes'], true)
    assert.deepEqual(b.configs.map((e) => [e.name, e.value, e.configSource]), [
      ['log.retention.ms', '60000', SRC.DYNAMIC_BROKER_CONFIG],
      ['message.max.bytes', '500000', SRC.DYNAMIC_DEFAULT_BROKER_CONFIG],
    ])
    const t = await describe(1, TOPIC, 'cfg', ['retention.ms', 'max.message.bytes'])
    // The topic's own override still wins; retention follows the new broker default.
    assert.deepEqual(t.configs.map((e) => [e.name, e.value, e.configSource]), [
      ['retention.ms', '60000', SRC.DYNAMIC_BROKER_CONFIG],
      ['max.message.bytes', '2000', SRC.DYNAMIC_TOPIC_CONFIG],
    ])
    const cluster = await describe(1, BROKER, '', null, true)
    assert.deepEqual(cluster.configs.map((e) => [e.name, e.value]), [['message.max.bytes', '500000']])
    assert.deepEqual(cluster.configs[0].synonyms.map((s) => [s.name, s.source]), [['message.max.bytes', SRC.DYNAMIC_DEFAULT_BROKER_CONFIG]],
      'only the cluster-default layer, as Kafka lists it')
  }
  await check()
  c.close()
  await broker.close()
  await start()
  await check()
  // AlterConfigs on the broker replaces the whole layer.
  assert.equal((await alter(1, BROKER, '1', [])).errorCode, 0)
  assert.equal(entry(await describe(1, BROKER, '1', ['log.retention.ms']), 'log.retention.ms').configSource, SRC.DEFAULT_CONFIG)
})
