// A read_committed fetch waiting in the purgatory counts only bytes visible under its bound (the
// last stable offset): transactional bytes above it must not wake it (it would answer nothing and
// the client would ask again at once); the commit marker that moves the LSO does.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { buildEndTxnMarkerBatch, ControlRecordType } from '../../../src/protocol/records/control-record.ts'
import { decodeRecordBatch } from '../../../src/protocol/records/batch-decoder.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { AdminRaw } from './admin-client.ts'
import { recordsBuffer } from '../../../src/protocol/primitives/index.ts'

const tick = () => new Promise((resolve) => setImmediate(resolve))

test('a waiting read_committed fetch is not woken by transactional bytes above the LSO, only by the marker', async () => {
  const dir = makeTempDir()
  const broker = await runBroker(new BrokerConfig([['listeners', 'PLAINTEXT://127.0.0.1:0'], ['log.dirs', dir]]), { log: silentLogger() })
  const c = await AdminRaw.connect(broker.bound[0]!.port)
  try {
    await check(broker, c)
  } finally {
    c.close()
    await broker.close()
    removeTempDir(dir)
  }
})

async function check(broker: RunningBroker, c: AdminRaw): Promise<void> {  await broker.context.controller.createTopic({ name: 'rc', partitions: 1, configs: {}, internal: false })
  const p = broker.context.replicas.partition('rc', 0)!
  const purgatory = broker.context.replicas.fetchPurgatory

  const req = defaultFetchRequest()
  req.maxWaitMs = 60_000
  req.minBytes = 1
  req.maxBytes = 1 << 20
  req.isolationLevel = 1
  req.topics = [{ topic: 'rc', topicId: '', partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })] }]
  let answered = false
  const pending = c.call<FetchResponse>(ApiKey.Fetch, 11, req).finally(() => { answered = true })
  while (purgatory.size === 0) await tick()

  const txn = { producerId: 7, producerEpoch: 0, transactional: true }
  await p.appendAsLeader(buildRecordBatch({ ...txn, baseSequence: 0, records: [{ value: Buffer.from('in-txn') }] }))
  assert.equal(p.highWatermark, 1)
  assert.equal(p.lastStableOffset, 0)
  for (let i = 0; i < 5; i++) await tick()
  assert.equal(purgatory.size, 1, 'bytes above the LSO must not wake a read_committed fetch')
  assert.equal(answered, false)

  await p.appendAsCoordinator(buildEndTxnMarkerBatch({ ...txn, type: ControlRecordType.Commit, coordinatorEpoch: 0, timestamp: Date.now() }))
  assert.equal(p.lastStableOffset, 2)
  const res = await pending
  assert.equal(purgatory.size, 0)
  const records = recordsBuffer(res.responses[0]!.partitions[0]!.records!)
  assert.equal(decodeRecordBatch(records, 0).records[0]!.value!.toString(), 'in-txn')
}
