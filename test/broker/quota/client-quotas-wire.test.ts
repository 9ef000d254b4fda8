// Client quotas over the wire, on a broker whose clock is a ManualScheduler (the quota windows
// and the mute timers run on it, so the figures are exact): Alter/DescribeClientQuotas with
// Kafka's entity rules, filters and errors; quotas surviving a restart; a Produce and a Fetch over
// their byte rate answered with Kafka's throttle time, and the connection muted until it passes.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ManualScheduler } from '../../../src/storage/clock.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import type { DescribeClientQuotasResponse } from '../../../src/protocol/generated/messages/describe-client-quotas.ts'
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../../src/protocol/generated/messages/alter-client-quotas.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'

const dir = makeTempDir('samsa-quota-')
let clock: ManualScheduler
let broker: RunningBroker

async function start(): Promise<void> {
  clock = new ManualScheduler()
  const config = new BrokerConfig(Object.entries({
    'listeners': 'PLAINTEXT://127.0.0.1:0', 'admin.listeners': '', 'log.dirs': dir, 'auto.create.topics.enable': 'false',
  }))
  broker = await runBroker(config, { log: silentLogger(), clock })
}

class Conn {
  private corr = 1
  constructor(readonly raw: RawClient) {}
  static async open(clientId = 'raw-test'): Promise<Conn & { clientId: string }> {
    return Object.assign(new Conn(await RawClient.connect(broker.bound[0].port)), { clientId })
  }

  send(apiKey: number, version: number, body: unknown, clientId = 'raw-test'): { corr: number, frame: Buffer } {
    const corr = this.corr++
    const frame = requestFrame(apiKey, version, corr, body, clientId)
    this.raw.write(frame)
    return { corr, frame }
  }

  async read<T>(apiKey: number, version: number, timeoutMs?: number): Promise<T> {
    return decodeResponseFrame<T>(apiKey, version, await this.raw.readFrame(timeoutMs)).body
  }

  async call<T>(apiKey: number, version: number, body: unknown, clientId?: string): Promise<T> {
    this.send(apiKey, version, body, clientId)
    return this.read<T>(apiKey, version)
  }
}

const entity = (parts: Record<string, string | null>) => Object.entries(parts).map(([entityType, entityName]) => ({ entityType, entityName }))

async function alter(c: Conn, entries: AlterClientQuotasRequest['entries'], validateOnly = false, version = 1) {
  return (await c.call<AlterClientQuotasResponse>(ApiKey.AlterClientQuotas, version, { entries, validateOnly })).entries
}

async function describeQuotas(c: Conn, components: { entityType: string, matchType: number, match: string | null }[], strict = false, version = 1) {
  return c.call<DescribeClientQuotasResponse>(ApiKey.DescribeClientQuotas, version, { components, strict })
}

const set = (key: string, value: number) => ({ key, value, remove: false })
const remove = (key: string) => ({ key, value: 0, remove: true })

before(async () => {
  await start()
  const c = await Conn.open()
  const req = defaultCreateTopicsRequest()
  req.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: 'q', numPartitions: 1, replicationFactor: 1 })]
  assert.equal((await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, 4, req)).topics[0].errorCode, 0)
  c.raw.destroy()
})
after(async () => {
  await broker?.close()
  removeTempDir(dir)
})

