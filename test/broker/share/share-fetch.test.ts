// KIP-932 share-partitions over the wire (generated codecs), on a manual clock so lock expiry is
// deterministic: three consumers on one partition get disjoint records; RELEASE redelivers,
// REJECT archives, an unacknowledged record comes back when its lock expires, the delivery-count
// limit archives, RENEW extends a lock, bad input gets error codes, and a broker restart keeps
// every acknowledged record done (state replayed from __share_group_state).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ManualScheduler } from '../../../src/storage/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import type { ShareFetchResponse } from '../../../src/protocol/generated/messages/share-fetch.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { AdminRaw } from '../api/admin-client.ts'
import { ACCEPT, GROUP, REJECT, RELEASE, RENEW, ShareMember, ackCode, offsets } from './share-member.ts'

const LOCK_MS = 30_000


async function start(dir: string, clock: ManualScheduler): Promise<{ broker: RunningBroker, c: AdminRaw }> {
  const broker = await runBroker(new BrokerConfig([
    ['listeners', 'PLAINTEXT://127.0.0.1:0'], ['log.dirs', dir], ['offsets.topic.num.partitions', 1],
    ['share.coordinator.state.topic.num.partitions', 1], ['group.share.delivery.count.limit', 3],
    // The members never heartbeat again while the clock jumps: their group sessions must outlast the test
    // (an expired member's records would be released).
    ['group.share.session.timeout.ms', 3_600_000],
  ]), { log: process.env.SHARE_DEBUG ? (await import('pino')).pino({ level: 'warn' }) : silentLogger(), clock })
  return { broker, c: await AdminRaw.connect(broker.bound[0]!.port) }
}

async function produce(c: AdminRaw, n: number): Promise<void> {
  const req = defaultProduceRequest()
  req.acks = -1
  req.timeoutMs = 5000
  req.topicData = [{ name: 'q', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [{ index: 0, records: buildRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`m${i}`), timestamp: 1 })) }) }] }]
  const res = await c.call<ProduceResponse>(ApiKey.Produce, 9, req)
  assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE)
}

