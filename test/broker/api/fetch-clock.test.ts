// The broker's one injected clock drives fetch long-polls: with a manual clock, a fetch waiting
// for its maxWait is answered when the test moves time and runs the timer queue — not by a real
// timer 60 s later.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ManualScheduler } from '../../../src/storage/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { AdminRaw } from './admin-client.ts'

test('a long-poll deadline follows the injected clock (manual clock + runDue answers it)', async () => {
  const dir = makeTempDir()
  const clock = new ManualScheduler()
  const broker = await runBroker(new BrokerConfig([['listeners', 'PLAINTEXT://127.0.0.1:0'], ['log.dirs', dir]]), { log: silentLogger(), clock })
  const c = await AdminRaw.connect(broker.bound[0]!.port)
  try {
    await broker.context.controller.createTopic({ name: 'idle', partitions: 1, configs: {}, internal: false })
    const purgatory = broker.context.replicas.fetchPurgatory
    const req = defaultFetchRequest()
    req.maxWaitMs = 60_000
    req.minBytes = 1
    req.topics = [{ topic: 'idle', topicId: '', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 })] }]
    const started = Date.now()
    const pending = c.call<FetchResponse>(ApiKey.Fetch, 11, req)
    while (purgatory.size === 0) await new Promise((resolve) => setImmediate(resolve))
    clock.advance(59_999)
    broker.context.timers.runDue()
    assert.equal(purgatory.size, 1, 'not before its deadline')
    clock.advance(1)
    broker.context.timers.runDue()
    assert.equal(purgatory.size, 0)
    const res = await pending
    assert.equal(res.responses[0]!.partitions[0]!.errorCode, 0)
    assert.equal(res.responses[0]!.partitions[0]!.records?.length ?? 0, 0)
    assert.ok(Date.now() - started < 30_000, 'answered by the manual clock, not a real 60 s timer')
  } finally {
    c.close()
    await broker.close()
    removeTempDir(dir)
  }
})