describe('AlterClientQuotas / DescribeClientQuotas', () => {
  it('refuses bad entities and values with Kafka\'s messages; validate_only changes nothing', async () => {
    const c = await Conn.open()
    const r = await alter(c, [
      { entity: [], ops: [set('producer_byte_rate', 10)] },
      { entity: entity({ group: 'g' }), ops: [set('producer_byte_rate', 10)] },
      { entity: entity({ user: '' }), ops: [set('producer_byte_rate', 10)] },
      { entity: entity({ ip: '10.0.0.1', user: 'a' }), ops: [set('connection_creation_rate', 10)] },
      { entity: entity({ ip: 'not-an-ip' }), ops: [set('connection_creation_rate', 10)] },
      { entity: entity({ user: 'a' }), ops: [set('connection_creation_rate', 10)] },
      { entity: entity({ user: 'a2' }), ops: [set('producer_byte_rate', 0)] },
      { entity: entity({ user: 'b' }), ops: [set('producer_byte_rate', 1.5)] },
      { entity: entity({ user: 'c' }), ops: [set('request_percentage', 1.5), set('request_percentage', 2)] },
      { entity: entity({ user: 'd' }), ops: [set('request_percentage', 12.5)] },
    ], true)
    assert.deepEqual(r.map((e) => [e.errorCode, e.errorMessage]), [
      [ErrorCode.INVALID_REQUEST, 'Invalid empty client quota entity'],
      [ErrorCode.INVALID_REQUEST, 'Unhandled client quota entity type: group'],
      [ErrorCode.INVALID_REQUEST, 'Empty user not supported'],
      [ErrorCode.INVALID_REQUEST, 'Invalid quota entity combination, IP entity should not be combined with User or ClientId'],
      [ErrorCode.INVALID_REQUEST, 'not-an-ip is not a valid IP or resolvable host.'],
      [ErrorCode.INVALID_REQUEST, 'Invalid configuration key connection_creation_rate'],
      [ErrorCode.INVALID_REQUEST, 'Quota producer_byte_rate must be greater than 0'],
      [ErrorCode.INVALID_REQUEST, 'producer_byte_rate cannot be a fractional value.'],
      [ErrorCode.INVALID_REQUEST, 'Duplicate quota key request_percentage not updating quota for this entity user c'],
      [ErrorCode.NONE, null],
    ])
    assert.deepEqual((await describeQuotas(c, [])).entries, [])
    c.raw.destroy()
  })

  it('sets, lists with exact/default/specified filters (strict or not), removes; v0 too', async () => {
    const c = await Conn.open()
    const r = await alter(c, [
      { entity: entity({ user: 'alice' }), ops: [set('producer_byte_rate', 1000), set('consumer_byte_rate', 2000)] },
      { entity: entity({ user: 'alice', 'client-id': 'app' }), ops: [set('request_percentage', 50)] },
      { entity: entity({ user: null }), ops: [set('producer_byte_rate', 5000)] },
      { entity: entity({ 'client-id': null }), ops: [set('consumer_byte_rate', 7000)] },
      { entity: entity({ ip: '127.0.0.1' }), ops: [set('connection_creation_rate', 100)] },
    ], false, 0)
    assert.deepEqual(r.map((e) => e.errorCode), [0, 0, 0, 0, 0])
    const names = (res: DescribeClientQuotasResponse) => (res.entries ?? []).map((e) => e.entity.map((x) => `${x.entityType}=${x.entityName ?? '<default>'}`).join(',')).sort()
    assert.deepEqual(names(await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: 'alice' }])), ['user=alice', 'user=alice,client-id=app'])
    assert.deepEqual(names(await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: 'alice' }], true)), ['user=alice'])
    assert.deepEqual(names(await describeQuotas(c, [{ entityType: 'user', matchType: 1, match: null }])), ['user=<default>'])
    assert.deepEqual(names(await describeQuotas(c, [{ entityType: 'client-id', matchType: 2, match: null }], false, 0)), ['client-id=<default>', 'user=alice,client-id=app'])
    assert.deepEqual(names(await describeQuotas(c, [])), ['client-id=<default>', 'ip=127.0.0.1', 'user=<default>', 'user=alice', 'user=alice,client-id=app'])
    assert.deepEqual(names(await describeQuotas(c, [], true)), [])
    const alice = (await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: 'alice' }], true)).entries![0]
    assert.deepEqual(alice.values.sort((a, b) => a.key.localeCompare(b.key)), [{ key: 'consumer_byte_rate', value: 2000 }, { key: 'producer_byte_rate', value: 1000 }])
    const bad = await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: null }])
    assert.deepEqual([bad.errorCode, bad.errorMessage, bad.entries], [ErrorCode.INVALID_REQUEST, 'Request specified MATCH_TYPE_EXACT, but set match string to null.', null])
    const mixed = await describeQuotas(c, [{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }])
    assert.equal(mixed.errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await describeQuotas(c, [{ entityType: 'group', matchType: 2, match: null }])).errorCode, ErrorCode.UNSUPPORTED_VERSION)
    // Removing every key removes the entity.
    assert.deepEqual((await alter(c, [
      { entity: entity({ user: 'alice', 'client-id': 'app' }), ops: [remove('request_percentage')] },
      { entity: entity({ ip: '127.0.0.1' }), ops: [remove('connection_creation_rate')] },
      { entity: entity({ 'client-id': null }), ops: [remove('consumer_byte_rate')] },
      { entity: entity({ user: null }), ops: [remove('producer_byte_rate')] },
    ])).map((e) => e.errorCode), [0, 0, 0, 0])
    assert.deepEqual(names(await describeQuotas(c, [])), ['user=alice'])
    c.raw.destroy()
  })

  it('quotas survive a restart', async () => {
    await broker.close()
    await start()
    const c = await Conn.open()
    const res = await describeQuotas(c, [{ entityType: 'user', matchType: 0, match: 'alice' }], true)
    assert.equal(res.entries?.length, 1)
    assert.equal(broker.context.quotas.produce.quotaFor('alice', 'x'), 1000)
    assert.deepEqual((await alter(c, [{ entity: entity({ user: 'alice' }), ops: [remove('producer_byte_rate'), remove('consumer_byte_rate')] }])).map((e) => e.errorCode), [0])
    assert.equal(broker.context.quotas.produce.enabled, false)
    c.raw.destroy()
  })
})

