// Bad produce input against a real `samsa start` process: an oversized message from librdkafka,
// and hand-made requests with a corrupt CRC, invalid acks and an unknown topic. Each gets Kafka's
// error code, the broker stays up, and kcat produces and consumes normally afterwards.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runKcat, runProcess } from '../helpers/run.ts'
import { requireTool } from '../helpers/tools.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../broker/raw-client.ts'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { defaultProduceRequest } from '../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse } from '../../src/protocol/generated/messages/produce.ts'
import { ZERO_UUID } from '../../src/protocol/primitives/index.ts'

describe('bad produce input', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa({ settings: { 'message.max.bytes': '100000' } })
  })
  after(async () => {
    await broker?.close()
  })

  const works = async (topic: string, value: string) => {
    await runKcat(broker.bootstrap, ['-P', '-t', topic, '-p', '0'], { input: `${value}\n` })
    const out = await runKcat(broker.bootstrap, ['-C', '-t', topic, '-p', '0', '-o', '-1', '-e', '-q', '-f', '%s\\n'])
    assert.equal(out.stdout.trim(), value)
  }

  it('a message above message.max.bytes is refused with MESSAGE_TOO_LARGE', async () => {
    await works('bad-big', 'first')
    const kcat = requireTool('kcat')
    const r = await runProcess(kcat, ['-b', broker.bootstrap, '-P', '-t', 'bad-big', '-p', '0', '-X', 'message.max.bytes=1000000', '-X', 'message.send.max.retries=0'],
      { input: 'x'.repeat(300_000) + '\n' })
    assert.match(r.stderr, /too large|MSG_SIZE_TOO_LARGE/i)
    await works('bad-big', 'after')
  })

  it('corrupt CRC, invalid acks and unknown topics get their error codes', async () => {
    await works('bad-raw', 'before')
    const c = await RawClient.connect(broker.port, broker.host)
    try {
      let corr = 1
      const produce = async (topic: string, records: Buffer, acks = 1) => {
        const req = defaultProduceRequest()
        req.acks = acks
        req.timeoutMs = 5000
        req.topicData = [{ name: topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }]
        const id = corr++
        c.write(requestFrame(ApiKey.Produce, 9, id, req))
        const res = decodeResponseFrame<ProduceResponse>(ApiKey.Produce, 9, await c.readFrame())
        assert.equal(res.correlationId, id)
        return res.body.responses[0]!.partitionResponses[0]!.errorCode
      }
      const good = () => buildRecordBatch({ records: [{ value: Buffer.from('raw'), timestamp: Date.now() }] })
      const corrupt = good()
      corrupt[corrupt.length - 2] ^= 0x55
      assert.equal(await produce('bad-raw', corrupt), ErrorCode.CORRUPT_MESSAGE)
      assert.equal(await produce('bad-raw', good(), 5), ErrorCode.INVALID_REQUIRED_ACKS)
      assert.equal(await produce('never-created-topic', good()), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      assert.equal(await produce('bad-raw', good()), ErrorCode.NONE)
    } finally {
      c.destroy()
    }
    await works('bad-raw', 'after')
    const all = (await runKcat(broker.bootstrap, ['-C', '-t', 'bad-raw', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\\n'])).stdout.trim().split('\n')
    assert.deepEqual(all, ['before', 'raw', 'after'], 'nothing from the refused requests was written')
  })
})
