// controller_mutation_rate (KIP-599) over the wire, on a broker whose clock is a ManualScheduler so
// the token buckets and mute timers give exact figures. The settings are those of Kafka's
// ControllerMutationQuotaTest: 10 windows of 1 s and a rate of 2 partitions/s, so a client has a
// burst of 20 partitions; a 30-partition topic empties it to -10 (5 s to refill to zero).
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
import type { DeleteTopicsResponse } from '../../../src/protocol/generated/messages/delete-topics.ts'
import type { CreatePartitionsResponse } from '../../../src/protocol/generated/messages/create-partitions.ts'
import type { AlterClientQuotasResponse } from '../../../src/protocol/generated/messages/alter-client-quotas.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'

const dir = makeTempDir('samsa-mutation-quota-')
let clock: ManualScheduler
let broker: RunningBroker

class Conn {
  private corr = 1
  private constructor(readonly raw: RawClient, readonly clientId: string) {}
  static async open(clientId: string): Promise<Conn> {
    return new Conn(await RawClient.connect(broker.bound[0].port), clientId)
  }

  send(apiKey: number, version: number, body: unknown): void {
    this.raw.write(requestFrame(apiKey, version, this.corr++, body, this.clientId))
  }

  /** A generous hang detector: deleting 30-partition topics takes seconds on a loaded machine. */
  async read<T>(apiKey: number, version: number, timeoutMs = 60_000): Promise<T> {
    return decodeResponseFrame<T>(apiKey, version, await this.raw.readFrame(timeoutMs)).body
  }

  async call<T>(apiKey: number, version: number, body: unknown): Promise<T> {
    this.send(apiKey, version, body)
    return this.read<T>(apiKey, version)
  }
}

let admin: Conn

before(async () => {
  clock = new ManualScheduler()
  const config = new BrokerConfig(Object.entries({
    'listeners': 'PLAINTEXT://127.0.0.1:0', 'admin.listeners': '', 'log.dirs': dir, 'auto.create.topics.enable': 'false',
    'controller.quota.window.num': '10', 'controller.quota.window.size.seconds': '1',
  }))
  broker = await runBroker(config, { log: silentLogger(), clock })
  admin = await Conn.open('admin')
})
after(async () => {
  admin?.raw.destroy()
  await broker?.close()
  removeTempDir(dir)
})

async function setRate(clientId: string, rate: number | null): Promise<void> {
  const res = await admin.call<AlterClientQuotasResponse>(ApiKey.AlterClientQuotas, 1, {
    entries: [{
      entity: [{ entityType: 'client-id', entityName: clientId }],
      ops: [{ key: 'controller_mutation_rate', value: rate ?? 0, remove: rate === null }],
    }],
    validateOnly: false,
  })
  assert.equal(res.entries[0].errorCode, 0)
}

function createBody(topics: Record<string, number>, validateOnly = false) {
  const req = defaultCreateTopicsRequest()
  req.validateOnly = validateOnly
  req.topics = Object.entries(topics).map(([name, numPartitions]) =>
    Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name, numPartitions, replicationFactor: 1 }))
  return req
}

async function create(c: Conn, topics: Record<string, number>, version = 7, validateOnly = false) {
  const res = await c.call<CreateTopicsResponse>(ApiKey.CreateTopics, version, createBody(topics, validateOnly))
  return { throttleTimeMs: res.throttleTimeMs, errors: Object.fromEntries(res.topics.map((t) => [t.name, t.errorCode])), res }
}

async function deleteTopics(c: Conn, names: string[], version = 6) {
  const body = version >= 6
    ? { topics: names.map((name) => ({ name, topicId: ZERO_UUID })), topicNames: [], timeoutMs: 5000 }
    : { topics: [], topicNames: names, timeoutMs: 5000 }
  const res = await c.call<DeleteTopicsResponse>(ApiKey.DeleteTopics, version, body)
  return { throttleTimeMs: res.throttleTimeMs, errors: Object.fromEntries(res.responses.map((t) => [t.name, t.errorCode])) }
}

async function createPartitions(c: Conn, topics: Record<string, number>, version = 3) {
  const res = await c.call<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, {
    topics: Object.entries(topics).map(([name, count]) => ({ name, count, assignments: null })), timeoutMs: 5000, validateOnly: false,
  })
  return { throttleTimeMs: res.throttleTimeMs, errors: Object.fromEntries(res.results.map((t) => [t.name, t.errorCode])) }
}

/** Moves the broker's clock (token buckets refill, mutes run out). */
function advance(ms: number): void {
  clock.advance(ms)
  broker.context.timers.runDue()
}

const NONE = ErrorCode.NONE
const THROTTLED = ErrorCode.THROTTLING_QUOTA_EXCEEDED

