// controller_mutation_rate (KIP-599) with real clients on a real clock: controller.quota.window.num=1
// and .size.seconds=1, so a client's burst is one second of its rate (10 or 5 partitions/s here).
// samsa's Admin (CreateTopics v7, strict) retries refused topics after the throttle time as Kafka's
// AdminClient does, or fails with THROTTLING_QUOTA_EXCEEDED when told not to; KafkaJS (CreateTopics
// v3, permissive) gets every topic and is held back for the throttle time on its next request.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { Admin, KafkaError } from '../../../src/client/index.ts'
import { runKafkaJs } from '../../helpers/kafkajs.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'

const dir = makeTempDir('samsa-mutation-clients-')
let broker: RunningBroker
let bootstrap: string
let admin: Admin

before(async () => {
  const config = new BrokerConfig(Object.entries({
    'listeners': 'PLAINTEXT://127.0.0.1:0', 'admin.listeners': '', 'log.dirs': dir, 'auto.create.topics.enable': 'false',
    'controller.quota.window.num': '1', 'controller.quota.window.size.seconds': '1',
  }))
  broker = await runBroker(config, { log: silentLogger() })
  bootstrap = `127.0.0.1:${broker.bound[0].port}`
  admin = new Admin({ bootstrapServers: bootstrap, clientId: 'quota-setter' })
  await admin.alterClientQuotas([
    { entity: { 'client-id': 'samsa-limited' }, set: { controller_mutation_rate: 10 } },
    { entity: { 'client-id': 'kafkajs-limited' }, set: { controller_mutation_rate: 5 } },
  ])
})
after(async () => {
  await admin?.close()
  await broker?.close()
  removeTempDir(dir)
})

const tenEach = (...names: string[]) => names.map((topic) => ({ topic, numPartitions: 10, replicationFactor: 1 }))

describe('controller_mutation_rate with real clients', () => {
  it('samsa Admin: a refused topic is sent again after the throttle time; with retryOnQuotaViolation false the error stands', { timeout: 60_000 }, async () => {
    const limited = new Admin({ bootstrapServers: bootstrap, clientId: 'samsa-limited' })
    try {
      // 10 → 0 → -10: the third topic is refused for 1 s, then created on the retry.
      await limited.createTopics(tenEach('sa1', 'sa2', 'sa3'))
      const names = await limited.listTopics()
      for (const t of ['sa1', 'sa2', 'sa3']) assert.ok(names.includes(t), t)
      // The retry took the bucket below zero again: refused at once.
      await assert.rejects(limited.createTopics(tenEach('sa4'), { retryOnQuotaViolation: false }),
        (e: unknown) => e instanceof KafkaError && e.errorName === 'THROTTLING_QUOTA_EXCEEDED')
      await limited.deleteTopics(['sa1', 'sa2', 'sa3'])
      assert.deepEqual((await limited.listTopics()).filter((t) => t.startsWith('sa')), [])
    } finally {
      await limited.close()
    }
  })

  it('KafkaJS (CreateTopics v3, permissive): all topics created, its next request waits out the throttle', { timeout: 60_000 }, async () => {
    const { value } = await runKafkaJs([bootstrap], async (kafka) => {
      const a = kafka.admin()
      await a.connect()
      try {
        // 5 - 30 = -25 tokens: 5 s from the response until the bucket is back to zero; the
        // connection is muted for that long, so the next CreateTopics is answered after it.
        const started = Date.now()
        const created = await a.createTopics({ topics: tenEach('kj1', 'kj2', 'kj3') })
        await a.createTopics({ topics: tenEach('kj4') })
        const waited = Date.now() - started
        return { created, waited, topics: await a.listTopics() }
      } finally {
        await a.disconnect()
      }
    }, { config: { clientId: 'kafkajs-limited' }, timeoutMs: 50_000 })
    assert.equal(value.created, true)
    for (const t of ['kj1', 'kj2', 'kj3', 'kj4']) assert.ok(value.topics.includes(t), t)
    // Held back by the throttle (a lower bound: the mute and KafkaJS's own wait guarantee it).
    assert.ok(value.waited >= 4950, `waited ${value.waited} ms`)
  })
})
