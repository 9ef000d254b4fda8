// Consume load: one connection, one Fetch in flight (as a consumer does: the next fetch offset is
// known only from the previous response), all partitions from offset 0 up to the high watermark
// seen when the job started. Each batch's CRC32C is verified and its records counted from the
// header; with decodeRecords every record is decoded too.
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import type { FetchRequest, FetchResponse } from '../../src/protocol/generated/messages/fetch.ts'
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../src/protocol/generated/messages/list-offsets.ts'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'
import { LOG_OVERHEAD, baseOffset, batchSize, lastOffset, recordCount, verifyCrc } from '../../src/protocol/records/batch-header.ts'
import { cpuMs } from './cpu.ts'
import type { ConsumeJob, RateResult } from './jobs.ts'
import { KafkaConn } from './kafka-conn.ts'
import { recordsBuffer } from '../../src/protocol/primitives/index.ts'

export const FETCH_VERSION = 12
const LIST_OFFSETS_VERSION = 7

/** Latest offsets (log end = high watermark on a single node) of partitions [0, n). */
export async function endOffsets(conn: KafkaConn, topic: string, partitions: number): Promise<number[]> {
  const req: ListOffsetsRequest = {
    replicaId: -1,
    isolationLevel: 0,
    timeoutMs: 30_000,
    topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 })) }],
  }
  const res = await conn.send<ListOffsetsResponse>(ApiKey.ListOffsets, LIST_OFFSETS_VERSION, req)
  const out = new Array<number>(partitions).fill(0)
  for (const p of res.topics[0]!.partitions) {
    if (p.errorCode !== 0) throw new Error(`ListOffsets ${topic}-${p.partitionIndex}: error ${p.errorCode}`)
    out[p.partitionIndex] = Number(p.offset)
  }
  return out
}

export function fetchRequest(topic: string, offsets: readonly number[], partitionMaxBytes: number, maxBytes: number,
  maxWaitMs: number, skip: (p: number) => boolean = () => false): FetchRequest {
  const partitions = []
  for (let p = 0; p < offsets.length; p++) {
    if (skip(p)) continue
    partitions.push({
      partition: p, currentLeaderEpoch: -1, fetchOffset: BigInt(offsets[p]!), lastFetchedEpoch: -1, logStartOffset: -1n,
      partitionMaxBytes, replicaDirectoryId: '',
    })
  }
  return {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n }, maxWaitMs, minBytes: 1, maxBytes,
    isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic, topicId: '', partitions }], forgottenTopicsData: [], rackId: '',
  } as unknown as FetchRequest
}

export async function runConsume(job: ConsumeJob): Promise<RateResult> {
  const conn = await KafkaConn.open(job.host, job.port, 'samsa-bench-consumer', job.security)
  conn.reuseFrames = true // one fetch in flight; each response is done with before the next
  const ends = await endOffsets(conn, job.topic, job.partitions)
  const offsets = new Array<number>(job.partitions).fill(0)
  let messages = 0
  let wireBytes = 0
  let requests = 0
  let errors = 0
  let firstError: string | undefined
  const t0 = performance.now()
  const c0 = cpuMs()
  const done = (p: number) => offsets[p]! >= ends[p]!
  while (!offsets.every((_, p) => done(p)) && errors === 0) {
    const res = await conn.send<FetchResponse>(ApiKey.Fetch, FETCH_VERSION,
      fetchRequest(job.topic, offsets, job.partitionMaxBytes, job.maxBytes, 500, done))
    requests++
    for (const t of res.responses) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) {
          errors++
          firstError ??= `partition ${p.partitionIndex}: error ${p.errorCode}`
          continue
        }
        if (!p.records) continue
        const buf = recordsBuffer(p.records)
        wireBytes += buf.length
        let pos = 0
        while (pos + LOG_OVERHEAD <= buf.length && pos + batchSize(buf, pos) <= buf.length) {
          const base = baseOffset(buf, pos)
          if (base > offsets[p.partitionIndex]!) {
            // Nothing was compacted or deleted: a gap means lost data.
            errors++
            firstError ??= `${job.topic}-${p.partitionIndex}: expected offset ${offsets[p.partitionIndex]}, got batch at ${base}`
          }
          if (job.decodeRecords) {
            messages += decodeRecordBatch(buf, pos).records.length
          } else {
            if (!verifyCrc(buf, pos)) throw new Error(`CRC mismatch in ${job.topic}-${p.partitionIndex} at ${pos}`)
            messages += recordCount(buf, pos)
          }
          offsets[p.partitionIndex] = lastOffset(buf, pos) + 1
          pos += batchSize(buf, pos)
        }
      }
    }
  }
  const ms = performance.now() - t0
  const cpu = cpuMs() - c0
  conn.close()
  return { messages, valueBytes: messages * job.recordBytes, wireBytes, ms, cpuMs: cpu, requests, errors, firstError }
}