describe('throttling', () => {
  const produceBody = (bytes: number) => {
    const req = defaultProduceRequest()
    req.acks = 1
    req.timeoutMs = 5000
    req.topicData = [{ name: 'q', topicId: ZERO_UUID, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: null, value: Buffer.alloc(bytes, 1), timestamp: clock.now() }] }) }] }]
    return req
  }

  it('a producer over producer_byte_rate gets Kafka\'s throttle time and is not read until it passes; others are not held', async () => {
    const admin = await Conn.open()
    await alter(admin, [{ entity: entity({ 'client-id': 'slow' }), ops: [set('producer_byte_rate', 1000)] }])
    const c = await Conn.open()
    // One request of S bytes at t0 is measured over 10 windows of 1 s: S / 10 B/s.
    const first = c.send(ApiKey.Produce, 9, produceBody(20_000), 'slow')
    const res = await c.read<ProduceResponse>(ApiKey.Produce, 9)
    assert.equal(res.responses[0].partitionResponses[0].errorCode, 0)
    const expected = Math.round((first.frame.length - 4) / 10 / 1000 * 10_000 - 10_000)
    assert.equal(res.throttleTimeMs, expected)
    assert.ok(expected > 9000)
    // Muted: the next request is not read (so not answered) until the clock passes the throttle.
    c.send(ApiKey.Produce, 9, produceBody(10), 'slow')
    const second = c.read<ProduceResponse>(ApiKey.Produce, 9, 10_000)
    // Another client id on its own connection is served meanwhile.
    const other = await Conn.open()
    assert.equal((await other.call<ProduceResponse>(ApiKey.Produce, 9, produceBody(20_000), 'fast')).throttleTimeMs, 0)
    let answered = false
    void second.then(() => { answered = true }, () => {})
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(answered, false)
    clock.advance(expected)
    broker.context.timers.runDue()
    const again = await second
    assert.equal(again.responses[0].partitionResponses[0].errorCode, 0)
    // The rate is still above the bound (no time passed for it beyond the throttle): throttled again.
    assert.ok(again.throttleTimeMs > 0)
    clock.advance(again.throttleTimeMs)
    broker.context.timers.runDue()
    await alter(admin, [{ entity: entity({ 'client-id': 'slow' }), ops: [remove('producer_byte_rate')] }])
    for (const x of [admin, c, other]) x.raw.destroy()
  })

  it('a consumer over consumer_byte_rate gets an empty throttled Fetch; under it, its data', async () => {
    const admin = await Conn.open()
    await alter(admin, [{ entity: entity({ user: 'ANONYMOUS' }), ops: [set('consumer_byte_rate', 1000)] }])
    const c = await Conn.open()
    const fetch = () => {
      const req = defaultFetchRequest()
      req.maxWaitMs = 0
      req.maxBytes = 1 << 20
      req.topics = [{ topic: 'q', topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_UUID, highWatermark: -1n }] }]
      return req
    }
    // The partition holds > 40 KB; one window allows 1000 B/s * 10 s, so max bytes is capped to 10 000
    // (the first batch still comes whole, KIP-74) and the answer is over the rate: throttled, empty.
    const res = await c.call<FetchResponse>(ApiKey.Fetch, 12, fetch())
    assert.ok(res.throttleTimeMs > 0)
    assert.deepEqual(res.responses, [])
    clock.advance(res.throttleTimeMs)
    broker.context.timers.runDue()
    await alter(admin, [{ entity: entity({ user: 'ANONYMOUS' }), ops: [set('consumer_byte_rate', 1e9)] }])
    const ok = await c.call<FetchResponse>(ApiKey.Fetch, 12, fetch())
    assert.equal(ok.throttleTimeMs, 0)
    assert.ok((ok.responses[0].partitions[0].records?.length ?? 0) > 20_000)
    await alter(admin, [{ entity: entity({ user: 'ANONYMOUS' }), ops: [remove('consumer_byte_rate')] }])
    for (const x of [admin, c]) x.raw.destroy()
  })
})
