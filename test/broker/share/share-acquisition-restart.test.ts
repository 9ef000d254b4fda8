// samsa.share.persist.acquisitions=true (Samsa; Kafka writes share state only on acknowledgement,
// release and lock expiry): a ShareFetch is answered once the share-partition's state with the new
// delivery counts is written, so a broker that stops right after handing records out — nothing
// acknowledged, released or expired since — still counts that delivery when it comes back, and a
// record delivered up to the limit is archived instead of delivered once more. Off (the default,
// Kafka's behaviour) the same restart forgets the delivery in flight.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { defaultProduceRequest } from '../../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { AdminRaw } from '../api/admin-client.ts'
import { ShareMember } from './share-member.ts'

for (const persist of [true, false]) {
test(`share fetch, samsa.share.persist.acquisitions=${persist}: ${persist ? 'a delivery counts across a restart that follows the acquisition; the limit archives' : 'a restart forgets the delivery in flight (as Kafka)'}`, { timeout: 20_000 }, async () => {
  const dir = makeTempDir()
  const start = async (): Promise<{ broker: RunningBroker, c: AdminRaw }> => {
    const broker = await runBroker(new BrokerConfig([
      ['listeners', 'PLAINTEXT://127.0.0.1:0'], ['log.dirs', dir], ['offsets.topic.num.partitions', 1],
      ['share.coordinator.state.topic.num.partitions', 1], ['group.share.delivery.count.limit', 2],
      ['samsa.share.persist.acquisitions', persist],
    ]), { log: silentLogger() })
    await broker.context.coordinators.share.whenLoaded()
    return { broker, c: await AdminRaw.connect(broker.bound[0]!.port) }
  }
  let { broker, c } = await start()
  try {
    await broker.context.controller.createTopic({ name: 'q', partitions: 1, configs: {}, internal: false })
    const topicId = broker.context.metadata.topic('q')!.topicId
    const first = new ShareMember('a', c, topicId)
    assert.deepEqual((await first.fetch()).ranges, [])
    const req = defaultProduceRequest()
    req.acks = -1
    req.timeoutMs = 5000
    req.topicData = [{ name: 'q', topicId: '', partitionData: [{ index: 0, records: buildRecordBatch({ records: Array.from({ length: 5 }, (_, i) => ({ key: null, value: Buffer.from(`m${i}`), timestamp: 1 })) }) }] }]
    assert.equal((await c.call<ProduceResponse>(ApiKey.Produce, 9, req)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE)
    assert.deepEqual((await first.fetch()).ranges, [[0, 4, 1]])

    // The broker stops with the five records handed out and nothing else written.
    for (let round = 2; round <= 3; round++) {
      c.close()
      await broker.close()
      ;({ broker, c } = await start())
      const again = await new ShareMember(`m${round}`, c, topicId).fetch()
      assert.equal(again.res.errorCode, ErrorCode.NONE)
      // Round 2: the first delivery was counted. Round 3: two deliveries = the limit, archived.
      // Not persisted: every restart hands them out as a first delivery again.
      assert.deepEqual(again.ranges, !persist ? [[0, 4, 1]] : round === 2 ? [[0, 4, 2]] : [], `round ${round}`)
    }
    if (persist) assert.equal(broker.context.coordinators.share.partitions.peek('queue', topicId, 0)!.spso, 5, 'archived records are done')
  } finally {
    c.close()
    await broker.close()
    removeTempDir(dir)
  }
})
}
