// Share-group membership and ShareFetch (raw wire, manual clock). Kafka does not check group
// membership on ShareFetch/ShareAcknowledge (only that the member id is set and at most 36
// characters, else INVALID_REQUEST); Samsa does the same, and in addition releases at once the
// records a member acquired from share-partitions led by the group coordinator's broker when the
// member leaves (heartbeat epoch -1, its connection still open) or its session expires — without
// waiting for the acquisition locks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ManualScheduler } from '../../../src/storage/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { AdminRaw } from '../api/admin-client.ts'
import { ACCEPT, ShareMember, ackCode, offsets } from './share-member.ts'

const SESSION_MS = 45_000

test('share membership: member id checks; leave and session expiry release what the member acquired', { timeout: 20_000 }, async () => {
  const dir = makeTempDir()
  const clock = new ManualScheduler()
  const broker = await runBroker(new BrokerConfig([
    ['listeners', 'PLAINTEXT://127.0.0.1:0'], ['log.dirs', dir], ['offsets.topic.num.partitions', 1],
    ['share.coordinator.state.topic.num.partitions', 1], ['group.share.session.timeout.ms', SESSION_MS],
    // Locks outlive the session: only the membership change can release the records in time.
    ['group.share.record.lock.duration.ms', 60_000],
  ]), { log: silentLogger(), clock })
  const c = await AdminRaw.connect(broker.bound[0]!.port)
  const other = await AdminRaw.connect(broker.bound[0]!.port)
  try {
    await broker.context.controller.createTopic({ name: 'q', partitions: 1, configs: {}, internal: false })
    const topicId = broker.context.metadata.topic('q')!.topicId
    const produce = async (n: number) => {
      const req = defaultProduceRequest()
      req.acks = -1
      req.timeoutMs = 5000
      req.topicData = [{ name: 'q', topicId: '', partitionData: [{ index: 0, records: buildRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`m${i}`), timestamp: 1 })) }) }] }]
      assert.equal((await c.call<ProduceResponse>(ApiKey.Produce, 9, req)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE)
    }
    const leaver = new ShareMember('leaver', c, topicId)
    const stayer = new ShareMember('stayer', other, topicId)
    const sleeper = new ShareMember('sleeper', c, topicId)
    for (const m of [leaver, stayer, sleeper]) await m.join()
    assert.deepEqual((await stayer.fetch()).ranges, [])

    // Member ids: set, at most 36 characters (Kafka's rule); membership itself is not checked.
    const tooLong = await stayer.fetch({ epoch: 0, memberId: 'x'.repeat(37) })
    assert.equal(tooLong.res.errorCode, ErrorCode.INVALID_REQUEST)
    const stranger = new ShareMember('never-joined', c, topicId)
    assert.equal((await stranger.fetch()).res.errorCode, ErrorCode.NONE, 'a member id the group does not know may fetch, as in Kafka')

    await produce(10)
    const held = await leaver.fetch({ maxRecords: 4, version: 2 })
    assert.deepEqual(offsets(held.ranges), [0, 1, 2, 3])
    // Leaving (connection and share session still open): the four records are available at once.
    assert.equal((await leaver.leave()).errorCode, ErrorCode.NONE)
    const taken = await stayer.fetch({ maxRecords: 4, version: 2 })
    assert.deepEqual(offsets(taken.ranges), [0, 1, 2, 3])
    assert.ok(taken.ranges.every(([, , count]) => count === 2), 'second delivery')
    assert.equal(ackCode(await stayer.ack(taken.ranges.map(([f, l]) => [f, l, [ACCEPT]]))), ErrorCode.NONE)
    // The one who left holds nothing: acknowledging its old records fails.
    assert.equal(ackCode(await leaver.ack([[0, 0, [ACCEPT]]])), ErrorCode.INVALID_RECORD_STATE)

    // The sleeper acquires and stops heartbeating; the stayer keeps its session alive.
    const slept = await sleeper.fetch({ maxRecords: 3, version: 2 })
    assert.deepEqual(offsets(slept.ranges), [4, 5, 6])
    clock.advance(SESSION_MS / 2)
    broker.context.timers.runDue()
    await stayer.beat()
    clock.advance(SESSION_MS / 2 + 1)
    broker.context.timers.runDue()
    // Expiry is a group write: wait until the records are back rather than for a fixed time.
    let back: number[] = []
    for (let i = 0; i < 100 && back.length === 0; i++) {
      back = offsets((await stayer.fetch({ maxRecords: 10 })).ranges)
      if (back.length === 0) await new Promise((r) => setTimeout(r, 10))
    }
    assert.deepEqual(back, [4, 5, 6, 7, 8, 9], 'the expired member\'s records and the rest')
  } finally {
    c.close()
    other.close()
    await broker.close()
    removeTempDir(dir)
  }
})
