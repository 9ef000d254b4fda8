// Produce load: every request carries freshly built RecordBatch v2s (records encoded and CRC'd
// per request with the records builder, as a client's accumulator does; never one batch resent),
// encoded with the generated Produce codec, with `inFlight` requests pipelined on one connection.
import { randomBytes } from 'node:crypto'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import type { ProduceRequest, ProduceResponse } from '../../src/protocol/generated/messages/produce.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import type { RecordInput } from '../../src/protocol/records/batch-builder.ts'
import { cpuMs } from './cpu.ts'
import type { ProduceJob, RateResult } from './jobs.ts'
import { KafkaConn } from './kafka-conn.ts'
import { RequestSpace } from './request-space.ts'
import { ZERO_UUID } from '../../src/protocol/primitives/index.ts'

export const PRODUCE_VERSION = 9

/** Values are windows of one random pool, as a client gets distinct user buffers per record. */
export class ValueSource {
  private readonly pool: Buffer
  private at = 0
  constructor(private readonly size: number) {
    this.pool = randomBytes(1024 * 1024 + size)
  }

  next(): Buffer {
    const v = this.pool.subarray(this.at, this.at + this.size)
    this.at = (this.at + 4099) % (this.pool.length - this.size)
    return v
  }
}

/** Told when the measured window starts and ends (after the warm-up; e.g. to read brokers' CPU time). */
export interface WindowHooks {
  onStart?: () => void
  onEnd?: () => void
}

export async function runProduce(job: ProduceJob, hooks: WindowHooks = {}): Promise<RateResult> {
  const conn = await KafkaConn.open(job.host, job.port, 'samsa-bench-producer', job.security)
  const values = new ValueSource(job.recordBytes)
  const perBatch = Math.max(1, Math.floor(job.batchBytes / job.recordBytes))
  let nextPartition = 0

  // Each lane reuses its request buffer once its previous request is answered (the bytes have left
  // by then), like the Java producer's BufferPool; records are still encoded anew every time, in
  // place: the request leaves as one buffer (request-space.ts).
  const bufferBytes = perBatch * (job.recordBytes + 32) + 4096
  const buildRequest = (space: RequestSpace): { req: ProduceRequest; messages: number; wire: number } => {
    const partitionData = []
    let wire = 0
    const now = Date.now()
    space.begin()
    for (let b = 0; b < job.batchesPerRequest; b++) {
      const records: RecordInput[] = new Array(perBatch)
      for (let i = 0; i < perBatch; i++) records[i] = { value: values.next(), timestamp: now }
      const batch = buildRecordBatch({ records, buffer: space.nextBatch() })
      space.add(batch)
      wire += batch.length
      partitionData.push({ index: nextPartition, records: batch })
      nextPartition = (nextPartition + 1) % job.partitions
    }
    const req: ProduceRequest = {
      transactionalId: null,
      acks: job.acks,
      timeoutMs: 30_000,
      topicData: [{ name: job.topic, topicId: ZERO_UUID, partitionData }],
    }
    return { req, messages: perBatch * job.batchesPerRequest, wire }
  }

  let messages = 0
  let wireBytes = 0
  let requests = 0
  let errors = 0
  let firstError: string | undefined
  let running = true
  const t0 = performance.now()
  let mark: { t: number; cpu: number; messages: number; wire: number; requests: number } | null = null
  const markNow = () => ({ t: performance.now(), cpu: cpuMs(), messages, wire: wireBytes, requests })

  const lane = async (): Promise<void> => {
    const space = new RequestSpace((bufferBytes + 64) * job.batchesPerRequest + 4096)
    while (running) {
      const { req, messages: n, wire } = buildRequest(space)
      const res = await conn.send<ProduceResponse>(ApiKey.Produce, PRODUCE_VERSION, req, true, (chunks) => space.place(chunks))
      for (const t of res.responses) {
        for (const p of t.partitionResponses) {
          if (p.errorCode !== 0) {
            errors++
            firstError ??= `partition ${p.index}: error ${p.errorCode} ${p.errorMessage ?? ''}`
          }
        }
      }
      messages += n
      wireBytes += wire
      requests++
      const elapsed = performance.now() - t0
      if (mark === null && elapsed >= job.warmupMs) {
        mark = markNow()
        hooks.onStart?.()
      }
      if (mark !== null && (performance.now() - mark.t >= job.durationMs || (messages - mark.messages) * job.recordBytes >= job.maxBytes)) {
        running = false
      }
      if (errors > 0) running = false
    }
  }
  await Promise.all(Array.from({ length: job.inFlight }, lane))
  const end = markNow()
  hooks.onEnd?.()
  conn.close()
  const start = mark ?? { t: t0, cpu: 0, messages: 0, wire: 0, requests: 0 }
  return {
    messages: end.messages - start.messages,
    valueBytes: (end.messages - start.messages) * job.recordBytes,
    wireBytes: end.wire - start.wire,
    ms: end.t - start.t,
    cpuMs: end.cpu - start.cpu,
    requests: end.requests - start.requests,
    errors,
    firstError,
  }
}