describe('controller_mutation_rate (KIP-599)', () => {
  it('strict CreateTopics (v6+): the topic that empties the bucket passes, the next is refused with the throttle time; the connection is muted for it', async () => {
    await setRate('strict-create', 2)
    const c = await Conn.open('strict-create')
    const first = await create(c, { sc1: 30, sc2: 30 })
    assert.equal(first.throttleTimeMs, 5000)
    assert.deepEqual(Object.values(first.errors).sort(), [NONE, THROTTLED])
    const refused = Object.keys(first.errors).find((t) => first.errors[t] === THROTTLED)!
    const result = first.res.topics.find((t) => t.name === refused)!
    assert.equal(result.errorMessage, 'The throttling quota has been exceeded.')
    assert.equal(result.numPartitions, -1)

    // Muted: the next request is not read until the throttle time has passed.
    c.send(ApiKey.CreateTopics, 7, createBody({ [refused]: 30 }))
    const second = c.read<CreateTopicsResponse>(ApiKey.CreateTopics, 7)
    let answered = false
    void second.then(() => { answered = true }, () => {})
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(answered, false)
    advance(5000)
    const retried = await second
    // The bucket is back to zero: the topic is let through (to -30), and no throttle is told yet.
    assert.equal(retried.topics[0].errorCode, NONE)
    assert.equal(retried.throttleTimeMs, 0)
    // Now it is negative: refused, 15 s to refill.
    const third = await create(c, { sc3: 1 })
    assert.deepEqual(third.errors, { sc3: THROTTLED })
    assert.equal(third.throttleTimeMs, 15_000)
    advance(15_000)
    c.raw.destroy()
  })

  it('permissive CreateTopics (v5): every topic is created and the response tells the time to refill', async () => {
    await setRate('permissive-create', 2)
    const c = await Conn.open('permissive-create')
    const res = await create(c, { pc1: 30, pc2: 30 }, 5)
    assert.deepEqual(res.errors, { pc1: NONE, pc2: NONE })
    assert.equal(res.throttleTimeMs, 20_000)
    advance(20_000)
    c.raw.destroy()
  })

  it('a client without the quota is not throttled; validateOnly and failed topics spend nothing', async () => {
    const free = await Conn.open('no-mutation-quota')
    const res = await create(free, { free1: 30, free2: 30 })
    assert.deepEqual(res.errors, { free1: NONE, free2: NONE })
    assert.equal(res.throttleTimeMs, 0)

    await setRate('validating', 2)
    const c = await Conn.open('validating')
    const checked = await create(c, { v1: 100, v2: 100 }, 7, true)
    assert.deepEqual(checked.errors, { v1: NONE, v2: NONE })
    assert.equal(checked.throttleTimeMs, 0)
    // An existing topic and an invalid partition count are refused before the quota.
    const failed = await create(c, { free1: 30, bad: -5, ok1: 20 })
    assert.equal(failed.errors.free1, ErrorCode.TOPIC_ALREADY_EXISTS)
    assert.equal(failed.errors.bad, ErrorCode.INVALID_PARTITIONS)
    assert.equal(failed.errors.ok1, NONE)
    // The bucket held all 20 tokens for ok1: it is at 0 now, not negative, so the next is let through.
    assert.deepEqual((await create(c, { ok2: 1 })).errors, { ok2: NONE })
    assert.deepEqual((await create(c, { ok3: 1 })).errors, { ok3: THROTTLED })
    advance(1000)
    c.raw.destroy()
    free.raw.destroy()
  })

  it('strict DeleteTopics (v5+) spends the deleted topics\' partitions; permissive (v4) deletes all', async () => {
    const free = await Conn.open('no-mutation-quota')
    assert.deepEqual((await create(free, { d1: 30, d2: 30, d3: 30, d4: 30 })).errors, { d1: NONE, d2: NONE, d3: NONE, d4: NONE })
    await setRate('deleter', 2)
    const c = await Conn.open('deleter')
    const strict = await deleteTopics(c, ['d1', 'd2'])
    assert.deepEqual(Object.values(strict.errors).sort(), [NONE, THROTTLED])
    assert.equal(strict.throttleTimeMs, 5000)
    // An unknown topic costs nothing and is told as before.
    advance(5000)
    assert.deepEqual((await deleteTopics(c, ['nope'], 5)).errors, { nope: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })

    await setRate('old-deleter', 2)
    const old = await Conn.open('old-deleter')
    const permissive = await deleteTopics(old, ['d3', 'd4'], 4)
    assert.deepEqual(permissive.errors, { d3: NONE, d4: NONE })
    assert.equal(permissive.throttleTimeMs, 20_000)
    advance(20_000)
    for (const x of [c, old, free]) x.raw.destroy()
  })

  it('strict CreatePartitions (v3+) spends the partitions added; permissive (v2) adds all', async () => {
    const free = await Conn.open('no-mutation-quota')
    assert.deepEqual((await create(free, { p1: 1, p2: 1, p3: 1, p4: 1 })).errors, { p1: NONE, p2: NONE, p3: NONE, p4: NONE })
    await setRate('grower', 2)
    const c = await Conn.open('grower')
    const strict = await createPartitions(c, { p1: 31, p2: 31 })
    assert.deepEqual(Object.values(strict.errors).sort(), [NONE, THROTTLED])
    assert.equal(strict.throttleTimeMs, 5000)
    advance(5000)

    await setRate('old-grower', 2)
    const old = await Conn.open('old-grower')
    const permissive = await createPartitions(old, { p3: 31, p4: 31 }, 2)
    assert.deepEqual(permissive.errors, { p3: NONE, p4: NONE })
    assert.equal(permissive.throttleTimeMs, 20_000)
    advance(20_000)
    const md = await free.call<MetadataResponse>(ApiKey.Metadata, 12, { topics: [{ name: 'p3', topicId: ZERO_UUID }, { name: 'p4', topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
    assert.deepEqual(md.topics.map((t) => t.partitions.length), [31, 31])
    for (const x of [c, old, free]) x.raw.destroy()
  })

  it('a removed quota stops throttling at once', async () => {
    await setRate('removed', 1)
    const c = await Conn.open('removed')
    await create(c, { r1: 30 })
    const refused = await create(c, { r2: 1 })
    assert.deepEqual(refused.errors, { r2: THROTTLED })
    assert.equal(refused.throttleTimeMs, 20_000)
    await setRate('removed', null)
    // The mute of the refusal still runs out first; then, with the quota, r3 would empty the bucket
    // (0 → -30) and r4 be refused; without it both pass.
    advance(20_000)
    const res = await create(c, { r3: 30, r4: 1 })
    assert.deepEqual(res.errors, { r3: NONE, r4: NONE })
    assert.equal(res.throttleTimeMs, 0)
    c.raw.destroy()
  })
})
