// Idempotent dedupe proven at the broker, against a real `samsa start` process over raw protocol:
// the very same batch (same producer id, epoch, sequences) is sent again — as a client does when a
// response is lost — and must be answered with its original offsets without being written twice,
// before and after a SIGKILL (state rebuilt by replay) and a clean restart (state from the
// snapshot). Then a request is sent and the broker is SIGKILLed before it can answer, at random
// moments: whether or not the batch made it into the log, the retry after the restart leaves it
// there exactly once.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../broker/raw-client.ts'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'
import { batchSize } from '../../src/protocol/records/batch-header.ts'
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic } from '../../src/protocol/generated/messages/create-topics.ts'
import type { CreateTopicsResponse } from '../../src/protocol/generated/messages/create-topics.ts'
import { defaultProduceRequest } from '../../src/protocol/generated/messages/produce.ts'
import type { ProduceResponse, ProduceResponsePartitionProduceResponse } from '../../src/protocol/generated/messages/produce.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../src/protocol/generated/messages/fetch.ts'
import type { InitProducerIdResponse } from '../../src/protocol/generated/messages/init-producer-id.ts'
import { ZERO_UUID, recordsBuffer } from '../../src/protocol/primitives/index.ts'

const TOPIC = 'dedupe'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

class Wire {
  private corr = 1
  private constructor(readonly raw: RawClient) {}
  static async connect(b: SamsaBroker): Promise<Wire> {
    return new Wire(await RawClient.connect(b.port, b.host))
  }

  send(apiKey: number, version: number, body: unknown): number {
    const id = this.corr++
    this.raw.write(requestFrame(apiKey, version, id, body))
    return id
  }

  async call<T>(apiKey: number, version: number, body: unknown): Promise<T> {
    const id = this.send(apiKey, version, body)
    const res = decodeResponseFrame<T>(apiKey, version, await this.raw.readFrame())
    assert.equal(res.correlationId, id)
    return res.body
  }

  produceRequest(records: Buffer): unknown {
    const req = defaultProduceRequest()
    req.acks = -1
    req.timeoutMs = 5000
    req.topicData = [{ name: TOPIC, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }]
    return req
  }

  async produce(records: Buffer): Promise<ProduceResponsePartitionProduceResponse> {
    return (await this.call<ProduceResponse>(ApiKey.Produce, 9, this.produceRequest(records))).responses[0]!.partitionResponses[0]!
  }

  /** Every record value of the partition, in offset order, with the high watermark. */
  async readAll(): Promise<{ values: string[], offsets: number[], hw: number }> {
    const values: string[] = []
    const offsets: number[] = []
    let offset = 0
    let hw = 0
    for (;;) {
      const req = defaultFetchRequest()
      req.maxWaitMs = 0
      req.minBytes = 0
      req.maxBytes = 1 << 20
      req.topics = [{ topic: TOPIC, topicId: '00000000-0000-0000-0000-000000000000',
        partitions: [Object.assign(defaultFetchRequestFetchPartition(), { partition: 0, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20 })] }]
      const p = (await this.call<FetchResponse>(ApiKey.Fetch, 11, req)).responses[0]!.partitions[0]!
      assert.equal(p.errorCode, ErrorCode.NONE)
      hw = Number(p.highWatermark)
      const buf = recordsBuffer(p.records ?? [])
      if (buf.length === 0) break
      for (let pos = 0; pos + 61 <= buf.length; pos += batchSize(buf, pos)) {
        const batch = decodeRecordBatch(buf.subarray(pos, pos + batchSize(buf, pos)))
        for (const r of batch.records) {
          offsets.push(batch.baseOffset + r.offsetDelta)
          values.push(r.value!.toString())
        }
        offset = batch.baseOffset + batch.lastOffsetDelta + 1
      }
      if (offset >= hw) break
    }
    return { values, offsets, hw }
  }

  close(): void {
    this.raw.destroy()
  }
}

/** A batch of producer `pid` with records v<seq>..v<seq+n-1>; built once, so a resend is byte-identical. */
const batch = (pid: bigint, epoch: number, seq: number, n: number) =>
  buildRecordBatch({ producerId: Number(pid), producerEpoch: epoch, baseSequence: seq,
    records: Array.from({ length: n }, (_, i) => ({ value: Buffer.from(`v${seq + i}`), timestamp: Date.now() })) })

