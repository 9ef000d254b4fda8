// End-to-end latency at a fixed rate: one connection produces single-record batches (a client
// with linger.ms=0 at low rates) whose value starts with the send time; another long-polls Fetch
// and computes now - send time per record. Both run in this process, so one clock serves both.
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import type { FetchResponse } from '../../src/protocol/generated/messages/fetch.ts'
import type { ProduceRequest, ProduceResponse } from '../../src/protocol/generated/messages/produce.ts'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'
import { LOG_OVERHEAD, batchSize, lastOffset } from '../../src/protocol/records/batch-header.ts'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { cpuMs } from './cpu.ts'
import { FETCH_VERSION, endOffsets, fetchRequest } from './consumer.ts'
import type { LatencyJob, LatencyResult } from './jobs.ts'
import { KafkaConn } from './kafka-conn.ts'
import { PRODUCE_VERSION, ValueSource } from './producer.ts'
import { ZERO_UUID, recordsBuffer } from '../../src/protocol/primitives/index.ts'

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

export async function runLatency(job: LatencyJob): Promise<LatencyResult> {
  const producer = await KafkaConn.open(job.host, job.port, 'samsa-bench-latency-producer', job.security)
  const consumer = await KafkaConn.open(job.host, job.port, 'samsa-bench-latency-consumer', job.security)
  const values = new ValueSource(job.recordBytes)
  let offset = (await endOffsets(consumer, job.topic, 1))[0]!
  const startOffset = offset
  const e2e: number[] = []
  // BENCH_LATENCY_TRACE=1: print when (ms into the window) the slow (> 3 ms) records were sent.
  const trace: string[] | null = process.env.BENCH_LATENCY_TRACE ? [] : null
  const acks: number[] = []
  let errors = 0
  let firstError: string | undefined
  let running = true
  const t0 = performance.now()
  const measureFrom = t0 + job.warmupMs
  const stopAt = measureFrom + job.durationMs
  let c0 = 0

  const send = () => {
    // A private copy of the value: the first 8 bytes carry the send time.
    const value = Buffer.from(values.next())
    const sentAt = performance.now()
    value.writeDoubleLE(sentAt, 0)
    const req: ProduceRequest = {
      transactionalId: null, acks: job.acks, timeoutMs: 30_000,
      topicData: [{ name: job.topic, topicId: ZERO_UUID, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value, timestamp: Date.now() }] }) }] }],
    }
    producer.send<ProduceResponse>(ApiKey.Produce, PRODUCE_VERSION, req).then((res) => {
      const p = res.responses[0]!.partitionResponses[0]!
      if (p.errorCode !== 0) {
        errors++
        firstError ??= `produce error ${p.errorCode}`
      } else if (sentAt >= measureFrom) acks.push(performance.now() - sentAt)
    }, (err: Error) => {
      errors++
      firstError ??= err.message
    })
  }

  // Sender: a 1 ms tick sends every record that is due by now, each in its own request.
  let sent = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    if (now >= stopAt) {
      clearInterval(ticker)
      running = false
      return
    }
    if (c0 === 0 && now >= measureFrom) c0 = cpuMs()
    const due = Math.floor(((now - t0) / 1000) * job.ratePerSec)
    while (sent < due) {
      send()
      sent++
    }
  }, 1)

  // Receiver: long-poll from the end of the log.
  while (running || offset < startOffset + sent) {
    if (!running && performance.now() > stopAt + 2000) break
    const res = await consumer.send<FetchResponse>(ApiKey.Fetch, FETCH_VERSION, fetchRequest(job.topic, [offset], 1024 * 1024, 1024 * 1024, 100))
    const now = performance.now()
    const p = res.responses[0]?.partitions[0]
    if (!p) continue
    if (p.errorCode !== 0) {
      errors++
      firstError ??= `fetch error ${p.errorCode}`
      break
    }
    if (!p.records) continue
    const buf = recordsBuffer(p.records)
    for (let pos = 0; pos + LOG_OVERHEAD <= buf.length && pos + batchSize(buf, pos) <= buf.length; pos += batchSize(buf, pos)) {
      for (const r of decodeRecordBatch(buf, pos).records) {
        const sentAt = r.value!.readDoubleLE(0)
        if (sentAt >= measureFrom && sentAt < stopAt) {
          e2e.push(now - sentAt)
          if (trace && now - sentAt > 3) trace.push(`${(sentAt - measureFrom).toFixed(1)}:${(now - sentAt).toFixed(1)}`)
        }
      }
      offset = lastOffset(buf, pos) + 1
    }
  }
  const cpu = cpuMs() - c0
  if (trace) console.error(`slow records (sent at ms:latency ms): ${trace.join(' ')}`)
  producer.close()
  consumer.close()
  const sorted = Float64Array.from(e2e).sort()
  const ackSorted = Float64Array.from(acks).sort()
  return {
    samples: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    ackP50: quantile(ackSorted, 0.5),
    ackP99: quantile(ackSorted, 0.99),
    achievedRate: sorted.length / (job.durationMs / 1000),
    cpuMs: cpu,
    ms: job.durationMs,
    errors,
    firstError,
  }
}
