// The diagnostics channels (samsa:client:request/batch/fetch/group) on a real broker: each message
// carries the publishing client's diagnosticsId, so two clients in one process are told apart;
// producer batches, consumer fetches and group joins/heartbeats/leaves are reported with the
// figures an exporter needs, for both group protocols.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Admin, Consumer, Producer } from '../../src/client/index.ts'
import type { BatchMessage, FetchMessage, GroupMessage, RequestMessage } from '../../src/client/index.ts'
import { iterate, take, testBroker, topicName, until } from './helpers.ts'

/** Collects every message of the four channels until `stop()`. */
function record(): { requests: RequestMessage[]; batches: BatchMessage[]; fetches: FetchMessage[]; group: GroupMessage[]; stop: () => void } {
  const out = { requests: [] as RequestMessage[], batches: [] as BatchMessage[], fetches: [] as FetchMessage[], group: [] as GroupMessage[] }
  const subs: [string, (m: unknown) => void][] = [
    ['samsa:client:request', (m) => out.requests.push(m as RequestMessage)],
    ['samsa:client:batch', (m) => out.batches.push(m as BatchMessage)],
    ['samsa:client:fetch', (m) => out.fetches.push(m as FetchMessage)],
    ['samsa:client:group', (m) => out.group.push(m as GroupMessage)],
  ]
  for (const [name, fn] of subs) subscribe(name, fn)
  return { ...out, stop: () => { for (const [name, fn] of subs) unsubscribe(name, fn) } }
}

for (const groupProtocol of ['classic', 'consumer'] as const) {
  test(`diagnostics channels: requests, batches, fetches and the group (${groupProtocol} protocol)`, { timeout: 20_000 }, async () => {
    const broker = await testBroker({ 'num.partitions': 2, 'group.initial.rebalance.delay.ms': 0, 'group.consumer.heartbeat.interval.ms': 100, 'group.consumer.min.heartbeat.interval.ms': 100 })
    const topic = topicName('diag')
    const seen = record()
    const producer = new Producer({ bootstrapServers: broker.bootstrap, clientId: 'diag-p', lingerMs: 0 })
    const consumer = new Consumer({
      bootstrapServers: broker.bootstrap, clientId: 'diag-c', groupId: topicName('diag-g'), groupProtocol,
      autoOffsetReset: 'earliest', heartbeatIntervalMs: 100, sessionTimeoutMs: 3_000,
    })
    try {
      assert.notEqual(producer.diagnosticsId, consumer.diagnosticsId)
      const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic, key: `k${i}`, value: `v${i}` })))
      consumer.subscribe(topic)
      const it = iterate(consumer)
      await take(it, 20)
      await until(() => seen.group.some((m) => m.client === consumer.diagnosticsId && m.type === 'heartbeat'), 'a heartbeat message')

      const mine = (id: number) => seen.requests.filter((m) => m.client === id)
      const produces = mine(producer.diagnosticsId).filter((m) => m.apiName === 'Produce')
      assert.ok(produces.length >= 1, 'the producer published its Produce requests')
      for (const m of produces) {
        assert.equal(m.clientId, 'diag-p')
        assert.equal(m.apiKey, 0)
        assert.ok(m.size > 0 && m.durationMs >= 0 && m.correlationId > 0 && m.broker === broker.bootstrap)
      }
      assert.ok(!mine(producer.diagnosticsId).some((m) => m.apiName === 'Fetch'), 'the producer is not credited with the consumer\'s fetches')
      assert.ok(mine(consumer.diagnosticsId).some((m) => m.apiName === 'Fetch'))

      const batches = seen.batches.filter((m) => m.client === producer.diagnosticsId)
      assert.equal(batches.reduce((n, b) => n + b.records, 0), 20, 'every record is in one published batch')
      for (const b of batches) {
        assert.equal(b.topic, topic)
        assert.equal(b.error, undefined)
        assert.ok(b.bytes > 0)
        assert.ok(sent.some((r) => r.partition === b.partition && r.offset === b.baseOffset), 'baseOffset is the first record\'s offset')
      }

      const fetches = seen.fetches.filter((m) => m.client === consumer.diagnosticsId)
      assert.ok(fetches.reduce((n, f) => n + f.bytes, 0) > 0, 'fetches report the bytes they brought')
      assert.ok(fetches.every((f) => f.nodeId >= 0 && f.partitions >= 1))

      const joins = seen.group.filter((m) => m.client === consumer.diagnosticsId && m.type === 'join')
      assert.ok(joins.length >= 1)
      const last = joins[joins.length - 1]!
      assert.deepEqual(last.assigned?.map((tp) => tp.partition).sort(), [0, 1])
      assert.ok(last.memberId !== '' && last.generationId > 0)
      // The classic protocol's only member leads the group; with KIP-848 the broker assigns.
      assert.equal(last.isLeader, groupProtocol === 'classic')
      assert.equal(last.leaderId, groupProtocol === 'classic' ? last.memberId : '')

      await consumer.close()
      assert.ok(seen.group.some((m) => m.client === consumer.diagnosticsId && m.type === 'leave' && m.memberId === last.memberId))
    } finally {
      seen.stop()
      await consumer.close()
      await producer.close()
      await broker.close()
    }
  })
}

test('a failed batch is published with its error', { timeout: 20_000 }, async () => {
  const broker = await testBroker({ 'auto.create.topics.enable': false })
  const seen = record()
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 0, idempotent: false, acks: 1 })
  try {
    const topic = topicName('diag-big')
    const admin = new Admin({ bootstrapServers: broker.bootstrap })
    await admin.createTopics([{ topic, numPartitions: 1, configs: { 'max.message.bytes': '1000' } }]).finally(() => admin.close())
    const err = await producer.send({ topic, value: Buffer.alloc(5_000) }).then(() => null, (e: unknown) => e)
    assert.ok(err instanceof Error)
    const failed = seen.batches.filter((m) => m.client === producer.diagnosticsId)
    assert.equal(failed.length, 1)
    assert.equal(failed[0]!.baseOffset, -1)
    assert.ok(failed[0]!.error instanceof Error)
  } finally {
    seen.stop()
    await producer.close()
    await broker.close()
  }
})