describe('idempotent retries reach a real broker process', () => {
  let broker: SamsaBroker
  let w: Wire
  let pid = -1n
  let epoch = -1
  before(async () => {
    broker = await startSamsa()
    w = await Wire.connect(broker)
    const create = defaultCreateTopicsRequest()
    create.timeoutMs = 5000
    create.topics = [Object.assign(defaultCreateTopicsRequestCreatableTopic(), { name: TOPIC, numPartitions: 1, replicationFactor: 1 })]
    assert.equal((await w.call<CreateTopicsResponse>(ApiKey.CreateTopics, 5, create)).topics[0]!.errorCode, ErrorCode.NONE)
    const init = await w.call<InitProducerIdResponse>(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
    assert.equal(init.errorCode, ErrorCode.NONE)
    pid = init.producerId
    epoch = init.producerEpoch
  })
  after(async () => {
    w?.close()
    await broker?.close()
  })

  const reconnect = async (crash: boolean) => {
    w.close()
    await broker.restart({ crash })
    w = await Wire.connect(broker)
  }

  it('a resent batch gets its original offsets and is not written again — live, after SIGKILL, after a clean restart', async () => {
    const b0 = batch(pid, epoch, 0, 3)
    const b3 = batch(pid, epoch, 3, 2)
    const first = await w.produce(b0)
    assert.equal(first.errorCode, ErrorCode.NONE)
    assert.equal(first.baseOffset, 0n)
    assert.equal((await w.produce(b3)).baseOffset, 3n)
    // Live: the retry of the newest and of an older batch (both within the last five).
    for (const [buf, base] of [[b3, 3n], [b0, 0n]] as const) {
      const dup = await w.produce(buf)
      assert.equal(dup.errorCode, ErrorCode.NONE)
      assert.equal(dup.baseOffset, base, 'duplicate answered with the original offset')
    }
    assert.equal((await w.readAll()).hw, 5, 'duplicates not written')

    // SIGKILL: no snapshot covers these batches; the broker rebuilds its state by replaying the log.
    await reconnect(true)
    const afterCrash = await w.produce(b3)
    assert.equal(afterCrash.errorCode, ErrorCode.NONE)
    assert.equal(afterCrash.baseOffset, 3n, 'dedupe survives a crash')
    assert.equal((await w.produce(b0)).baseOffset, 0n)
    const b5 = batch(pid, epoch, 5, 4)
    assert.equal((await w.produce(b5)).baseOffset, 5n)

    // Clean restart: the state comes from the snapshot written at shutdown.
    await reconnect(false)
    assert.equal((await w.produce(b5)).baseOffset, 5n, 'dedupe survives a clean restart')
    // A sequence gap is still refused, and the next batch in sequence is appended normally.
    assert.equal((await w.produce(batch(pid, epoch, 20, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    const b9 = batch(pid, epoch, 9, 1)
    assert.equal((await w.produce(b9)).baseOffset, 9n)
    const all = await w.readAll()
    assert.equal(all.hw, 10)
    assert.deepEqual(all.values, Array.from({ length: 10 }, (_, i) => `v${i}`))
  })

  it('SIGKILL before the response: the retry after restart leaves each batch exactly once', async (t) => {
    let seq = (await w.readAll()).values.length
    const outcomes: string[] = []
    // Kill delays from immediate (the request is usually still unread) to after the append.
    for (const delay of [0, 0, 2, 5, 10, 20 + Math.floor(Math.random() * 30)]) {
      const b = batch(pid, epoch, seq, 3)
      // Sent, then the broker dies at a random moment (before, during or after the append), never
      // having answered on this connection (the response is not read).
      w.send(ApiKey.Produce, 9, w.produceRequest(b))
      if (delay > 0) await sleep(delay)
      await broker.restart({ crash: true })
      w.close()
      w = await Wire.connect(broker)
      const before = (await w.readAll()).hw
      const retry = await w.produce(b)
      assert.equal(retry.errorCode, ErrorCode.NONE)
      const deduplicated = Number(retry.baseOffset) < before
      outcomes.push(deduplicated ? 'written before the kill, retry deduplicated' : 'lost with the kill, retry appended')
      // Either the batch is the log's last one (original offsets) or it is appended at the end now.
      assert.equal(Number(retry.baseOffset), deduplicated ? before - 3 : before)
      assert.equal((await w.readAll()).hw, deduplicated ? before : before + 3)
      seq += 3
    }
    t.diagnostic(outcomes.join('; '))
    const all = await w.readAll()
    assert.deepEqual(all.values, Array.from({ length: seq }, (_, i) => `v${i}`), `every record exactly once (${outcomes.join('; ')})`)
  })
})