test('share fetch: disjoint consumers, release, reject, lock expiry, delivery limit, renew, bad input, restart', { timeout: 60_000 }, async () => {
  const dir = makeTempDir()
  const clock = new ManualScheduler()
  let { broker, c } = await start(dir, clock)
  const expire = () => { clock.advance(LOCK_MS + 1); broker.context.timers.runDue() }
  try {
    await broker.context.controller.createTopic({ name: 'q', partitions: 1, configs: {}, internal: false })
    const topicId = broker.context.metadata.topic('q')!.topicId
    const [a, b, m3] = ['a', 'b', 'c'].map((id) => new ShareMember(id, c, topicId)) as [ShareMember, ShareMember, ShareMember]
    for (const m of [a, b, m3]) await m.join()

    // The share-partition starts at the log end (share.auto.offset.reset=latest): records produced after.
    const first = await a.fetch()
    assert.equal(first.res.errorCode, ErrorCode.NONE, first.res.errorMessage ?? '')
    assert.deepEqual(first.ranges, [])
    assert.equal(first.res.acquisitionLockTimeoutMs, LOCK_MS)
    await produce(c, 10)
    await produce(c, 10)
    await produce(c, 10)

    // Three consumers on one partition: disjoint records, every one handed out once.
    const got = { a: (await a.fetch()).ranges, b: (await b.fetch()).ranges, c: (await m3.fetch()).ranges }
    const all = [...offsets(got.a), ...offsets(got.b), ...offsets(got.c)].sort((x, y) => x - y)
    assert.deepEqual(all, Array.from({ length: 30 }, (_, i) => i), JSON.stringify(got))
    for (const r of [...got.a, ...got.b, ...got.c]) assert.equal(r[2], 1, 'first delivery')
    const fetched = await a.fetch()
    assert.deepEqual(fetched.ranges, [], 'nothing left to acquire')

    // Bad input: not acquired by this member → INVALID_RECORD_STATE; bad types/ranges → INVALID_REQUEST.
    assert.equal(ackCode(await a.ack([[got.b[0]![0], got.b[0]![0], [ACCEPT]]])), ErrorCode.INVALID_RECORD_STATE)
    assert.equal(ackCode(await a.ack([[got.a[0]![0], got.a[0]![0], [9]]])), ErrorCode.INVALID_REQUEST)
    assert.equal(ackCode(await a.ack([[got.a[0]![0], got.a[0]![0] + 2, [ACCEPT, ACCEPT]]])), ErrorCode.INVALID_REQUEST)
    assert.equal((await a.ack([[5, 4, [ACCEPT]]])).errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await a.ack([[got.a[0]![0], got.a[0]![0], [ACCEPT]]], { epoch: 99 })).errorCode, ErrorCode.INVALID_SHARE_SESSION_EPOCH)
    assert.equal((await new ShareMember('nobody', c, topicId).ack([[0, 0, [ACCEPT]]], { epoch: 1 })).errorCode, ErrorCode.SHARE_SESSION_NOT_FOUND)
    assert.equal((await new ShareMember('x', c, topicId).fetch({ acks: [[0, 0, [ACCEPT]]] })).res.errorCode, ErrorCode.INVALID_REQUEST)
    assert.equal((await a.ack([[got.a[0]![0], got.a[0]![0], [RENEW]]])).errorCode, ErrorCode.INVALID_REQUEST, 'RENEW needs IsRenewAck')
    const unknown = await new ShareMember('y', c, 'AAAAAAAAAAAAAAAAAAAAAQ').fetch()
    assert.equal(unknown.res.responses[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID)
    const noGroup = await c.call<ShareFetchResponse>(ApiKey.ShareFetch, 1, { groupId: null, memberId: 'z', shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 1, maxBytes: 1, maxRecords: 1, batchSize: 1, topics: [], forgottenTopicsData: [] })
    assert.equal(noGroup.errorCode, ErrorCode.INVALID_REQUEST)

    // A accepts its records; B releases (they come back, delivery 2); C rejects one and keeps the rest.
    assert.equal(ackCode(await a.ack(got.a.map(([f, l]) => [f, l, [ACCEPT]]))), ErrorCode.NONE)
    assert.equal(ackCode(await b.ack(got.b.map(([f, l]) => [f, l, [RELEASE]]))), ErrorCode.NONE)
    const rejected = got.c[0]![0]
    assert.equal(ackCode(await m3.ack([[rejected, rejected, [REJECT]]])), ErrorCode.NONE)
    const redelivered = await a.fetch({ maxRecords: 100 })
    assert.deepEqual(offsets(redelivered.ranges), offsets(got.b))
    for (const r of redelivered.ranges) assert.equal(r[2], 2)

    // RENEW (v2, IsRenewAck) extends A's lock on two records; C's lock simply runs out.
    const renewed = redelivered.ranges[0]![0]
    const renew = await a.ack([[renewed, renewed + 1, [RENEW]]], { version: 2, renew: true })
    assert.equal(ackCode(renew), ErrorCode.NONE)
    clock.advance(LOCK_MS - 1000)
    broker.context.timers.runDue()
    assert.equal(ackCode(await a.ack([[renewed, renewed + 1, [RENEW]]], { version: 2, renew: true })), ErrorCode.NONE)
    clock.advance(1001)
    broker.context.timers.runDue()
    const afterExpiry = await b.fetch({ maxRecords: 100 })
    const expected = [...offsets(got.c).filter((o) => o !== rejected), ...offsets(redelivered.ranges).filter((o) => o !== renewed && o !== renewed + 1)].sort((x, y) => x - y)
    assert.deepEqual(offsets(afterExpiry.ranges).sort((x, y) => x - y), expected, 'expired locks redeliver; the rejected and the renewed records do not come back')
    assert.equal(offsets(afterExpiry.ranges).includes(rejected), false)

    // Delivery-count limit (3): records released a third time are archived, never delivered again.
    const limited = afterExpiry.ranges.filter((r) => r[2] === 3)
    assert.ok(limited.length > 0, JSON.stringify(afterExpiry.ranges))
    assert.equal(ackCode(await b.ack(afterExpiry.ranges.map(([f, l]) => [f, l, [RELEASE]]))), ErrorCode.NONE)
    expire()
    const again = await m3.fetch({ maxRecords: 100 })
    for (const o of offsets(limited)) assert.equal(offsets(again.ranges).includes(o), false, `offset ${o} past the delivery limit was redelivered`)
    const sp = broker.context.coordinators.share.partitions.peek(GROUP, topicId, 0)!
    for (const o of offsets(limited)) assert.equal(sp.stateOf(o)?.state ?? 4, 4, 'archived')
    assert.equal(ackCode(await m3.ack(again.ranges.map(([f, l]) => [f, l, [ACCEPT]]))), ErrorCode.NONE)

    // Everything so far is done (the renewed records ran out with the last expiry and were taken
    // and accepted by C). Five more: A accepts two and holds three.
    const sp30 = sp.spso
    assert.equal(sp30, 30)
    await produce(c, 5)
    const held = await a.fetch({ maxRecords: 100 })
    assert.deepEqual(offsets(held.ranges), [30, 31, 32, 33, 34])
    assert.equal(ackCode(await a.ack([[30, 31, [ACCEPT]]])), ErrorCode.NONE)
    assert.equal(sp.spso, 32)

    // Restart: acknowledged and archived records stay done; the held ones come back (delivery 2).
    c.close()
    await broker.close()
    ;({ broker, c } = await start(dir, clock))
    await broker.context.coordinators.share.whenLoaded()
    const a2 = new ShareMember('a', c, topicId)
    const back = await a2.fetch({ maxRecords: 100 })
    assert.equal(back.res.errorCode, ErrorCode.NONE)
    assert.deepEqual(back.ranges, [[32, 34, 2]])
    assert.equal(broker.context.coordinators.share.partitions.peek(GROUP, topicId, 0)!.spso, 32)
    // Closing the session (epoch -1) releases what the member holds.
    const closed = await a2.fetch({ epoch: -1 })
    assert.equal(closed.res.errorCode, ErrorCode.NONE)
    const taken = await new ShareMember('b', c, topicId).fetch({ maxRecords: 100 })
    assert.deepEqual(taken.ranges, [[32, 34, 3]])

    // A fetch with nothing to acquire waits (MaxWaitMs) and is woken by an append.
    const waiter = new ShareMember('w', await AdminRaw.connect(broker.bound[0]!.port), topicId)
    await waiter.fetch()
    const pending = waiter.c.call<ShareFetchResponse>(ApiKey.ShareFetch, 1, {
      groupId: GROUP, memberId: 'w', shareSessionEpoch: waiter.epoch, maxWaitMs: 60_000, minBytes: 1, maxBytes: 1 << 20, maxRecords: 10, batchSize: 10,
      topics: [], forgottenTopicsData: [],
    }, 30_000)
    await produce(c, 1)
    const woken = await pending
    assert.deepEqual(woken.responses[0]!.partitions[0]!.acquiredRecords.map((r) => Number(r.firstOffset)), [35])
    waiter.c.close()
    const mgr = broker.context.coordinators.share.partitions
    while (mgr.sessions.get(GROUP, 'w') !== undefined) await new Promise((resolve) => setImmediate(resolve))

    // A member's connection closing closes its session: what it held is available again at once.
    const dropper = new ShareMember('d', await AdminRaw.connect(broker.bound[0]!.port), topicId)
    await produce(c, 2)
    const held2 = await dropper.fetch({ maxRecords: 100 })
    // 35 too: the waiter's connection closed while it held it.
    assert.deepEqual(held2.ranges, [[35, 35, 2], [36, 37, 1]])
    dropper.c.close()
    while (mgr.sessions.get(GROUP, 'd') !== undefined) await new Promise((resolve) => setImmediate(resolve))
    const picked = await new ShareMember('e', c, topicId).fetch({ maxRecords: 100 })
    assert.deepEqual(picked.ranges, [[35, 35, 3], [36, 37, 2]])
  } finally {
    c.close()
    await broker.close()
    removeTempDir(dir)
  }
})
