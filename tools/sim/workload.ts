// The simulated clients. Producers send acks=all Produce requests (one record per batch, its
// unique id in the batch's base timestamp) to the leader named by some live broker's metadata
// image — possibly stale, as a client's would be — and record each acknowledged (offset, id).
// Consumers fetch from the believed leader at their position (read_uncommitted: up to the high
// watermark) and record every (offset, id) they were shown. Both go through the network and the
// brokers' real Produce and Fetch handlers.
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../src/protocol/generated/messages/fetch.ts'
import type { FetchRequest, FetchResponse } from '../../src/protocol/generated/messages/fetch.ts'
import type { ProduceRequest, ProduceResponse } from '../../src/protocol/generated/messages/produce.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { baseOffset as batchBase, baseTimestamp, batchSize } from '../../src/protocol/records/batch-header.ts'
import { recordsBuffer } from '../../src/protocol/primitives/index.ts'
import type { Prng } from './prng.ts'
import type { SimNetwork } from './network.ts'
import type { SimBroker } from './sim-broker.ts'
import type { SimScheduler } from './scheduler.ts'

/** Client node ids start here on the simulated network. */
export const CLIENT_NODE = 100
const PRODUCE_VERSION = 9
const FETCH_VERSION = 12
const CLIENT_TIMEOUT_MS = 3000

export interface WorkloadSink {
  /** Broker `broker` acknowledged record `id` at `offset` (acks=all). */
  acked(topic: string, partition: number, offset: number, id: number, broker: number): void
  /** A consumer was shown record `id` at `offset`. */
  consumed(topic: string, partition: number, offset: number, id: number, broker: number): void
}

export interface WorkloadEnv {
  readonly scheduler: SimScheduler
  readonly network: SimNetwork
  readonly random: Prng
  readonly topic: string
  readonly partitions: number
  /** Live broker lives (whose images clients learn leaders from). */
  readonly live: () => SimBroker[]
  readonly sink: WorkloadSink
}

export class Workload {
  private nextId = 1
  private stopped = false
  readonly positions: number[]
  produced = 0
  ackedCount = 0
  consumedCount = 0

  constructor(private readonly env: WorkloadEnv, private readonly producers: number, private readonly intervalMs: number) {
    this.positions = new Array<number>(env.partitions).fill(0)
  }

  start(): void {
    for (let i = 0; i < this.producers; i++) {
      this.env.network.start(CLIENT_NODE + i)
      this.loop(CLIENT_NODE + i, () => this.produce(CLIENT_NODE + i))
    }
    const consumer = CLIENT_NODE + this.producers
    this.env.network.start(consumer)
    this.loop(consumer, () => this.consume(consumer))
  }

  stop(): void {
    this.stopped = true
  }

  private loop(node: number, once: () => Promise<void>): void {
    const { scheduler, random } = this.env
    const next = (): void => {
      if (this.stopped) return
      scheduler.in(random.int(this.intervalMs / 2, this.intervalMs * 2), `client ${node}`, () => {
        once().catch(() => {}).finally(next)
      })
    }
    next()
  }

  /** The leader of `partition` as some live broker's image has it (-1: none known). */
  private leaderOf(partition: number): number {
    const live = this.env.live()
    if (live.length === 0) return -1
    const b = this.env.random.pick(live)
    return b.loader.image.topic(this.env.topic)?.states[partition]?.leader ?? -1
  }

  private async produce(node: number): Promise<void> {
    const { random, topic, network, sink } = this.env
    const partition = random.int(0, this.env.partitions)
    const leader = this.leaderOf(partition)
    if (leader < 0) return
    const id = this.nextId++
    this.produced++
    const records = buildRecordBatch({ records: [{ value: Buffer.from(`r${id}`), timestamp: id }] })
    const request: ProduceRequest = {
      transactionalId: null, acks: -1, timeoutMs: CLIENT_TIMEOUT_MS - 500,
      topicData: [{ name: topic, topicId: '00000000-0000-0000-0000-000000000000', partitionData: [{ index: partition, records }] }],
    } as unknown as ProduceRequest
    const res = await network.rpc(node, leader, 'produce', () => {
      const b = this.env.live().find((x) => x.id === leader)
      if (!b) throw new Error('down')
      // The request's bytes as the broker decodes them (a copy per delivery).
      const copy = { ...request, topicData: [{ ...request.topicData[0]!, partitionData: [{ index: partition, records: Buffer.from(records) }] }] }
      return b.handle<ProduceResponse>(ApiKey.Produce, PRODUCE_VERSION, copy)
    }, CLIENT_TIMEOUT_MS)
    const p = res.responses[0]?.partitionResponses[0]
    if (p && p.errorCode === ErrorCode.NONE) {
      this.ackedCount++
      sink.acked(topic, partition, Number(p.baseOffset), id, leader)
    }
  }

  private async consume(node: number): Promise<void> {
    const { random, topic, network, sink } = this.env
    const partition = random.int(0, this.env.partitions)
    const leader = this.leaderOf(partition)
    if (leader < 0) return
    const req: FetchRequest = defaultFetchRequest()
    req.replicaId = -1
    req.maxWaitMs = 0
    req.minBytes = 1
    req.maxBytes = 1 << 20
    const fp = defaultFetchRequestFetchPartition()
    fp.partition = partition
    fp.fetchOffset = BigInt(this.positions[partition]!)
    fp.partitionMaxBytes = 1 << 20
    req.topics = [{ topic, topicId: '00000000-0000-0000-0000-000000000000', partitions: [fp] }]
    const res = await network.rpc(node, leader, 'consume', () => {
      const b = this.env.live().find((x) => x.id === leader)
      if (!b) throw new Error('down')
      return b.handle<FetchResponse>(ApiKey.Fetch, FETCH_VERSION, req)
    }, CLIENT_TIMEOUT_MS)
    const pd = res.responses[0]?.partitions[0]
    if (!pd) return
    if (pd.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      // Retention or truncation never moves committed data: restart from the log start.
      this.positions[partition] = Number(pd.logStartOffset)
      return
    }
    if (pd.errorCode !== ErrorCode.NONE || pd.records === null) return
    const buf = recordsBuffer(pd.records)
    for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
      const offset = batchBase(buf, pos)
      if (offset < this.positions[partition]!) continue
      this.consumedCount++
      sink.consumed(topic, partition, offset, baseTimestamp(buf, pos), leader)
      this.positions[partition] = offset + 1
    }
  }
}
